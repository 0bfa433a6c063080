import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { web, websocket, log, testing, ioloop } from "../src";
import { serve } from "./support/serve";
import { connect, RecordingClient, floodUntilPending, settles } from "./support/ws";
import { exchangeUntilClose, splitResponse } from "./support/wire";

const events: string[] = [];
beforeEach(() => {
  events.length = 0;
});

class Echo extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    this.write_message(message, Buffer.isBuffer(message));
  }
  on_close() {
    events.push(`close:${this.close_code}:${this.close_reason}`);
  }
}

class JsonSender extends websocket.WebSocketHandler {
  open() {
    this.write_message({ a: 1, b: [1, 2], c: "</script>é" });
  }
}

class PathArgs extends websocket.WebSocketHandler {
  open(arg: string) {
    this.write_message(arg);
  }
}

class NamedArgs extends websocket.WebSocketHandler {
  open({ name }: { name: string }) {
    this.write_message(`name=${name}`);
  }
}

class TutorialNames extends websocket.WebSocketHandler {
  on_open() {
    this.write_message("on_open called");
  }
}

class AsyncOrder extends websocket.WebSocketHandler {
  async open() {
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push("opened");
  }
  async on_message(message: string | Buffer) {
    events.push(`start:${message}`);
    await new Promise((resolve) => setTimeout(resolve, message === "slow" ? 50 : 1));
    events.push(`end:${message}`);
    this.write_message(`done:${message}`);
  }
}

class CloseInOpen extends websocket.WebSocketHandler {
  open() {
    this.close(1001, "goodbye");
  }
  on_close() {
    events.push(`close:${this.close_code}:${this.close_reason}`);
  }
}

class CloseThenWrite extends websocket.WebSocketHandler {
  on_message() {
    this.close();
    try {
      void this.write_message("too late");
    } catch (err) {
      events.push(err instanceof websocket.WebSocketClosedError ? "closed error" : String(err));
    }
  }
}

class Pinger extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    if (message === "ping me") this.ping("hello");
    if (message === "big ping") {
      try {
        this.ping(Buffer.alloc(126));
      } catch (err) {
        this.write_message(String(err));
      }
    }
  }
  on_ping(data: Buffer) {
    this.write_message(`on_ping:${data}`);
  }
  on_pong(data: Buffer) {
    events.push(`pong:${data}`);
  }
}

class Subprotocol extends websocket.WebSocketHandler {
  select_subprotocol(subprotocols: string[]) {
    events.push(`offered:${subprotocols.join(",")}`);
    return subprotocols.includes("goodproto") ? "goodproto" : null;
  }
  open() {
    this.write_message(`subprotocol=${this.selected_subprotocol}`);
  }
}

class Compressed extends Echo {
  get_compression_options() {
    return {};
  }
}

class Failing extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    if (message === "throw") throw new Error("sync failure");
    if (message === "reject") return Promise.reject(new Error("async failure"));
    this.write_message(`ok:${message}`);
    return undefined;
  }
  on_close() {
    events.push(`failing closed:${this.close_code}`);
  }
}

class FailingOpen extends websocket.WebSocketHandler {
  open() {
    throw new Error("open failure");
  }
}

class Guarded extends websocket.WebSocketHandler {
  prepare() {
    if (this.get_cookie("user") === null) throw new web.HTTPError(401);
    this.set_header("X-Prepared", "yes");
  }
  set_default_headers() {
    this.set_header("X-Default", "yes");
  }
  get_current_user() {
    return this.get_cookie("user");
  }
  open() {
    this.write_message(`hello ${this.current_user} from ${this.request.remote_ip}`);
  }
}

class NoWriteAfterUpgrade extends websocket.WebSocketHandler {
  open() {
    try {
      this.write("http output");
    } catch (err) {
      this.write_message(String(err));
    }
  }
}

class AnyOrigin extends Echo {
  check_origin() {
    return true;
  }
}

class Page extends web.RequestHandler {
  get() {
    this.write("a page");
  }
}

