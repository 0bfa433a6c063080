import { join } from "node:path";
import { web, httputil, log, testing, util } from "../src";
import { serve } from "./support/serve";
import { openSocket, readUntil, waitForClose } from "./support/wire";

const RAW_RESPONSE = "HTTP/1.1 200 OK\r\nX-Raw: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";

let handled = 0;
let finished = 0;

/** Takes the socket and answers with bytes of its own. */
class Detaching extends web.RequestHandler {
  async get() {
    handled++;
    const stream = this.detach();
    await stream.write(RAW_RESPONSE);
    stream.close();
  }
  on_finish() {
    finished++;
  }
}

/** Takes an upgrade request's socket and echoes what the client sends, reading it itself. */
class RawUpgrade extends web.RequestHandler {
  get() {
    const stream = this.detach();
    stream.socket.on("data", (chunk: Buffer) => void stream.write(chunk.toString("latin1").toUpperCase()));
    void stream.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n");
  }
}

class DetachAfterFlush extends web.RequestHandler {
  async get() {
    this.write("started;");
    await this.flush();
    try {
      this.detach();
    } catch (err) {
      this.write(String((err as Error).message));
    }
  }
}

let streamClosed: () => void = () => undefined;
let watching: () => void = () => undefined;

/** Watches its connection's stream, and never answers. */
class Watching extends web.RequestHandler {
  get() {
    const stream = this.request.connection!.stream!;
    if (this.get_argument("answer", null) !== null) {
      this.write({ closed: stream.closed() });
      return;
    }
    this._auto_finish = false;
    stream.set_close_callback(() => {
      void stream.write("late").catch((err: Error) => {
        closedWrites.push(`${err.name}: ${stream.closed()}`);
        streamClosed();
      });
    });
    watching();
  }
}
const closedWrites: string[] = [];

class Counter extends web.RequestHandler {
  get() {
    this.write({ handled, finished });
  }
}

