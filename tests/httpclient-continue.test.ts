/**
 * `expect_100_continue` over real sockets against our HTTPServer (which answers `Expect` itself)
 * and a raw TCP server: the body goes after `100 Continue` and arrives intact, a refusal from
 * `prepare()` or `max_body_size` is the answer with no body byte sent, a body_producer, the
 * header_callback, and a request_timeout while waiting for the server.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { web } from "../src";
import { AsyncHTTPClient, HTTPClientError, HTTPTimeoutError } from "../src/httpclient";
import { serve } from "./support/serve";

const clients: AsyncHTTPClient[] = [];
function client(): AsyncHTTPClient {
  const made = new AsyncHTTPClient({ force_instance: true });
  clients.push(made);
  return made;
}
afterEach(() => clients.splice(0).forEach((made) => made.close()));

class Echo extends web.RequestHandler {
  post() {
    this.write({
      expect: this.request.headers.get("Expect") ?? null,
      length: this.request.body.length,
      body: this.request.body.toString(),
    });
  }
}

/** Streams its body, counting the bytes; refuses (413 from `prepare()`) when `?refuse=1`. */
class Counting extends web.RequestHandler {
  static received = 0;

  prepare() {
    if (this.get_query_argument("refuse", "0") === "1") {
      this.set_status(413);
      this.finish("refused");
    }
  }

  data_received(chunk: Buffer) {
    Counting.received += chunk.length;
  }

  put() {
    this.write(`got ${Counting.received}`);
  }
}
web.stream_request_body(Counting);
beforeEach(() => (Counting.received = 0));

/** A TCP relay to `port` that counts the bytes the client sends after its request's headers. */
async function countingRelay(port: number): Promise<{ port: number; bodyBytes: () => number; close: () => void }> {
  let sent = Buffer.alloc(0);
  const sockets: Socket[] = [];
  const relay = createServer((client: Socket) => {
    const upstream = connect(port, "127.0.0.1");
    sockets.push(client, upstream);
    client.on("data", (chunk: Buffer) => (sent = Buffer.concat([sent, chunk])));
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  relay.listen(0, "127.0.0.1");
  await once(relay, "listening");
  return {
    port: (relay.address() as AddressInfo).port,
    bodyBytes: () => sent.length - (sent.indexOf("\r\n\r\n") + 4),
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      relay.close();
    },
  };
}

class Gzipped extends web.RequestHandler {
  post() {
    this.set_header("Content-Encoding", "gzip");
    this.write(gzipSync(this.request.body));
  }
}

const routes: web.Route[] = [
  ["/echo", Echo],
  ["/gzip", Gzipped],
  ["/count", Counting],
];

describe("expect_100_continue", () => {
  test("a POST sends Expect: 100-continue, then its body, received intact", async () => {
    const server = await serve(routes);
    const body = "x".repeat(100_000) + "é";
    const response = await client().fetch(server.get_url("/echo"), { method: "POST", body, expect_100_continue: true });
    expect(response.code).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({
      expect: "100-continue",
      length: Buffer.byteLength(body),
      body,
    });
  });

  test("a refusal from prepare() is the answer and no body byte is sent", async () => {
    const server = await serve(routes);
    const relay = await countingRelay(Number(new URL(server.get_url("/")).port));
    try {
      const error = await client()
        .fetch(`http://127.0.0.1:${relay.port}/count?refuse=1`, {
          method: "PUT",
          body: "y".repeat(50_000),
          expect_100_continue: true,
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).toBe(413);
      expect((error as HTTPClientError).response!.body.toString()).toBe("refused");
      expect(relay.bodyBytes()).toBe(0);
      expect(Counting.received).toBe(0);
    } finally {
      relay.close();
    }
  });

  test("a body over the server's max_body_size gets its 413 before any byte is sent", async () => {
    const server = await serve(routes, {}, { max_body_size: 1000 });
    const relay = await countingRelay(Number(new URL(server.get_url("/")).port));
    try {
      const response = await client().fetch(`http://127.0.0.1:${relay.port}/count`, {
        method: "PUT",
        body: "z".repeat(50_000),
        expect_100_continue: true,
        raise_error: false,
      });
      expect(response.code).toBe(413);
      expect(relay.bodyBytes()).toBe(0);
    } finally {
      relay.close();
    }
  });

  test("a body_producer writes after the 100 Continue", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/count"), {
      method: "PUT",
      expect_100_continue: true,
      body_producer: async (write) => {
        for (let i = 0; i < 10; i++) await write("0123456789");
      },
    });
    expect(response.body.toString()).toBe("got 100");
  });

  test("request_timeout fires as a 599 while the server says nothing, no body byte sent", async () => {
    const received: Buffer[] = [];
    const raw = createServer((socket: Socket) => socket.on("data", (chunk: Buffer) => received.push(chunk)));
    raw.listen(0, "127.0.0.1");
    await once(raw, "listening");
    try {
      const { port } = raw.address() as AddressInfo;
      const error = await client()
        .fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          body: "never sent",
          expect_100_continue: true,
          request_timeout: 0.3,
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(HTTPTimeoutError);
      expect((error as HTTPTimeoutError).code).toBe(599);
      const sent = Buffer.concat(received).toString();
      expect(sent.toLowerCase()).toContain("expect: 100-continue\r\n");
      expect(sent.endsWith("\r\n\r\n")).toBe(true);
      expect(sent).not.toContain("never sent");
    } finally {
      raw.close();
    }
  });

  test("header_callback sees the final answer's lines, not the 100 Continue", async () => {
    const server = await serve(routes);
    const lines: string[] = [];
    const response = await client().fetch(server.get_url("/echo"), {
      method: "POST",
      body: "hello",
      expect_100_continue: true,
      header_callback: (line) => lines.push(line),
    });
    expect(JSON.parse(response.body.toString())).toMatchObject({ body: "hello" });
    expect(lines[0]).toBe("HTTP/1.1 200 OK\r\n");
    expect(lines.at(-1)).toBe("\r\n");
  });

  test("decompress_response and streaming_callback work as on the undici path", async () => {
    const server = await serve(routes);
    const chunks: Buffer[] = [];
    const response = await client().fetch(server.get_url("/gzip"), {
      method: "POST",
      body: "zipped body",
      expect_100_continue: true,
      streaming_callback: (chunk) => void chunks.push(chunk),
    });
    expect(Buffer.concat(chunks).toString()).toBe("zipped body");
    expect(response.body.length).toBe(0);
    expect(response.headers.get("X-Consumed-Content-Encoding")).toBe("gzip");
  });

  test("a proxy_host is refused with a clear error", async () => {
    await expect(
      client().fetch("http://127.0.0.1:1/", {
        method: "POST",
        body: "b",
        expect_100_continue: true,
        proxy_host: "127.0.0.1",
        proxy_port: 1,
      }),
    ).rejects.toThrow("expect_100_continue is not supported with proxy_host");
  });
});