const routes: web.Route[] = [
  ["/echo", Echo],
  ["/json", JsonSender],
  ["/path_args/(.*)", PathArgs],
  ["/named/(?P<name>\\w+)", NamedArgs],
  ["/tutorial", TutorialNames],
  ["/async", AsyncOrder],
  ["/close_in_open", CloseInOpen],
  ["/close_then_write", CloseThenWrite],
  ["/ping", Pinger],
  ["/subprotocol", Subprotocol],
  ["/compressed", Compressed],
  ["/failing", Failing],
  ["/failing_open", FailingOpen],
  ["/guarded", Guarded],
  ["/no_write", NoWriteAfterUpgrade],
  ["/any_origin", AnyOrigin],
  ["/page", Page],
];

async function start(
  settings: web.Settings = {},
): Promise<{ server: testing.TestServer; url: (path: string) => string }> {
  const server = await serve(routes, settings);
  return { server, url: (path: string) => `ws://127.0.0.1:${server.port}${path}` };
}

const clients: RecordingClient[] = [];
async function open(url: string, protocols?: string[], options?: WebSocket.ClientOptions): Promise<RecordingClient> {
  const client = await connect(url, protocols, options);
  clients.push(client);
  return client;
}
afterEach(() => {
  clients.splice(0).forEach((client) => client.socket.terminate());
});

describe("messages", () => {
  test("text, unicode and binary messages are echoed with their frame type", async () => {
    const { url } = await start();
    const client = await open(url("/echo"));
    client.socket.send("hello");
    client.socket.send("héllo ✓");
    client.socket.send(Buffer.from([104, 0xe9]), { binary: true });
    expect(await client.nth(3)).toEqual(Buffer.from([104, 0xe9]));
    expect(client.messages.map((m) => m.binary)).toEqual([false, false, true]);
    expect(client.messages[0].data).toBe("hello");
    expect(client.messages[1].data).toBe("héllo ✓");
  });

  test("a plain object is sent as Tornado-formatted JSON text", async () => {
    const { url } = await start();
    const client = await open(url("/json"));
    expect(await client.nth(1)).toBe('{"a": 1, "b": [1, 2], "c": "<\\/script>\\u00e9"}');
  });

  test("positional path captures reach open as arguments", async () => {
    const { url } = await start();
    const client = await open(url("/path_args/hello%20world"));
    expect(await client.nth(1)).toBe("hello world");
  });

  test("named path captures reach open as one object", async () => {
    const { url } = await start();
    expect(await (await open(url("/named/zed"))).nth(1)).toBe("name=zed");
  });

  test("a handler that defines on_open (the tutorial's name) has it called", async () => {
    const { url } = await start();
    expect(await (await open(url("/tutorial"))).nth(1)).toBe("on_open called");
  });

  test("async on_message handles messages one at a time, in order, after an async open", async () => {
    const { url } = await start();
    const client = await open(url("/async"));
    client.socket.send("slow");
    client.socket.send("fast");
    expect(await client.nth(2)).toBe("done:fast");
    expect(client.messages[0].data).toBe("done:slow");
    expect(events).toEqual(["opened", "start:slow", "end:slow", "start:fast", "end:fast"]);
  });
});

describe("flow control", () => {
  class Writer extends websocket.WebSocketHandler {
    static current: Writer | null = null;
    open() {
      Writer.current = this;
    }
  }

  test("write_message resolves at once while the socket keeps up, then waits for a client that stops reading", async () => {
    const server = await serve([["/writer", Writer]]);
    const client = await open(`ws://127.0.0.1:${server.port}/writer`);
    const handler = Writer.current!;
    expect(await settles(handler.write_message("small"))).toBe(true);
    const clientSocket = (client.socket as unknown as { _socket: import("node:net").Socket })._socket;
    clientSocket.pause();
    const { pending } = await floodUntilPending(handler);
    clientSocket.resume();
    await expect(pending).resolves.toBeUndefined();
  });

  test("a write waiting for a client that leaves rejects with WebSocketClosedError", async () => {
    const server = await serve([["/writer", Writer]]);
    const client = await open(`ws://127.0.0.1:${server.port}/writer`);
    const clientSocket = (client.socket as unknown as { _socket: import("node:net").Socket })._socket;
    clientSocket.pause();
    const { pending } = await floodUntilPending(Writer.current!);
    client.socket.terminate();
    await expect(pending).rejects.toBeInstanceOf(websocket.WebSocketClosedError);
  });
});

