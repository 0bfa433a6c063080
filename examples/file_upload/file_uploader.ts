/**
 * Uploading files, ported from Tornado's `demos/file_upload/file_uploader.py`: `AsyncHTTPClient`
 * with a `body_producer`, so each file is streamed from disk 16 KiB at a time and never held
 * in memory whole.
 *
 *   npx tsx examples/file_upload/file_uploader.ts [--url=URL] [--put] FILE...
 *
 * By default all the files go in one `multipart/form-data` POST to `--url` (default
 * http://localhost:8888/post), each as a part named after the file; the multipart body is
 * written by hand, part by part, as in the demo. With `--put` each file is sent alone, as the
 * raw body of a PUT to `/<file name>` on the same server. Both bodies are sent chunked (no
 * Content-Length), as the demo's. The server's answer is printed; the exit status is 1 when it
 * is not a 2xx. Start `file_receiver.ts` first.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { lookup } from "mime-types";
import { AsyncHTTPClient, type BodyWriter, type HTTPResponse } from "tornado-ts/httpclient";
import { define, options, parse_command_line } from "tornado-ts/options";

define("url", { default: "http://localhost:8888/post", help: "where to POST the files (PUT goes to /<name> there)" });
define("put", { type: "bool", help: "send each file in its own PUT, as the raw body" });

/** Bytes read from a file, and written to the request, at a time. */
const CHUNK_SIZE = 16 * 1024;

function contentType(filename: string): string {
  return lookup(filename) || "application/octet-stream";
}

/** Prints the status line and the body; false unless the status is 2xx. */
function report(response: HTTPResponse): boolean {
  console.log(`${response.code} ${response.reason}`);
  process.stdout.write(response.body);
  return response.error === null;
}

/** Writes the file `filename` with `write`, `CHUNK_SIZE` bytes at a time, each written once the last was taken. */
async function write_file(filename: string, write: BodyWriter): Promise<void> {
  // A fresh Buffer per chunk: the transport may still hold the last one while the next is read.
  for await (const chunk of createReadStream(filename, { highWaterMark: CHUNK_SIZE })) await write(chunk as Buffer);
}

/** A multipart header value's quoted string, escaped as browsers (and Node's FormData) do. */
function quoted(value: string): string {
  return value.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}

/** Writes the multipart body of `filenames`, one part each, separated by `boundary`. */
async function multipart_producer(boundary: string, filenames: string[], write: BodyWriter): Promise<void> {
  for (const filename of filenames) {
    const name = quoted(basename(filename));
    await write(
      `--${boundary}\r\n` +
        `Content-Disposition: form-data; name="${name}"; filename="${name}"\r\n` +
        `Content-Type: ${contentType(filename)}\r\n\r\n`,
    );
    await write_file(filename, write);
    await write("\r\n");
  }
  await write(`--${boundary}--\r\n`);
}

/** One multipart POST with every file. */
async function post(client: AsyncHTTPClient, url: string, filenames: string[]): Promise<boolean> {
  const boundary = randomUUID().replace(/-/g, "");
  const response = await client.fetch(url, {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
    body_producer: (write) => multipart_producer(boundary, filenames, write),
    raise_error: false,
  });
  return report(response);
}

/** One PUT per file, to `/<name>` on the server of `url`, the file as the raw body. */
async function put(client: AsyncHTTPClient, url: string, filenames: string[]): Promise<boolean> {
  let ok = true;
  for (const filename of filenames) {
    const target = new URL("/" + encodeURIComponent(basename(filename)), url);
    const response = await client.fetch(target.href, {
      method: "PUT",
      headers: { "Content-Type": contentType(filename) },
      body_producer: (write) => write_file(filename, write),
      raise_error: false,
    });
    ok = report(response) && ok;
  }
  return ok;
}

async function main(): Promise<number> {
  // The flags come first; what follows the first file name is all file names.
  const filenames = parse_command_line();
  if (filenames.length === 0) {
    console.error("Usage: file_uploader.ts [--url=URL] [--put] FILE...\nGive the files to upload.");
    return 1;
  }
  const client = new AsyncHTTPClient();
  try {
    const ok = options.put ? await put(client, options.url, filenames) : await post(client, options.url, filenames);
    return ok ? 0 : 1;
  } finally {
    client.close();
  }
}

main().then(
  (status) => (process.exitCode = status),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
