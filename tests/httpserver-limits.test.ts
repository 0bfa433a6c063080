import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { web, log, testing, httpserver, httputil } from "../src";
import { resolve_limits } from "../src/httpserver-limits";
import { forwarded_for_address, forwarded_protocol } from "../src/httpserver-xheaders";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";
import { exchangeUntilClose, openSocket, readUntil, splitResponse, waitForClose } from "./support/wire";

let handled = 0;

class Hello extends web.RequestHandler {
  get() {
    handled++;
    this.write("hello");
  }
  head() {
    this.get();
  }
  post() {
    handled++;
    this.write({ size: this.request.body.length });
  }
}

beforeEach(() => {
  handled = 0;
});

/** Everything the peer sent until it closed the connection, and how long the close took. */
function untilClosed(socket: Socket, timeoutMs = 5000): Promise<{ received: string; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`still open after ${timeoutMs}ms; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`),
      );
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks).toString("latin1"), elapsedMs: Date.now() - started });
    });
  });
}

/** The server still serves a plain GET on a fresh connection. */
async function expectStillServing(server: testing.TestServer): Promise<void> {
  const response = await server.fetch("/");
  expect(response.code).toBe(200);
  expect(response.text).toBe("hello");
}

describe("defaults", () => {
  test("with no options every limit and timeout is on", () => {
    const limits = resolve_limits({});
    expect(limits).toMatchObject({
      maxHeaderSize: 65536,
      maxUriSize: 16384,
      maxBodySize: 100 * 1024 * 1024,
      bodyTimeoutMs: 300_000,
    });
    expect(limits.node).toMatchObject({
      maxHeaderSize: 65536,
      headersTimeout: 60_000,
      keepAliveTimeout: 3_600_000,
      connectionsCheckingInterval: 1000,
    });
  });

  test("the Node server gets a header timeout and a checking interval that makes it fire on time", () => {
    const server = new httpserver.HTTPServer(new web.Application([]), { header_timeout: 2 });
    const node = server.server as typeof server.server & { connectionsCheckingInterval: number };
    expect(node.headersTimeout).toBe(2000);
    expect(node.requestTimeout).toBe(0);
    expect(node.connectionsCheckingInterval).toBe(200);
  });

  test("a header timeout longer than idle_connection_timeout is cut to it; null leaves only the idle timeout", () => {
    expect(resolve_limits({ idle_connection_timeout: 5, header_timeout: 60 }).node.headersTimeout).toBe(5000);
    expect(resolve_limits({ idle_connection_timeout: 90, header_timeout: null }).node.headersTimeout).toBe(90_000);
  });

  test("null switches off body_timeout and max_uri_size", () => {
    expect(resolve_limits({ body_timeout: null, max_uri_size: null })).toMatchObject({
      bodyTimeoutMs: null,
      maxUriSize: null,
    });
  });
});

describe("timeouts", () => {
  test("idle_connection_timeout closes a connection that never sends a request, silently", async () => {
    const server = await serve([["/", Hello]], {}, { idle_connection_timeout: 0.3 });
    const socket = await openSocket(server.port);
    const { received, elapsedMs } = await untilClosed(socket);
    expect(received).toBe("");
    expect(elapsedMs).toBeGreaterThanOrEqual(250);
    expect(elapsedMs).toBeLessThan(2000);
  });

  test("header_timeout cuts a client that trickles its headers with 408", async () => {
    const server = await serve([["/", Hello]], {}, { header_timeout: 0.3 });
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const trickle = setInterval(() => socket.write("X-Slow: y\r\n"), 50);
    try {
      const { received, elapsedMs } = await testing.ExpectLog.around(
        log.gen_log,
        /Timeout reading request headers from 127\.0\.0\.1/,
        () => untilClosed(socket),
      );
      const { statusLine, headerLines } = splitResponse(received);
      expect(statusLine).toBe("HTTP/1.1 408 Request Timeout");
      expect(headerLines).toContain("Connection: close");
      expect(elapsedMs).toBeLessThan(2000);
    } finally {
      clearInterval(trickle);
    }
    expect(handled).toBe(0);
    await expectStillServing(server);
  });

  test("the header timeout of a second request on a kept-alive connection runs from its first byte", async () => {
    const server = await serve([["/", Hello]], {}, { header_timeout: 0.3 });
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, (r) => r.endsWith("hello"));
    socket.write("GET / HTTP/1.1\r\n");
    const { received } = await testing.ExpectLog.around(log.gen_log, /Timeout reading request headers/, () =>
      untilClosed(socket),
    );
    expect(splitResponse(received).statusLine).toBe("HTTP/1.1 408 Request Timeout");
  });
});

