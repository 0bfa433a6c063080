/**
 * Receiving uploads, ported from Tornado's `demos/file_upload/file_receiver.py`.
 *
 * - `POST /post` takes a `multipart/form-data` body and answers with one line per uploaded file:
 *   its name (as a JSON string), content type and size. Each is logged too, as in the demo.
 * - `PUT /<name>` takes one file as the raw body, its type in `Content-Type`, streamed: the
 *   handler is `@stream_request_body`, counts the bytes in `data_received` as they arrive and
 *   never holds the file in memory, so its `prepare()` allows up to 1 GiB.
 * - `/` is a small form to upload from a browser (the demo has only the command-line client,
 *   `file_uploader.ts` here).
 *
 * As in Tornado's demo, the multipart POST body is read whole before the handler runs, bounded
 * by the server's `max_body_size` (100 MiB by default); the PUT body is streamed.
 *
 * Run it with `npx tsx examples/file_upload/file_receiver.ts` (`--port=N`, `--address=IP`), then
 * open http://localhost:8888/ or run
 * `npx tsx examples/file_upload/file_uploader.ts some.txt other.png`.
 */
import { join } from "node:path";
import { web, log, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });

/** One line of the answer: `"name.txt" text/plain 12 bytes`. */
function describe(filename: string, content_type: string, size: number): string {
  return `${JSON.stringify(filename)} ${content_type} ${size} ${size === 1 ? "byte" : "bytes"}`;
}

/** `/`: the upload form. */
export class FormHandler extends web.RequestHandler {
  get() {
    return this.render("index.html");
  }
}

/** `/post`: lists the files of a multipart upload, in the order they came. */
export class POSTHandler extends web.RequestHandler {
  post() {
    const lines: string[] = [];
    for (const files of Object.values(this.request.files)) {
      for (const { filename, content_type, body } of files) {
        log.app_log.info('POST "%s" "%s" %d bytes', filename, content_type, body.length);
        lines.push(describe(filename, content_type, body.length));
      }
    }
    this.set_header("Content-Type", "text/plain; charset=UTF-8");
    this.write(`Received ${lines.length} ${lines.length === 1 ? "file" : "files"}${lines.length ? ":" : "."}\n`);
    for (const line of lines) this.write(line + "\n");
  }
}

/** The largest file a PUT may stream: over the server's `max_body_size`, since nothing is buffered. */
const MAX_PUT_SIZE = 1024 * 1024 * 1024;

/** `/<name>`: one file as the whole request body, streamed: only its size is kept. */
@web.stream_request_body
export class PUTHandler extends web.RequestHandler {
  bytes_read = 0;

  prepare() {
    this.request.connection?.set_max_body_size?.(MAX_PUT_SIZE);
  }

  data_received(chunk: Buffer) {
    this.bytes_read += chunk.length;
  }

  put(filename: string) {
    const content_type = this.request.headers.get("Content-Type") ?? "application/octet-stream";
    const size = this.bytes_read;
    log.app_log.info('PUT "%s" "%s" %d bytes', filename, content_type, size);
    this.set_header("Content-Type", "text/plain; charset=UTF-8");
    this.write(`Received ${describe(filename, content_type, size)}\n`);
  }
}

/** The receiver: the form, the multipart endpoint, and PUT for any other path. */
export function make_app(): web.Application {
  return new web.Application(
    [
      ["/", FormHandler],
      ["/post", POSTHandler],
      ["/(.+)", PUTHandler],
    ],
    { template_path: join(__dirname, "templates") },
  );
}

function main(): void {
  parse_command_line();
  make_app().listen(options.port, options.address || undefined);
  console.log(`Upload receiver at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the handlers.
if (require.main === module) main();
