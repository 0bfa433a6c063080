/**
 * `@stream_request_body` over real sockets: `prepare()` before the body, `data_received` per
 * chunk in order, back-pressure from an async `data_received`, per-request body limits set in
 * `prepare()`, a failing `data_received`, a client leaving mid-body, and a 200 MB upload through
 * a server in a child process whose RSS stays flat.
 */
import * as http from "node:http";
import type { Socket } from "node:net";
import { web, log, testing, type httputil } from "../src";
import { serve } from "./support/serve";
import { openSocket, readUntil, waitForClose } from "./support/wire";
import { ProgramOutput, startProgram, stopProgram } from "./support/process";

const MIB = 1024 * 1024;

/** Records the hooks it sees, in order, and answers with them. */
class Recorder extends web.RequestHandler {
  static seen: string[] = [];
  chunks: Buffer[] = [];

  prepare() {
    Recorder.seen.push(`prepare body=${this.request.body.length}`);
  }

  data_received(chunk: Buffer) {
    Recorder.seen.push("data");
    this.chunks.push(chunk);
  }

  post() {
    Recorder.seen.push("post");
    this.write({ body: Buffer.concat(this.chunks).toString("latin1"), request_body: this.request.body.length });
  }
}
web.stream_request_body(Recorder);

/** Sends a chunked request whose chunks are written one at a time; resolves with the raw answer once it is complete. */
async function sendChunked(port: number, path: string, chunks: string[]): Promise<string> {
  const socket = await openSocket(port);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
  for (const chunk of chunks) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  socket.write("0\r\n\r\n");
  const answer = await readUntil(socket, (text) => /\r\n\r\n[\s\S]*\}$/.test(text));
  socket.destroy();
  return answer;
}

beforeEach(() => {
  Recorder.seen = [];
});

