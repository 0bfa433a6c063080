/**
 * examples/file_upload: the receiver is started on a free port; uploads reach it over HTTP on
 * 127.0.0.1, built with Node's FormData, and through the uploader client run as a program.
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testing } from "../../src";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

const WAIT_MS = 15000;

/** A multipart body as a browser would send it: Node's FormData, serialised by `Response`. */
async function multipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get("Content-Type")! };
}

/** Stops `child`, killing it if it has not exited after `WAIT_MS`. */
async function stop(child: ChildProcess): Promise<void> {
  const killer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
  await stopProgram(child);
  clearTimeout(killer);
}

/** Runs a program to its end (killed after `WAIT_MS`); its exit code and everything it printed. */
async function run(file: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = startProgram(file, args);
  const output = new ProgramOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
  try {
    const code = await exited;
    // The pipes may still hold the last lines when "exit" fires; "close" comes after them.
    if (child.stdout !== null && !child.stdout.closed)
      await new Promise((resolve) => child.stdout!.once("close", resolve));
    return { code, output: output.text };
  } finally {
    clearTimeout(killer);
  }
}

describe("examples/file_upload/file_receiver.ts as a program", () => {
  let receiver: ChildProcess | null = null;
  let log: ProgramOutput;
  let base = "";
  let dir = "";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tornado-ts-upload-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    receiver = startProgram("examples/file_upload/file_receiver.ts", [`--port=${port}`, "--address=127.0.0.1"]);
    log = new ProgramOutput(receiver);
    await fetchWhenUp(`${base}/`);
  });

  afterEach(async () => {
    if (receiver !== null) await stop(receiver);
    receiver = null;
  });

  test("/ serves a multipart form that posts to /post", async () => {
    const page = await testing.fetch(`${base}/`);
    expect(page.code).toBe(200);
    expect(page.text).toContain('<form action="/post" method="post" enctype="multipart/form-data">');
    expect(page.text).toContain('<input type="file" name="files" multiple');
  });

  test("a multipart POST of two files is answered with each file's name, content type and size", async () => {
    const form = new FormData();
    form.append("files", new Blob(["hello, upload\n"], { type: "text/plain" }), "notes.txt");
    form.append("files", new Blob([Buffer.alloc(1024, 7)], { type: "image/png" }), "pixel art ü.png");
    form.append("comment", "a field, not a file");
    const { body, contentType } = await multipart(form);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const response = await testing.fetch(`${base}/post`, {
      method: "POST",
      headers: { "Content-Type": contentType },
      body,
    });
    expect(response.code).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/plain; charset=UTF-8");
    expect(response.text).toBe(
      'Received 2 files:\n"notes.txt" text/plain 14 bytes\n"pixel art ü.png" image/png 1024 bytes\n',
    );
    await log.waitFor(/POST "notes\.txt" "text\/plain" 14 bytes/);
  });

  test("a POST without files says so", async () => {
    const form = new FormData();
    form.append("comment", "no files here");
    const { body, contentType } = await multipart(form);
    const response = await testing.fetch(`${base}/post`, {
      method: "POST",
      headers: { "Content-Type": contentType },
      body,
    });
    expect(response.code).toBe(200);
    expect(response.text).toBe("Received 0 files.\n");
  });

  test("a PUT to /<name> takes the raw body as one file", async () => {
    const response = await testing.fetch(`${base}/caf%C3%A9%20menu.txt`, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: "soup\n",
    });
    expect(response.code).toBe(200);
    expect(response.text).toBe('Received "café menu.txt" text/plain 5 bytes\n');
  });

  test("a PUT is streamed (@stream_request_body): a file over the server's 100 MiB max_body_size gets through", async () => {
    const size = 120 * 1024 * 1024;
    const response = await testing.fetch(`${base}/big.bin`, {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream" },
      body: Buffer.alloc(size, 1),
    });
    expect(response.code).toBe(200);
    expect(response.text).toBe(`Received "big.bin" application/octet-stream ${size} bytes\n`);
  });

  test("file_uploader.ts posts the files given on the command line and prints the answer", async () => {
    writeFileSync(join(dir, "a.txt"), "first file\n");
    writeFileSync(join(dir, "b.json"), '{"second": true}');
    const result = await run("examples/file_upload/file_uploader.ts", [
      `--url=${base}/post`,
      join(dir, "a.txt"),
      join(dir, "b.json"),
    ]);
    expect(result.output).toBe(
      '200 OK\nReceived 2 files:\n"a.txt" text/plain 11 bytes\n"b.json" application/json 16 bytes\n',
    );
    expect(result.code).toBe(0);
  });

  test("file_uploader.ts --put sends each file in its own PUT", async () => {
    writeFileSync(join(dir, "c.txt"), "third");
    writeFileSync(join(dir, "d.bin"), Buffer.alloc(3));
    const result = await run("examples/file_upload/file_uploader.ts", [
      "--put",
      `--url=${base}/post`,
      join(dir, "c.txt"),
      join(dir, "d.bin"),
    ]);
    expect(result.output).toBe(
      '200 OK\nReceived "c.txt" text/plain 5 bytes\n200 OK\nReceived "d.bin" application/octet-stream 3 bytes\n',
    );
    expect(result.code).toBe(0);
  });
});

test("file_uploader.ts without files prints its usage and exits with 1", async () => {
  const result = await run("examples/file_upload/file_uploader.ts", []);
  expect(result.code).toBe(1);
  expect(result.output).toContain("Usage: file_uploader.ts");
});