describe("RequestHandler.detach()", () => {
  beforeEach(() => {
    handled = 0;
    finished = 0;
  });

  test("hands the socket to the handler: its raw bytes are the whole response, no log line, no on_finish", async () => {
    const server = await serve([
      ["/detach", Detaching],
      ["/count", Counter],
    ]);
    const socket = await openSocket(server.port);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.write("GET /detach HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitForClose(socket);
    expect(Buffer.concat(received).toString("latin1")).toBe(RAW_RESPONSE);
    expect((await server.fetch("/count")).json()).toEqual({ handled: 1, finished: 0 });
  });

  test("a request pipelined behind the detached one is neither handled nor answered", async () => {
    const server = await serve([
      ["/detach", Detaching],
      ["/count", Counter],
    ]);
    const socket = await openSocket(server.port);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.write("GET /detach HTTP/1.1\r\nHost: x\r\n\r\nGET /detach HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitForClose(socket);
    expect(Buffer.concat(received).toString("latin1")).toBe(RAW_RESPONSE);
    expect((await server.fetch("/count")).json()).toEqual({ handled: 1, finished: 0 });
  });

  test("on a request that asks to upgrade, the handler reads the socket too, from the bytes after the head, until the client ends", async () => {
    const server = await serve([["/shout", RawUpgrade]]);
    const socket = await openSocket(server.port);
    socket.write("GET /shout HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nhello");
    const first = await readUntil(socket, (text) => text.endsWith("HELLO"));
    expect(first.startsWith("HTTP/1.1 101 Switching Protocols\r\n")).toBe(true);
    socket.write("again");
    expect(await readUntil(socket, (text) => text.includes("AGAIN"))).toBe("AGAIN");
    // Tornado's stream closes at the end of its input: the client's end closes the socket.
    socket.end();
    await waitForClose(socket);
  });

  test("once the headers are out it refuses, and the response goes on", async () => {
    const server = await serve([["/", DetachAfterFlush]]);
    const response = await server.fetch("/");
    expect(response.body.toString()).toBe("started;Cannot detach() after the headers were sent");
  });
});

describe("request.connection.stream", () => {
  test("closed() is false while the client is there", async () => {
    const server = await serve([["/", Watching]]);
    expect((await server.fetch("/?answer=1")).json()).toEqual({ closed: false });
  });

  test("set_close_callback runs when the client goes away, and a write then fails with StreamClosedError", async () => {
    const server = await serve([["/", Watching]]);
    const closed = new Promise<void>((resolve) => (streamClosed = resolve));
    const handling = new Promise<void>((resolve) => (watching = resolve));
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await handling;
    socket.destroy();
    await closed;
    expect(closedWrites).toEqual(["StreamClosedError: true"]);
  });
});

class BytesArguments extends web.RequestHandler {
  decode_argument(value: Buffer): string {
    return value as unknown as string;
  }
  get(raw: unknown) {
    const value = this.get_argument("x") as unknown;
    this.write({
      path_is_bytes: Buffer.isBuffer(raw),
      path: (raw as Buffer).toString("hex"),
      value_is_bytes: Buffer.isBuffer(value),
      value: (value as Buffer).toString("hex"),
    });
  }
}

class Required extends web.RequestHandler {
  get() {
    this.get_argument("name");
  }
}

class AbsoluteStatic extends web.RequestHandler {
  include_host = true;
  get() {
    this.write({ absolute: this.static_url("static_foo.txt"), relative: this.static_url("static_foo.txt", false) });
  }
}

describe("smaller names", () => {
  test("decode_argument overridden to keep bytes: path captures and arguments stay Buffers, unstripped", async () => {
    const server = await serve([["/b/(.*)", BytesArguments]]);
    const response = await server.fetch("/b/%FF%00?x=%FE%20");
    expect(response.json()).toEqual({ path_is_bytes: true, path: "ff00", value_is_bytes: true, value: "fe20" });
  });

  test("MissingArgumentError's log_message reads `Missing argument NAME`, and the log line says so", async () => {
    expect(new web.MissingArgumentError("name").log_message).toBe("Missing argument name");
    expect(new web.MissingArgumentError("50%s").toString()).toBe("HTTP 400: Bad Request (Missing argument 50%s)");
    const server = await serve([["/", Required]]);
    const response = await testing.ExpectLog.around(
      log.gen_log,
      /^400 GET \/ \(127\.0\.0\.1\): Missing argument name$/,
      () => server.fetch("/"),
    );
    expect(response.code).toBe(400);
  });

  test("static_url follows the handler's include_host unless told otherwise", async () => {
    const server = await serve([["/", AbsoluteStatic]], { static_path: join(__dirname, "fixtures", "static") });
    const urls = (await server.fetch("/")).json() as { absolute: string; relative: string };
    expect(urls.absolute).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/static/static_foo\\.txt\\?v=`));
    expect(urls.relative).toMatch(/^\/static\/static_foo\.txt\?v=/);
  });

  test("HTTPHeaders.setdefault returns the present value, or stores and returns the default", () => {
    const headers = new httputil.HTTPHeaders({ "Content-Type": "text/plain" });
    expect(headers.setdefault("content-type", "text/html")).toBe("text/plain");
    expect(headers.setdefault("X-New", "1")).toBe("1");
    expect(headers.get("X-New")).toBe("1");
    expect(() => headers.setdefault("X-Bad", "a\r\nb")).toThrow();
  });

  test("qs_to_qsl flattens a parsed query into pairs, one per value, in order", () => {
    const parsed = { a: ["1", "2"], b: ["3"] };
    expect([...httputil.qs_to_qsl(parsed)]).toEqual([
      ["a", "1"],
      ["a", "2"],
      ["b", "3"],
    ]);
  });

  test("ObjectDict reads its entries as attributes; a __proto__ key is an entry", () => {
    const dict = new util.ObjectDict({ debug: true, port: 8888 });
    expect(dict.debug).toBe(true);
    expect(new util.ObjectDict([["a", 1]]).a).toBe(1);
    const tricky = new util.ObjectDict(JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(tricky)).toBe(util.ObjectDict.prototype);
    expect(tricky.polluted).toBeUndefined();
    expect(Object.keys(tricky)).toEqual(["__proto__"]);
  });
});