describe("memory", () => {
  /** A full garbage collection, from a test (`--expose-gc` switched on for a fresh context). */
  function collectGarbage(): void {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  }

  test("an open connection still reads its request's headers and cookies in on_message", async () => {
    class HeaderReader extends websocket.WebSocketHandler {
      on_message(name: string) {
        const headers = this.request.headers;
        this.write_message({
          value: headers.get(name) ?? null,
          has: headers.has(name),
          cookie: this.get_cookie("flavour"),
        });
      }
    }
    const server = await serve([["/headers", HeaderReader]]);
    const client = await open(`ws://127.0.0.1:${server.port}/headers`, undefined, {
      headers: { Cookie: "flavour=mint", "X-Custom": "a, b" },
    });
    client.socket.send("x-custom");
    expect(JSON.parse(String(await client.nth(1)))).toEqual({ value: "a, b", has: true, cookie: "mint" });
    client.socket.send("X-Missing");
    expect(JSON.parse(String(await client.nth(2)))).toEqual({ value: null, has: false, cookie: "mint" });
  });

  test("an open WebSocket does not keep Node's handshake request alive", async () => {
    const { server, url } = await start();
    let handshake!: WeakRef<object>;
    server.http_server.server.once("upgrade", (req: object) => (handshake = new WeakRef(req)));
    const client = await open(url("/echo"));
    client.socket.send("still open");
    expect(await client.nth(1)).toBe("still open");
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(handshake.deref()).toBeUndefined();
    client.socket.send("and answering");
    expect(await client.nth(2)).toBe("and answering");
  });
  test("an idle handler holds no own field for what it never wrote (defaults come from the prototype)", async () => {
    class OwnFields extends websocket.WebSocketHandler {
      on_message() {
        this.write_message({ own: Object.keys(this), code: this.close_code, xsrf: this._xsrf_token });
      }
    }
    const server = await serve([["/own", OwnFields]]);
    const client = await open(`ws://127.0.0.1:${server.port}/own`);
    client.socket.send("x");
    const { own, code, xsrf } = JSON.parse(String(await client.nth(1))) as { own: string[]; code: null; xsrf: null };
    const neverWritten = ["close_code", "close_reason", "selected_subprotocol", "_new_cookie", "_xsrf_token"];
    for (const name of [...neverWritten, "_raw_xsrf", "_upgraded"]) expect(own).not.toContain(name);
    expect([code, xsrf]).toEqual([null, null]);
  });

  test("an open WebSocket's TCP socket carries one close and one data listener (ws's), and one tornado property", async () => {
    const { server, url } = await start();
    let stream!: NodeJS.EventEmitter;
    server.http_server.server.once("upgrade", (_req: object, socket: NodeJS.EventEmitter) => (stream = socket));
    const client = await open(url("/echo"));
    client.socket.send("open");
    expect(await client.nth(1)).toBe("open");
    // A third listener of an event would grow Node's listener array to 20 slots on every socket.
    expect(stream.listenerCount("close")).toBe(1);
    expect(stream.listenerCount("data")).toBe(1);
    const ours = Object.getOwnPropertySymbols(stream).filter((s) => s.description?.startsWith("tornado."));
    expect(ours).toHaveLength(1);
  });
});

