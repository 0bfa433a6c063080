/**
 * Uploading files, ported from Tornado's `demos/file_upload/file_uploader.py`, with Node's own
 * `fetch`, `FormData` and `Blob`.
 *
 *   npx tsx examples/file_upload/file_uploader.ts [--url=URL] [--put] FILE...
 *
 * By default all the files go in one `multipart/form-data` POST to `--url` (default
 * http://localhost:8888/post), each as a part named after the file. With `--put` each file is
 * sent alone, as the raw body of a PUT to `/<file name>` on the same server. The server's
 * answer is printed; the exit status is 1 when it is not a 2xx.
 *
 * Unlike the demo's body producer, the files are read whole into memory before sending.
 * Start `file_receiver.ts` first.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { lookup } from "mime-types";
import { define, options, parse_command_line } from "tornado-ts/options";

define("url", { default: "http://localhost:8888/post", help: "where to POST the files (PUT goes to /<name> there)" });
define("put", { type: "bool", help: "send each file in its own PUT, as the raw body" });

function contentType(filename: string): string {
  return lookup(filename) || "application/octet-stream";
}

/** Prints the status line and the body; false unless the status is 2xx. */
async function report(response: Response): Promise<boolean> {
  console.log(`${response.status} ${response.statusText}`);
  process.stdout.write(await response.text());
  return response.ok;
}

/** One multipart POST with every file. */
async function post(url: string, filenames: string[]): Promise<boolean> {
  const form = new FormData();
  for (const filename of filenames) {
    const name = basename(filename);
    form.append(name, new Blob([await readFile(filename)], { type: contentType(filename) }), name);
  }
  return report(await fetch(url, { method: "POST", body: form }));
}

/** One PUT per file, to `/<name>` on the server of `url`. */
async function put(url: string, filenames: string[]): Promise<boolean> {
  let ok = true;
  for (const filename of filenames) {
    const target = new URL("/" + encodeURIComponent(basename(filename)), url);
    const body = await readFile(filename);
    ok =
      (await report(
        await fetch(target, { method: "PUT", headers: { "Content-Type": contentType(filename) }, body }),
      )) && ok;
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
  const ok = options.put ? await put(options.url, filenames) : await post(options.url, filenames);
  return ok ? 0 : 1;
}

main().then(
  (status) => (process.exitCode = status),
  (err: unknown) => {
    // fetch reports "fetch failed"; the reason (refused, reset...) is its cause.
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    console.error(`${err instanceof Error ? err.message : String(err)}${cause}`);
    process.exitCode = 1;
  },
);
