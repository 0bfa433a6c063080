/**
 * `decompress_request` over real sockets: a `Content-Encoding: gzip` body is inflated as it
 * arrives, for buffered handlers (form bodies parsed after it) and streaming ones; its
 * decompressed size is held to `max_body_size` (a gzip bomb is cut at the limit with 413); a
 * body that is not gzip gets 400 and a log line.
 */
import { gzipSync } from "node:zlib";
import { web, log, testing } from "../src";
import { serve } from "./support/serve";

const MIB = 1024 * 1024;
const FORM = "application/x-www-form-urlencoded";

/** Answers with what it was given: the form's `name`, the body's length, and the encoding headers. */
class Echo extends web.RequestHandler {
  post() {
    this.write({
      name: this.get_body_argument("name", null),
      length: this.request.body.length,
      encoding: this.request.headers.get("Content-Encoding") ?? null,
      consumed: this.request.headers.get("X-Consumed-Content-Encoding") ?? null,
    });
  }
}

/** A streaming handler that counts and keeps the start of what it receives. */
class Streamed extends web.RequestHandler {
  received: Buffer[] = [];
  data_received(chunk: Buffer) {
    this.received.push(chunk);
  }
  put() {
    const body = Buffer.concat(this.received);
    this.write({ length: body.length, text: body.subarray(0, 20).toString() });
  }
}
web.stream_request_body(Streamed);

function gzipPost(server: testing.TestServer, path: string, body: Buffer, method = "POST", type = FORM) {
  return server.fetch(path, {
    method,
    headers: { "Content-Type": type, "Content-Encoding": "gzip" },
    body,
  });
}

describe("decompress_request", () => {
  const routes: web.Route[] = [
    ["/echo", Echo],
    ["/stream", Streamed],
  ];

  test("a gzip form body is decompressed before it is parsed; the header moves to X-Consumed-Content-Encoding", async () => {
    const server = await serve(routes, {}, { decompress_request: true });
    const response = await gzipPost(server, "/echo", gzipSync("name=caf%C3%A9&other=1"));
    expect(JSON.parse(response.body.toString())).toEqual({
      name: "café",
      length: 22,
      encoding: null,
      consumed: "gzip",
    });
  });

  test("without the option, the body reaches the handler compressed", async () => {
    const server = await serve(routes);
    const compressed = gzipSync("name=x");
    const response = await gzipPost(server, "/echo", compressed, "POST", "application/octet-stream");
    expect(JSON.parse(response.body.toString())).toMatchObject({ length: compressed.length, encoding: "gzip" });
  });

  test("a streaming handler receives the decompressed chunks", async () => {
    const server = await serve(routes, {}, { decompress_request: true });
    const plain = Buffer.from("streamed text ".repeat(100_000));
    const response = await gzipPost(server, "/stream", gzipSync(plain), "PUT");
    expect(JSON.parse(response.body.toString())).toEqual({ length: plain.length, text: "streamed text stream" });
  });

  test("a gzip bomb is cut at max_body_size (decompressed) with 413, buffered or streamed", async () => {
    const server = await serve(routes, {}, { decompress_request: true, max_body_size: MIB });
    const bomb = gzipSync(Buffer.alloc(64 * MIB));
    expect(bomb.length).toBeLessThan(MIB / 4);
    for (const [path, method] of [
      ["/echo", "POST"],
      ["/stream", "PUT"],
    ]) {
      const response = await testing.ExpectLog.around(log.gen_log, /413 .*max_body_size \(1048576 bytes\)/, () =>
        gzipPost(server, path, bomb, method),
      );
      expect(response.code).toBe(413);
      expect(response.headers.get("Connection")).toBe("close");
    }
    // Exactly at the limit is accepted.
    const full = await gzipPost(server, "/stream", gzipSync(Buffer.alloc(MIB, 0x61)), "PUT");
    expect(JSON.parse(full.body.toString())).toMatchObject({ length: MIB });
  });

  test("a body that is not valid gzip gets 400 and a log line", async () => {
    const server = await serve(routes, {}, { decompress_request: true });
    for (const body of [Buffer.from("not gzip at all"), gzipSync("name=x").subarray(0, 12)]) {
      const response = await testing.ExpectLog.around(
        log.gen_log,
        /Malformed HTTP message from 127.0.0.1: bad gzip/,
        () => gzipPost(server, "/echo", body),
      );
      expect(response.code).toBe(400);
    }
  });

  test("the Application setting turns it on for the server listen() starts", async () => {
    const app = new web.Application(routes, { decompress_request: true });
    const server = new testing.TestServer(await app.listen(0, "127.0.0.1").ready());
    try {
      const response = await gzipPost(server, "/echo", gzipSync("name=set"));
      expect(JSON.parse(response.body.toString())).toMatchObject({ name: "set", consumed: "gzip" });
    } finally {
      await server.close();
    }
  });
});