describe("closing", () => {
  test("close(code, reason) on the server reaches the client, and on_close sees the client's echo", async () => {
    const { url } = await start();
    const client = await open(url("/close_in_open"));
    expect(await client.closeInfo()).toEqual({ code: 1001, reason: "goodbye" });
    await waitFor(() => events.length === 1);
    expect(events).toEqual(["close:1001:goodbye"]);
  });

  test("the client's close code and reason reach on_close, called once", async () => {
    const { url } = await start();
    const client = await open(url("/echo"));
    client.socket.close(4000, "bye");
    await client.closeInfo();
    await waitFor(() => events.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(["close:4000:bye"]);
  });

  test("a client that drops the connection leaves close_code null", async () => {
    const { url } = await start();
    const client = await open(url("/echo"));
    client.socket.terminate();
    await waitFor(() => events.length > 0);
    expect(events).toEqual(["close:null:null"]);
  });

  test("close() without arguments sends a close frame without a status", async () => {
    const { url } = await start();
    const client = await open(url("/close_then_write"));
    client.socket.send("x");
    expect((await client.closeInfo()).code).toBe(1005);
  });

  test("write_message after close() throws WebSocketClosedError at once", async () => {
    const { url } = await start();
    const client = await open(url("/close_then_write"));
    client.socket.send("x");
    await client.closeInfo();
    expect(events).toEqual(["closed error"]);
  });

  test("IOLoop.current().stop() closes the WebSockets (1001, Going Away) of servers app.listen opened", async () => {
    const loop = ioloop.IOLoop.current();
    const server = await new web.Application([["/echo", Echo]]).listen(0, "127.0.0.1").ready();
    const running = loop.start();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    loop.stop();
    await running;
    expect((await client.closeInfo()).code).toBe(1001);
  });

  test("close_all_connections closes open WebSockets too", async () => {
    const { server, url } = await start();
    const client = await open(url("/echo"));
    await server.http_server.close_all_connections();
    expect((await client.closeInfo()).code).toBe(1006);
  });
});

describe("ping and pong", () => {
  test("ping(data) reaches the client; a client ping reaches on_ping; the client's pong reaches on_pong", async () => {
    const { url } = await start();
    const client = await open(url("/ping"));
    const pinged = new Promise<string>((resolve) =>
      client.socket.once("ping", (data: Buffer) => resolve(data.toString())),
    );
    client.socket.send("ping me");
    expect(await pinged).toBe("hello");
    client.socket.ping("from client");
    expect(await client.nth(1)).toBe("on_ping:from client");
    await waitFor(() => events.includes("pong:hello"));
  });

  test("ping data over 125 bytes is refused", async () => {
    const { url } = await start();
    const client = await open(url("/ping"));
    client.socket.send("big ping");
    expect(await client.nth(1)).toMatch(/125 bytes/);
  });

  test("websocket_ping_interval makes the server ping repeatedly", async () => {
    const { url } = await start({ websocket_ping_interval: 0.02 });
    const client = await open(url("/ping"));
    let pings = 0;
    client.socket.on("ping", () => pings++);
    await waitFor(() => pings >= 3 && events.filter((e) => e === "pong:").length >= 3);
  });

  test("a client that never answers pings is closed with 'ping timed out'", async () => {
    const { url } = await start({ websocket_ping_interval: 0.1, websocket_ping_timeout: 0.05 });
    const client = await open(url("/echo"), undefined, { autoPong: false });
    expect(await client.closeInfo()).toEqual({ code: 1000, reason: "ping timed out" });
  });
});

describe("handshake options", () => {
  test("select_subprotocol picks from the offered list and the choice is sent back", async () => {
    const { url } = await start();
    const client = await open(url("/subprotocol"), ["badproto", "goodproto"]);
    expect(client.socket.protocol).toBe("goodproto");
    expect(await client.nth(1)).toBe("subprotocol=goodproto");
    expect(events).toEqual(["offered:badproto,goodproto"]);
  });

  test("select_subprotocol is called with an empty list when nothing is offered", async () => {
    const { url } = await start();
    const client = await open(url("/subprotocol"));
    expect(await client.nth(1)).toBe("subprotocol=null");
    expect(events).toEqual(["offered:"]);
  });

  test("get_compression_options turns permessage-deflate on; the default leaves it off", async () => {
    const { url } = await start();
    const compressed = await open(url("/compressed"), undefined, { perMessageDeflate: true });
    expect(compressed.socket.extensions).toContain("permessage-deflate");
    compressed.socket.send("x".repeat(5000));
    expect(await compressed.nth(1)).toBe("x".repeat(5000));
    const plain = await open(url("/echo"), undefined, { perMessageDeflate: true });
    expect(plain.socket.extensions).toBe("");
  });

  test("headers from set_default_headers and prepare, and Server, are on the 101; cookies and current_user work before the upgrade", async () => {
    const { url } = await start();
    const socket = new WebSocket(url("/guarded"), { headers: { Cookie: "user=ayse" } });
    const upgradeHeaders = new Promise<Record<string, unknown>>((resolve) =>
      socket.once("upgrade", (res) => resolve(res.headers)),
    );
    const client = new RecordingClient(socket);
    clients.push(client);
    const headers = await upgradeHeaders;
    expect(headers["x-prepared"]).toBe("yes");
    expect(headers["x-default"]).toBe("yes");
    expect(headers["server"]).toMatch(/^TornadoServer\//);
    expect(await client.nth(1)).toBe("hello ayse from 127.0.0.1");
  });

  test("prepare() can refuse the upgrade with an HTTP status", async () => {
    const { url } = await start();
    await expect(connect(url("/guarded"))).rejects.toThrow("HTTP 401");
  });

  test("the upgrade is logged as 101 in the access log", async () => {
    const { url } = await start();
    await testing.ExpectLog.around(log.access_log, /^101 GET \/echo \(127\.0\.0\.1\) \d+\.\d{2}ms$/, () =>
      open(url("/echo")),
    );
  });

  test("after the upgrade, HTTP output methods throw", async () => {
    const { url } = await start();
    expect(await (await open(url("/no_write"))).nth(1)).toBe("Error: Method not supported for Web Sockets");
  });
});

describe("origin", () => {
  test.each([
    ["http://127.0.0.1:PORT", true],
    ["http://127.0.0.1:PORT/path", true],
    ["127.0.0.1:PORT", false],
    ["http://somewhereelse.com", false],
    ["http://subtenant.127.0.0.1:PORT", false],
  ])("Origin %s is accepted: %s (403 otherwise)", async (origin, accepted) => {
    const { server, url } = await start();
    const attempt = connect(url("/echo"), undefined, { origin: origin.replace("PORT", String(server.port)) });
    if (accepted) {
      clients.push(await attempt);
    } else {
      await expect(attempt).rejects.toThrow("HTTP 403");
    }
  });

  test("the 403 body says why", async () => {
    const { server } = await start();
    const raw = await handshake(server.port, "/echo", { Origin: "http://evil.example" });
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 403 Forbidden");
    expect(splitResponse(raw).body).toBe("Cross origin websockets not allowed");
  });

  test("a request without Origin (not a browser) is accepted", async () => {
    const { url } = await start();
    clients.push(await open(url("/echo")));
  });

  test("check_origin can be overridden to allow other origins", async () => {
    const { url } = await start();
    clients.push(await open(url("/any_origin"), undefined, { origin: "http://elsewhere.example" }));
  });
});

describe("limits and errors", () => {
  test("a message at websocket_max_message_size passes; one byte more closes with 1009", async () => {
    const { url } = await start({ websocket_max_message_size: 1024 });
    const client = await open(url("/echo"));
    client.socket.send("a".repeat(1024));
    expect(await client.nth(1)).toBe("a".repeat(1024));
    client.socket.send("a".repeat(1025));
    expect((await client.closeInfo()).code).toBe(1009);
  });

  test("a compressed message that inflates past the limit closes with 1009", async () => {
    const { url } = await start({ websocket_max_message_size: 1024 });
    const client = await open(url("/compressed"), undefined, { perMessageDeflate: true });
    client.socket.send("a".repeat(2048));
    expect((await client.closeInfo()).code).toBe(1009);
  });

  test.each(["throw", "reject"])(
    "an exception in on_message (%s) is logged and closes that connection with 1011; others carry on",
    async (kind) => {
      const { url } = await start();
      const bystander = await open(url("/failing"));
      const victim = await open(url("/failing"));
      const closeInfo = await testing.ExpectLog.around(
        log.app_log,
        /Uncaught exception in on_message GET \/failing/,
        async () => {
          victim.socket.send(kind);
          return victim.closeInfo();
        },
      );
      expect(closeInfo.code).toBe(1011);
      bystander.socket.send("still here");
      expect(await bystander.nth(1)).toBe("ok:still here");
    },
  );

  test("an exception in open is logged and closes with 1011", async () => {
    const { url } = await start();
    const closeInfo = await testing.ExpectLog.around(log.app_log, /Uncaught exception in open/, async () =>
      (await open(url("/failing_open"))).closeInfo(),
    );
    expect(closeInfo.code).toBe(1011);
  });

  test("a bad frame arriving with the handshake closes that connection without crashing the server or calling hooks", async () => {
    const { server } = await start();
    const handshakeWithBadFrame = Buffer.concat([
      Buffer.from(
        `GET /echo HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "latin1",
      ),
      Buffer.from([0xc1, 0x80, 0, 0, 0, 0]),
    ]);
    const raw = await testing.ExpectLog.around(
      log.gen_log,
      /WebSocket error from 127\.0\.0\.1: Invalid WebSocket frame/,
      () => exchangeUntilClose(server.port, handshakeWithBadFrame),
    );
    expect(raw).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    expect((await server.fetch("/page")).text).toBe("a page");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
  });

  test("invalid UTF-8 in a text frame closes with 1007", async () => {
    const { url } = await start();
    const client = await open(url("/echo"));
    client.socket.send(Buffer.from([0x68, 0xff, 0xfe]), { binary: false });
    expect((await client.closeInfo()).code).toBe(1007);
  });
});

describe("HTTP answers on a WebSocket route", () => {
  test('a plain GET gets 400 Can "Upgrade" only to "WebSocket".', async () => {
    const { server } = await start();
    const response = await server.fetch("/echo");
    expect(response.code).toBe(400);
    expect(response.text).toBe('Can "Upgrade" only to "WebSocket".');
    expect(response.headers.get("Content-Length")).toBe("34");
  });

  test("Connection without upgrade gets 400", async () => {
    const { server } = await start();
    const response = await server.fetch("/echo", { headers: { Upgrade: "websocket", Connection: "keep-alive" } });
    expect(response.code).toBe(400);
    expect(response.text).toBe('"Connection" must be "Upgrade".');
  });

  test("an unsupported Sec-WebSocket-Version gets 426 with the supported versions", async () => {
    const { server } = await start();
    const raw = await handshake(server.port, "/echo", { "Sec-WebSocket-Version": "12" });
    const { statusLine, headerLines } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 426 Upgrade Required");
    expect(headerLines).toContain("Sec-Websocket-Version: 7, 8, 13");
  });

  test("a missing Sec-WebSocket-Key gets 400", async () => {
    const { server } = await start();
    const raw = await handshake(server.port, "/echo", { "Sec-WebSocket-Key": null });
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(splitResponse(raw).body).toBe("Missing/Invalid WebSocket headers");
  });

  test("POST gets 405", async () => {
    const { server } = await start();
    expect((await server.fetch("/echo", { method: "POST", body: "" })).code).toBe(405);
  });

  test("a WebSocket client to an unknown path gets 404, to a plain page gets its 200", async () => {
    const { url } = await start();
    await expect(connect(url("/nowhere"))).rejects.toThrow("HTTP 404");
    await expect(connect(url("/page"))).rejects.toThrow("HTTP 200");
  });
});

/** Sends a raw WebSocket handshake (a header set to null is left out) and returns the raw answer. */
function handshake(port: number, path: string, overrides: Record<string, string | null>): Promise<string> {
  const headers: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...overrides,
  };
  const lines = Object.entries(headers)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}`);
  return exchangeUntilClose(port, `GET ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs}ms; events: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("with websocket_connect", () => {
  const connections: websocket.WebSocketClientConnection[] = [];
  afterEach(() => {
    connections.splice(0).forEach((connection) => connection.close());
  });
  async function connectTo(
    url: string,
    options?: websocket.WebSocketConnectOptions,
  ): Promise<websocket.WebSocketClientConnection> {
    const connection = await websocket.websocket_connect(url, options);
    connections.push(connection);
    return connection;
  }

  test("text, binary and JSON round-trip through read_message", async () => {
    const { url } = await start();
    const echo = await connectTo(url("/echo"));
    await echo.write_message("hello");
    await echo.write_message(Buffer.from([1, 2, 3]), true);
    await echo.write_message({ a: 1 });
    expect(await echo.read_message()).toBe("hello");
    expect(await echo.read_message()).toEqual(Buffer.from([1, 2, 3]));
    expect(await echo.read_message()).toBe('{"a": 1}');
  });

  test("the server's close code and reason reach the client; read_message gives null", async () => {
    const { url } = await start();
    const connection = await connectTo(url("/close_in_open"));
    expect(await connection.read_message()).toBeNull();
    expect(connection.close_code).toBe(1001);
    expect(connection.close_reason).toBe("goodbye");
  });

  test("the client's close code and reason reach on_close", async () => {
    const { url } = await start();
    const connection = await connectTo(url("/echo"));
    connection.close(4001, "done here");
    expect(await connection.read_message()).toBeNull();
    await waitFor(() => events.length > 0);
    expect(events).toEqual(["close:4001:done here"]);
  });

  test("subprotocols and compression are negotiated", async () => {
    const { url } = await start();
    const chosen = await connectTo(url("/subprotocol"), { subprotocols: ["badproto", "goodproto"] });
    expect(chosen.selected_subprotocol).toBe("goodproto");
    const compressed = await connectTo(url("/compressed"), { compression_options: {} });
    expect(compressed.headers.get("Sec-WebSocket-Extensions")).toContain("permessage-deflate");
    await compressed.write_message("z".repeat(4000));
    expect(await compressed.read_message()).toBe("z".repeat(4000));
  });

  test("an exception in on_message closes the connection with 1011", async () => {
    const { url } = await start();
    const connection = await connectTo(url("/failing"));
    await testing.ExpectLog.around(log.app_log, /Uncaught exception in on_message/, async () => {
      await connection.write_message("throw");
      expect(await connection.read_message()).toBeNull();
    });
    expect(connection.close_code).toBe(1011);
  });

  test("an oversize message closes with 1009", async () => {
    const { url } = await start({ websocket_max_message_size: 100 });
    const connection = await connectTo(url("/echo"));
    await connection.write_message("x".repeat(101));
    expect(await connection.read_message()).toBeNull();
    expect(connection.close_code).toBe(1009);
  });

  test("a missing route rejects with 404; a plain page with Non-websocket response", async () => {
    const { url } = await start();
    await expect(websocket.websocket_connect(url("/nowhere"))).rejects.toMatchObject({
      code: 404,
      message: "HTTP 404: Not Found",
    });
    await expect(websocket.websocket_connect(url("/page"))).rejects.toMatchObject({
      code: 200,
      message: "Non-websocket response",
    });
  });

  test("prepare() refusing the upgrade rejects with its status; with the cookie it connects", async () => {
    const { url } = await start();
    await expect(websocket.websocket_connect(url("/guarded"))).rejects.toMatchObject({ code: 401 });
    const connection = await connectTo(url("/guarded"), { headers: { Cookie: "user=deniz" } });
    expect(connection.headers.get("X-Prepared")).toBe("yes");
    expect(await connection.read_message()).toBe("hello deniz from 127.0.0.1");
  });
});