describe("size limits", () => {
  test("a head over max_header_size gets 431 and the connection closes", async () => {
    const server = await serve([["/", Hello]], {}, { max_header_size: 1024 });
    const request = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`;
    const raw = await testing.ExpectLog.around(
      log.gen_log,
      /431 from 127\.0\.0\.1: request head larger than max_header_size \(1024 bytes\)/,
      () => exchangeUntilClose(server.port, request),
    );
    const { statusLine, headerLines, body } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(headerLines).toContain("Connection: close");
    expect(body).toBe(
      "<html><title>431: Request Header Fields Too Large</title><body>431: Request Header Fields Too Large</body></html>",
    );
    await expectStillServing(server);
  });

  test("a URI over max_uri_size gets 414 and the handler never runs", async () => {
    const server = await serve([["/.*", Hello]], {}, { max_uri_size: 100 });
    const raw = await testing.ExpectLog.around(
      log.gen_log,
      /414 GET \/a+\.\.\. \(127\.0\.0\.1\): URI longer than max_uri_size \(100 bytes\)/,
      () => exchangeUntilClose(server.port, `GET /${"a".repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    const { statusLine, headerLines } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 414 Request-URI Too Long");
    expect(headerLines).toContain("Connection: close");
    expect(handled).toBe(0);
    expect((await server.fetch("/" + "a".repeat(99))).code).toBe(200);
  });

  test("a URI too long for max_header_size itself makes the whole head too large: 431", async () => {
    const server = await serve([["/.*", Hello]], {}, { max_header_size: 1024, max_uri_size: 4096 });
    const raw = await testing.ExpectLog.around(log.gen_log, /431 from/, () =>
      exchangeUntilClose(server.port, `GET /${"a".repeat(2000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
  });

  test("the default URI limit is 16 KiB", async () => {
    const server = await serve([["/.*", Hello]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /414 GET/, () =>
      exchangeUntilClose(server.port, `GET /${"a".repeat(16384)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 414 Request-URI Too Long");
    expect((await server.fetch("/" + "a".repeat(16383))).code).toBe(200);
  });

  test("a chunked body past max_body_size gets 413; the server stops reading and closes while the client goes on sending", async () => {
    const server = await serve([["/", Hello]], {}, { max_body_size: 4096 });
    const socket = await openSocket(server.port);
    const chunk = `400\r\n${"x".repeat(1024)}\r\n`;
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    const flood = setInterval(() => {
      if (socket.writable) socket.write(chunk);
    }, 2);
    try {
      const { received } = await testing.ExpectLog.around(
        log.gen_log,
        /413 POST \/ \(127\.0\.0\.1\): body larger than max_body_size \(4096 bytes\)/,
        () => untilClosed(socket),
      );
      const { statusLine, headerLines } = splitResponse(received);
      expect(statusLine).toBe("HTTP/1.1 413 Request Entity Too Large");
      expect(headerLines).toContain("Connection: close");
    } finally {
      clearInterval(flood);
    }
    expect(handled).toBe(0);
    await expectStillServing(server);
  });

  test("Expect: 100-continue with a body over max_body_size gets 413 without being invited to send it", async () => {
    const server = await serve([["/", Hello]], {}, { max_body_size: 1024 });
    const raw = await testing.ExpectLog.around(log.gen_log, /413 POST/, () =>
      exchangeUntilClose(
        server.port,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
      ),
    );
    expect(raw).toMatch(/^HTTP\/1\.1 413 Request Entity Too Large\r\n/);
    expect(raw).not.toContain("100 Continue");
  });

  test("Expect: 100-continue with an acceptable body is invited, then served", async () => {
    const server = await serve([["/", Hello]]);
    const socket = await openSocket(server.port);
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    expect(await readUntil(socket, (r) => r.includes("\r\n\r\n"))).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    socket.write("abc");
    expect(await readUntil(socket, (r) => r.endsWith("}"))).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"size": 3\}$/);
    socket.destroy();
  });
});

describe("malformed requests get 400 and a closed connection", () => {
  const cases: Array<[string, string]> = [
    ["a request line without a version", "GET /\r\n\r\n"],
    ["a request line without a version, with headers", "GET /\r\nHost: x\r\n\r\n"],
    ["HTTP/0.9", "GET / HTTP/0.9\r\n\r\n"],
    ["HTTP/2.0 over HTTP/1", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"],
    ["an obs-folded header", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"],
    ["a bare CR in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"],
    ["a bare CR ending the request line", "GET / HTTP/1.1\rHost: x\r\n\r\n"],
    ["a header name with a space", "GET / HTTP/1.1\r\nHost: x\r\nX A: a\r\n\r\n"],
    ["a header name with a separator", "GET / HTTP/1.1\r\nHost: x\r\nX@A: a\r\n\r\n"],
    ["whitespace before the colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n"],
    ["a NUL in a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"],
    ["Content-Length: -1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"],
    ["Content-Length: 1, 2", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab"],
    ["Content-Length: 1, 1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\na"],
    ["Content-Length: +1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na"],
    ["two equal Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"],
    [
      "two conflicting Content-Lengths",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    ],
    ["an overflowing Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\na"],
    [
      "Transfer-Encoding with Content-Length",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    ],
    ["an unknown Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc"],
    [
      "a coding before chunked",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    ],
    [
      "a coding after chunked",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n1\r\na\r\n0\r\n\r\n",
    ],
    [
      "chunked twice",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    ],
    ["Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"],
    ["a bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\na\r\n0\r\n\r\n"],
    ["two Host headers", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"],
  ];

  test.each(cases)("%s", async (_name, request) => {
    const server = await serve([["/", Hello]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /Malformed HTTP message from 127\.0\.0\.1: /, () =>
      exchangeUntilClose(server.port, Buffer.from(request, "latin1")),
    );
    expect(raw).toBe("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    expect(handled).toBe(0);
    await expectStillServing(server);
  });

  test("a client that keeps its side open after a malformed request is closed all the same", async () => {
    const server = await serve([["/", Hello]]);
    const accepted = once(server.http_server.server, "connection") as Promise<[Socket]>;
    const socket = connect({ port: server.port, host: "127.0.0.1", allowHalfOpen: true });
    socket.on("error", () => undefined);
    socket.resume();
    const [serverSide] = await accepted;
    await testing.ExpectLog.around(log.gen_log, /Malformed HTTP message/, async () => {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n");
      await once(socket, "end");
    });
    // The client never ends its side: the server's socket must close without waiting for it.
    await waitForClose(serverSide, 3000);
    socket.destroy();
  });

  test("an upgrade request with unsound framing is refused before any handler", async () => {
    const server = await serve([["/", Hello]]);
    const request = "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    const raw = await testing.ExpectLog.around(
      log.gen_log,
      /Malformed HTTP message from 127\.0\.0\.1: More than one Host header/,
      () => exchangeUntilClose(server.port, request),
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(handled).toBe(0);
  });
});

describe("X-Forwarded-For and X-Scheme", () => {
  const trusted = new Set(["5.5.5.5", "6.6.6.6"]);

  test("the last untrusted address wins; the first when all are trusted", () => {
    expect(forwarded_for_address("1.1.1.1, 2.2.2.2, 5.5.5.5 ,\t6.6.6.6", trusted)).toBe("2.2.2.2");
    expect(forwarded_for_address(" 5.5.5.5 , 6.6.6.6", trusted)).toBe("5.5.5.5");
    expect(forwarded_for_address("3.3.3.3", trusted)).toBe("3.3.3.3");
    expect(forwarded_for_address("1.1.1.1,", trusted)).toBe("");
    expect(forwarded_for_address("", trusted)).toBe("");
  });

  test("the scheme is the last entry, when it is http or https", () => {
    expect(forwarded_protocol("http, https ")).toBe("https");
    expect(forwarded_protocol("https,gopher")).toBeNull();
    expect(forwarded_protocol("  http")).toBe("http");
  });

  test("reading X-Forwarded-For is linear in its length", () => {
    const shapes: Array<(size: number) => string> = [
      (size) => ", ".repeat(size / 2),
      (size) => " ".repeat(size),
      (size) => "5.5.5.5, ".repeat(size / 9) + "\t".repeat(size / 2),
      (size) => "1.1.1.1" + " , 6.6.6.6".repeat(size / 10),
    ];
    for (const shape of shapes) expectLinear(shape, (header) => forwarded_for_address(header, trusted));
  });

  test("reading X-Scheme is linear in its length", () => {
    expectLinear((size) => " ".repeat(size) + "x", forwarded_protocol);
    expectLinear((size) => ",".repeat(size) + " ".repeat(size) + "http", forwarded_protocol);
  });

  test("a 60 KB X-Forwarded-For of commas and spaces is served at once", async () => {
    class Ip extends web.RequestHandler {
      get() {
        this.write(this.request.remote_ip);
      }
    }
    const server = await serve([["/", Ip]], {}, { xheaders: true, trusted_downstream: ["5.5.5.5"] });
    const header = "9.9.9.9" + ", 5.5.5.5".repeat(6000) + " ,".repeat(5);
    const response = await server.fetch("/", { headers: { "X-Forwarded-For": header } });
    expect(response.text).toBe("127.0.0.1");
    const trustedOnly = await server.fetch("/", {
      headers: { "X-Forwarded-For": "9.9.9.9" + ", 5.5.5.5".repeat(6000) },
    });
    expect(trustedOnly.text).toBe("9.9.9.9");
  });
});

describe("Content-Length honesty", () => {
  const ok = { version: "HTTP/1.1", code: 200, reason: "OK" };

  test("writing past the declared Content-Length throws HTTPOutputError; a kept-alive client gets exactly the declared bytes, then a close", async () => {
    let seen: unknown = null;
    const callback = (request: httputil.HTTPServerRequest) => {
      const connection = request.connection!;
      void connection.write_headers(ok, new httputil.HTTPHeaders({ "Content-Length": "5" }), "abc");
      try {
        void connection.write("defghij");
      } catch (err) {
        seen = err;
      }
      connection.finish();
    };
    const server = await testing.start_server(callback);
    try {
      const socket = await openSocket(server.port);
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const { received } = await untilClosed(socket);
      expect(splitResponse(received).body).toBe("abcde");
      expect(seen).toBeInstanceOf(httputil.HTTPOutputError);
      expect((seen as Error).message).toBe("Tried to write more data than Content-Length");
    } finally {
      await server.close();
    }
  });

  test("a handler that sets Content-Length: 5 and writes 10 bytes sees the error; the client gets 5 body bytes and a close", async () => {
    let seen: unknown = null;
    class Liar extends web.RequestHandler {
      get() {
        this.set_header("Content-Length", "5");
        this.write("0123456789");
        try {
          void this.finish();
        } catch (err) {
          seen = err;
        }
      }
    }
    const server = await serve([["/", Liar]]);
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const { received } = await untilClosed(socket);
    const { statusLine, headerLines, body } = splitResponse(received);
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(headerLines).toContain("Content-Length: 5");
    expect(body).toBe("01234");
    expect(seen).toBeInstanceOf(httputil.HTTPOutputError);
  });

  test("a HEAD response declares a Content-Length it does not send, and the connection stays open", async () => {
    const server = await serve([["/", Hello]]);
    const socket = await openSocket(server.port);
    socket.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await readUntil(socket, (r) => r.endsWith("\r\n\r\n"))).toContain("Content-Length: 5");
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await readUntil(socket, (r) => r.endsWith("hello"))).toMatch(/^HTTP\/1\.1 200 OK/);
    socket.destroy();
  });
});