describe("expect_100_continue over TLS", () => {
  const fixtures = join(__dirname, "fixtures");
  const ssl_options = { key: readFileSync(join(fixtures, "test.key")), cert: readFileSync(join(fixtures, "test.crt")) };

  test("ca_certs verifies the server", async () => {
    const server = await serve(routes, {}, { ssl_options });
    const response = await client().fetch(server.get_url("/echo"), {
      method: "POST",
      body: "over tls",
      expect_100_continue: true,
      ca_certs: join(fixtures, "test.crt"),
    });
    expect(JSON.parse(response.body.toString())).toMatchObject({ expect: "100-continue", body: "over tls" });
  });

  test("an unknown self-signed certificate fails with 599; validate_cert: false accepts it", async () => {
    const server = await serve(routes, {}, { ssl_options });
    const options = { method: "POST", body: "b", expect_100_continue: true };
    const error = await client()
      .fetch(server.get_url("/echo"), options)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HTTPClientError);
    expect((error as HTTPClientError).code).toBe(599);
    expect((error as HTTPClientError).message).toMatch(/self.signed/i);
    const response = await client().fetch(server.get_url("/echo"), { ...options, validate_cert: false });
    expect(response.code).toBe(200);
  });

  test("connect_timeout covers the TLS handshake: a server that never answers it gives a 599", async () => {
    const silent = createServer(() => undefined);
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const sockets: Socket[] = [];
    silent.on("connection", (socket: Socket) => sockets.push(socket));
    try {
      const { port } = silent.address() as AddressInfo;
      const error = await client()
        .fetch(`https://127.0.0.1:${port}/`, {
          method: "POST",
          body: "b",
          expect_100_continue: true,
          connect_timeout: 0.2,
          request_timeout: 10,
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(HTTPTimeoutError);
      expect((error as HTTPTimeoutError).message).toBe("HTTP 599: Timeout while connecting");
    } finally {
      sockets.forEach((socket) => socket.destroy());
      silent.close();
    }
  });

  test("what a streaming_callback throws rejects the fetch unchanged", async () => {
    const server = await serve(routes);
    const failure = new Error("callback failed");
    await expect(
      client().fetch(server.get_url("/echo"), {
        method: "POST",
        body: "b",
        expect_100_continue: true,
        streaming_callback: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
  });
});
