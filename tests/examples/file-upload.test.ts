/**
 * examples/file_upload: the receiver is started on a free port; uploads reach it over HTTP on
 * 127.0.0.1, built with Node's FormData, and through the uploader client run as a program. The
 * uploader also sends a file bigger than its chunks to a server of the test's own that hashes
 * what arrives, and its peak RSS is measured against a small upload's.
 */

import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testing, web } from "../../src";
import { ROOT, ProgramOutput, fetchWhenUp, freePort, runProgram, startProgram, stopProgram } from "../support/process";

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
    const result = await runProgram("examples/file_upload/file_uploader.ts", [
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
    const result = await runProgram("examples/file_upload/file_uploader.ts", [
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
  const result = await runProgram("examples/file_upload/file_uploader.ts", []);
  expect(result.code).toBe(1);
  expect(result.output).toContain("Usage: file_uploader.ts");
});

const MIB = 1024 * 1024;

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** What the test's server saw of one upload: the file's name, size, SHA-256 and the request's Transfer-Encoding. */
interface Received {
  filename: string;
  size: number;
  sha256: string;
  transfer_encoding: string | undefined;
}

/** A receiver that hashes each file: the multipart POST's parts, and each PUT's body as it streams. */
function hashingReceiver(received: Received[]): web.Application {
  class Post extends web.RequestHandler {
    post() {
      for (const files of Object.values(this.request.files))
        for (const { filename, body } of files)
          received.push({
            filename,
            size: body.length,
            sha256: sha256(body),
            transfer_encoding: this.request.headers.get("Transfer-Encoding"),
          });
      this.write("posted\n");
    }
  }
  class Put extends web.RequestHandler {
    hash = createHash("sha256");
    size = 0;
    prepare() {
      this.request.connection?.set_max_body_size?.(1024 * MIB);
    }
    data_received(chunk: Buffer) {
      this.hash.update(chunk);
      this.size += chunk.length;
    }
    put(filename: string) {
      const transfer_encoding = this.request.headers.get("Transfer-Encoding");
      received.push({ filename, size: this.size, sha256: this.hash.digest("hex"), transfer_encoding });
      this.write("put\n");
    }
  }
  web.stream_request_body(Put);
  return new web.Application([
    ["/post", Post],
    ["/(.+)", Put],
  ]);
}

/** The highest `max-rss-kib N` the fixture printed (tsx's launcher and the program each print one), and the output without them. */
function peakRss(output: string): { kib: number; rest: string } {
  const values = [...output.matchAll(/^max-rss-kib (\d+)\n/gm)].map((match) => Number(match[1]));
  return { kib: Math.max(...values), rest: output.replace(/^max-rss-kib \d+\n/gm, "") };
}

describe("file_uploader.ts streams files with body_producer", () => {
  const received: Received[] = [];
  let server: testing.TestServer;
  let dir = "";
  // Both over the uploader's 16 KiB chunks; the medium one is the big one's first third.
  const big = randomBytes(96 * MIB);
  const medium = big.subarray(0, 32 * MIB);
  const probe = { NODE_OPTIONS: `--require ${join(ROOT, "tests", "fixtures", "max-rss.cjs")}` };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tornado-ts-upload-big-"));
    writeFileSync(join(dir, "big.bin"), big);
    writeFileSync(join(dir, "medium.bin"), medium);
    server = await testing.start_server(hashingReceiver(received));
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    received.length = 0;
  });

  test.each([
    ["a multipart POST", [], "posted\n"],
    ["a PUT", ["--put"], "put\n"],
  ])(
    "32 and 96 MiB files arrive intact in %s, sent chunked, and the uploader's peak RSS does not grow with the file",
    async (_, flags, answer) => {
      const upload = (file: string) =>
        runProgram(
          "examples/file_upload/file_uploader.ts",
          [...flags, `--url=${server.get_url("/post")}`, join(dir, file)],
          probe,
        );
      const mediumRun = await upload("medium.bin");
      expect(mediumRun.code).toBe(0);
      const large = await upload("big.bin");
      expect(peakRss(large.output).rest).toBe(`200 OK\n${answer}`);
      expect(large.code).toBe(0);
      expect(received).toEqual([
        { filename: "medium.bin", size: medium.length, sha256: sha256(medium), transfer_encoding: "chunked" },
        { filename: "big.bin", size: big.length, sha256: sha256(big), transfer_encoding: "chunked" },
      ]);
      // Holding the file whole (as reading it with readFile did) makes the 96 MiB upload's peak at
      // least 64 MiB higher than the 32 MiB one's. Streamed, both peak alike: what grows is the
      // garbage of spent chunks the GC has not yet collected, bounded whatever the file size.
      const growthKib = peakRss(large.output).kib - peakRss(mediumRun.output).kib;
      expect(growthKib).toBeLessThan(((big.length - medium.length) / 1024) * 0.5);
    },
    3 * WAIT_MS,
  );
});