describe("stream_request_body", () => {
  test("prepare runs before any data_received; the chunks arrive in order; request.body stays empty", async () => {
    const server = await serve([["/", Recorder]]);
    const chunks = ["first;", "second;", "third"];
    const answer = await sendChunked(server.port, "/", chunks);
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(JSON.parse(answer.slice(answer.indexOf("{")))).toEqual({ body: chunks.join(""), request_body: 0 });
    expect(Recorder.seen[0]).toBe("prepare body=0");
    expect(Recorder.seen[Recorder.seen.length - 1]).toBe("post");
    expect(Recorder.seen.slice(1, -1).every((hook) => hook === "data")).toBe(true);
  });

  test("works as a standard class decorator, and subclasses stream too", async () => {
    @web.stream_request_body
    class Decorated extends web.RequestHandler {
      received = 0;
      data_received(chunk: Buffer) {
        this.received += chunk.length;
      }
      put() {
        this.write(`${this.received} ${this.request.body.length}`);
      }
    }
    class Sub extends Decorated {}
    const server = await serve([
      ["/d", Decorated],
      ["/s", Sub],
    ]);
    for (const path of ["/d", "/s"]) {
      const response = await server.fetch(path, { method: "PUT", body: "x".repeat(100_000) });
      expect(response.body.toString()).toBe("100000 0");
    }
  });

  test("a handler that is not decorated keeps its buffered body", async () => {
    class Plain extends web.RequestHandler {
      post() {
        this.write(String(this.request.body.length));
      }
    }
    const server = await serve([["/", Plain]]);
    expect((await server.fetch("/", { method: "POST", body: "abc" })).body.toString()).toBe("3");
  });

  test("the default data_received throws: a streaming handler that does not override it gets a 500", async () => {
    class Forgot extends web.RequestHandler {
      post() {
        this.write("never");
      }
    }
    web.stream_request_body(Forgot);
    const server = await serve([["/", Forgot]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception POST \/ /, () =>
      server.fetch("/", { method: "POST", body: "abc" }),
    );
    expect(response.code).toBe(500);
  });

  test("stream_request_body refuses what is not a handler class", () => {
    expect(() => web.stream_request_body(class NotAHandler {} as never)).toThrow(TypeError);
  });

  test("an async data_received pauses the socket until its promise settles (back-pressure)", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstSeen!: () => void;
    const firstChunk = new Promise<void>((resolve) => (firstSeen = resolve));
    let calls = 0;
    let callsWhileHeld = 0;
    let holding = true;
    class Slow extends web.RequestHandler {
      received = 0;
      data_received(chunk: Buffer) {
        calls++;
        if (holding) callsWhileHeld++;
        firstSeen();
        this.received += chunk.length;
        return calls === 1 ? held : undefined;
      }
      put() {
        this.write(String(this.received));
      }
    }
    web.stream_request_body(Slow);
    class Ping extends web.RequestHandler {
      get() {
        this.write("pong");
      }
    }
    const server = await serve([
      ["/slow", Slow],
      ["/ping", Ping],
    ]);
    const serverSockets: Socket[] = [];
    server.http_server.server.on("connection", (s: Socket) => serverSockets.push(s));
    const total = 32 * MIB;
    const upload = new Promise<string>((resolve, reject) => {
      const req = http.request(
        { port: server.port, host: "127.0.0.1", method: "PUT", path: "/slow", headers: { "Content-Length": total } },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve(text));
        },
      );
      req.on("error", reject);
      req.end(Buffer.alloc(total, 1));
    });
    await firstChunk;
    const uploadSocket = serverSockets[0];
    // Round trips on another connection let the server's loop run: were it reading, it would.
    const pings = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await server.fetch("/ping")).body.toString()).toBe("pong");
    };
    await pings(5);
    const readWhileHeld = uploadSocket.bytesRead;
    await pings(10);
    expect(uploadSocket.bytesRead).toBe(readWhileHeld);
    expect(readWhileHeld).toBeLessThan(total / 4);
    expect(callsWhileHeld).toBe(1);
    holding = false;
    release();
    expect(await upload).toBe(String(total));
  });

  test("set_max_body_size from prepare lowers the limit for this request: 413, connection closed", async () => {
    class Small extends web.RequestHandler {
      received = 0;
      prepare() {
        this.request.connection?.set_max_body_size?.(1000);
      }
      data_received(chunk: Buffer) {
        this.received += chunk.length;
      }
      post() {
        this.write(String(this.received));
      }
    }
    web.stream_request_body(Small);
    const server = await serve([["/", Small]]);
    expect((await server.fetch("/", { method: "POST", body: "x".repeat(1000) })).body.toString()).toBe("1000");
    // Declared over the limit: refused before any of the body is read.
    const declared = await testing.ExpectLog.around(log.gen_log, /413 POST \/ .*max_body_size \(1000 bytes\)/, () =>
      server.fetch("/", { method: "POST", body: "x".repeat(1001) }),
    );
    expect(declared.code).toBe(413);
    // Chunked: cut as soon as the count passes the limit.
    const socket = await openSocket(server.port);
    const answer = testing.ExpectLog.around(log.gen_log, /413 POST \/ .*max_body_size \(1000 bytes\)/, () =>
      readUntil(socket, (text) => text.includes("</html>")),
    );
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    socket.write("258\r\n" + "y".repeat(600) + "\r\n");
    socket.write("258\r\n" + "y".repeat(600) + "\r\n");
    expect(await answer).toMatch(/^HTTP\/1.1 413 [\s\S]*Connection: close/);
    await waitForClose(socket);
  });

  test("set_max_body_size from prepare raises the limit over the server's max_body_size", async () => {
    class Big extends web.RequestHandler {
      received = 0;
      prepare() {
        if (this.request.path === "/big") this.request.connection?.set_max_body_size?.(4 * MIB);
      }
      data_received(chunk: Buffer) {
        this.received += chunk.length;
      }
      post() {
        this.write(String(this.received));
      }
    }
    web.stream_request_body(Big);
    const server = await serve([["/.*", Big]], {}, { max_body_size: MIB });
    const body = Buffer.alloc(3 * MIB, 2);
    expect((await server.fetch("/big", { method: "POST", body })).body.toString()).toBe(String(3 * MIB));
    const refused = await testing.ExpectLog.around(log.gen_log, /413 POST \/other/, () =>
      server.fetch("/other", { method: "POST", body }),
    );
    expect(refused.code).toBe(413);
  });

  test("Expect: 100-continue is answered only after prepare, and not at all when its limit refuses the body", async () => {
    class Guarded extends web.RequestHandler {
      prepare() {
        Recorder.seen.push("prepare");
        this.request.connection?.set_max_body_size?.(10);
      }
      data_received() {}
      post() {
        this.write("ok");
      }
    }
    web.stream_request_body(Guarded);
    const server = await serve([["/", Guarded]]);
    const socket = await openSocket(server.port);
    const answer = testing.ExpectLog.around(log.gen_log, /413 POST \/ .*\(10 bytes\)/, () =>
      readUntil(socket, (text) => text.includes("</html>")),
    );
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1.1 413 /);
    expect(text).not.toContain("100 Continue");
    expect(Recorder.seen).toEqual(["prepare"]);
    await waitForClose(socket);
  });

  test("a prepare that ends the request (403) skips the body: no data_received, the connection closed", async () => {
    let chunks = 0;
    class Forbidden extends web.RequestHandler {
      prepare() {
        throw new web.HTTPError(403);
      }
      data_received() {
        chunks++;
      }
      post() {
        this.write("never");
      }
    }
    web.stream_request_body(Forbidden);
    const server = await serve([["/", Forbidden]]);
    const socket = await openSocket(server.port);
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "q".repeat(5000));
    const text = await readUntil(socket, (received) => received.includes("</html>"));
    expect(text).toMatch(/^HTTP\/1.1 403 /);
    await waitForClose(socket);
    expect(chunks).toBe(0);
  });

  test("set_body_timeout from prepare closes a connection whose body is too slow", async () => {
    class Patient extends web.RequestHandler {
      prepare() {
        this.request.connection?.set_body_timeout?.(0.2);
      }
      data_received() {}
      post() {
        this.write("done");
      }
    }
    web.stream_request_body(Patient);
    const server = await serve([["/", Patient]]);
    const socket = await openSocket(server.port);
    const closed = testing.ExpectLog.around(log.gen_log, /Timeout reading body from 127.0.0.1/, () =>
      waitForClose(socket),
    );
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    await closed;
  });

  test("a data_received that throws ends the request with a 500 and a log line; the verb does not run", async () => {
    let verbRan = false;
    class Failing extends web.RequestHandler {
      async data_received() {
        throw new Error("bad chunk");
      }
      post() {
        verbRan = true;
      }
    }
    web.stream_request_body(Failing);
    const server = await serve([["/", Failing]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception POST \/ /, () =>
      server.fetch("/", { method: "POST", body: "x".repeat(50_000) }),
    );
    expect(response.code).toBe(500);
    expect(verbRan).toBe(false);
  });

  test("a body refused while streaming (413): on_connection_close is called, as Tornado's delegate close does", async () => {
    let closedSeen = () => {};
    const closed = new Promise<void>((resolve) => (closedSeen = resolve));
    let verbRan = false;
    let closes = 0;
    class Limited extends web.RequestHandler {
      prepare() {
        this.request.connection?.set_max_body_size?.(10);
      }
      data_received() {}
      on_connection_close() {
        closes++;
        closedSeen();
      }
      post() {
        verbRan = true;
      }
    }
    web.stream_request_body(Limited);
    const server = await serve([["/", Limited]]);
    const socket = await openSocket(server.port);
    const answer = testing.ExpectLog.around(log.gen_log, /413 POST \/ .*\(10 bytes\)/, () =>
      readUntil(socket, (text) => text.includes("</html>")),
    );
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n");
    expect(await answer).toMatch(/^HTTP\/1.1 413 /);
    await closed;
    expect(verbRan).toBe(false);
    await waitForClose(socket);
    expect(closes).toBe(1);
  });

  test("a client that leaves mid-body: on_connection_close is called, the verb never runs", async () => {
    let verbRan = false;
    let chunkSeen = () => {};
    let closedSeen = () => {};
    class Leaving extends web.RequestHandler {
      data_received() {
        chunkSeen();
      }
      on_connection_close() {
        closedSeen();
      }
      post() {
        verbRan = true;
      }
    }
    web.stream_request_body(Leaving);
    const server = await serve([["/", Leaving]]);
    const leaveMidBody = async () => {
      const gotChunk = new Promise<void>((resolve) => (chunkSeen = resolve));
      const closed = new Promise<void>((resolve) => (closedSeen = resolve));
      const socket = await openSocket(server.port);
      socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "z".repeat(1000));
      await gotChunk;
      socket.destroy();
      await closed;
    };
    await leaveMidBody();
    // The server has seen the close: a whole body on a new connection is served after it, and
    // another client leaving after that still finds the verb not run for it.
    expect((await server.fetch("/", { method: "POST", body: "x" })).code).toBe(200);
    expect(verbRan).toBe(true);
    verbRan = false;
    await leaveMidBody();
    expect(verbRan).toBe(false);
  });

  test("a 200 MB upload streams through a server process whose RSS stays flat", async () => {
    const child = startProgram("tests/fixtures/stream-upload-app.ts");
    const output = new ProgramOutput(child);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout!.on("data", () => {
          const match = /listening (\d+)/.exec(output.text);
          if (match) resolve(Number(match[1]));
        });
        child.once("exit", () => reject(new Error(`server exited: ${output.text}`)));
      });
      const total = 200 * MIB;
      const piece = Buffer.alloc(MIB, 7);
      const started = process.hrtime.bigint();
      const answer = await new Promise<string>((resolve, reject) => {
        const req = http.request(
          { port, host: "127.0.0.1", method: "PUT", path: "/count", headers: { "Content-Length": total } },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve(text));
          },
        );
        req.on("error", reject);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += piece.length;
            if (!req.write(piece)) return void req.once("drain", pump);
          }
          req.end();
        };
        pump();
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const result = JSON.parse(answer) as { bytes: number; rss_before: number; rss_max: number };
      expect(result.bytes).toBe(total);
      const growth = (result.rss_max - result.rss_before) / MIB;
      process.stdout.write(
        `200 MB upload: ${seconds.toFixed(2)} s (${(200 / seconds).toFixed(0)} MB/s), server RSS ` +
          `${(result.rss_before / MIB).toFixed(1)} MiB before, ${(result.rss_max / MIB).toFixed(1)} MiB at most (+${growth.toFixed(1)})\n`,
      );
      // Buffered whole, the body alone would add 200 MiB; streamed, what grows is garbage not yet collected.
      expect(growth).toBeLessThan(64);
    } finally {
      await stopProgram(child);
    }
  });
});

describe("requests with a body and Application's routing hooks", () => {
  /** Counts its find_handler calls; a header sends streaming requests to Recorder by another route. */
  class Counting extends web.Application {
    lookups = 0;
    find_handler(request: httputil.HTTPServerRequest): httputil.HTTPMessageDelegate {
      this.lookups += 1;
      if (request.headers.get("X-Stream") === "yes") return this.get_handler_delegate(request, Recorder);
      return super.find_handler(request);
    }
  }
  class Echo extends web.RequestHandler {
    post() {
      this.write(`echo ${this.request.body.toString("latin1")}`);
    }
  }

  test("a buffered body is routed once, at header time, and served by that route", async () => {
    const app = new Counting([["/echo", Echo]]);
    const server = await testing.start_server(app);
    try {
      const response = await server.fetch("/echo", { method: "POST", body: "abc" });
      expect(response.text).toBe("echo abc");
      expect(app.lookups).toBe(1);
      expect((await server.fetch("/echo", { method: "POST", body: "" })).text).toBe("echo ");
      expect(app.lookups).toBe(2);
    } finally {
      await server.close();
    }
  });

  test("an overridden find_handler can lead to a streaming handler, which then streams", async () => {
    const app = new Counting([["/echo", Echo]]);
    const server = await testing.start_server(app);
    try {
      const response = await server.fetch("/echo", {
        method: "POST",
        body: "streamed",
        headers: { "X-Stream": "yes" },
      });
      expect(response.json()).toEqual({ body: "streamed", request_body: 0 });
      expect(Recorder.seen[0]).toBe("prepare body=0");
      expect(app.lookups).toBe(1);
    } finally {
      await server.close();
    }
  });
});
