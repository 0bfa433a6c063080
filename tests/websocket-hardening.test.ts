import http from "node:http";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { inspect } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { websocket, web, log, testing } from "../src";
import { hasToken, headerList, netloc } from "../src/websocket/handshake";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";
import { connect, RecordingClient, floodUntilPending, settles } from "./support/ws";
import { openSocket, readUntil, splitResponse } from "./support/wire";

// Jest (30) fails the running test on an unhandled rejection (checked: a test that leaves one
// fails), so every test here also proves none happened; in production one ends the process.

const clients: RecordingClient[] = [];
async function open(url: string, options?: WebSocket.ClientOptions): Promise<RecordingClient> {
  const client = await connect(url, undefined, options);
  clients.push(client);
  return client;
}
afterEach(() => {
  clients.splice(0).forEach((client) => client.socket.terminate());
});

function tcpOf(client: RecordingClient): Socket {
  return (client.socket as unknown as { _socket: Socket })._socket;
}

/** The server side's TCP socket of the next upgrade on `server`. */
function nextUpgradeSocket(server: testing.TestServer): Promise<Socket> {
  return new Promise((resolve) =>
    server.http_server.server.once("upgrade", (_req: unknown, socket: Socket) => resolve(socket)),
  );
}

/** A plain GET round trip to the server, with its own connection. */
function roundTrip(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: "/page", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      })
      .on("error", reject);
  });
}

/** Resolves once `handler.on_close` has run. */
function closedSignal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

class Page extends web.RequestHandler {
  get() {
    this.write("a page");
  }
}

describe("closing", () => {
  test("a close that completes in time leaves no timer holding the handler: it can be collected at once", async () => {
    const refs: Array<WeakRef<object>> = [];
    const closed = closedSignal();
    class Closer extends websocket.WebSocketHandler {
      open() {
        refs.push(new WeakRef(this));
        this.close(1000, "bye");
      }
      on_close() {
        closed.fire();
      }
    }
    const server = await serve([["/close", Closer]]);
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const timersBefore = timers();
    const client = await open(`ws://127.0.0.1:${server.port}/close`);
    expect(await client.closeInfo()).toEqual({ code: 1000, reason: "bye" });
    await closed.promise;
    await new Promise((resolve) => setImmediate(resolve));
    // Other timers (the per-second Date cache) may end meanwhile; none may be added by the close.
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
    // The old 5 s timer's closure kept the socket, and through it the handler, for 5 s.
    expect(refs[0].deref()).toBeUndefined();
  });
});

describe("flow control", () => {
  class Writer extends websocket.WebSocketHandler {
    static current: Writer | null = null;
    open() {
      Writer.current = this;
    }
  }

  const LISTENED = ["drain", "close", "end", "error", "finish"] as const;
  function listenerCounts(socket: Socket): number[] {
    return LISTENED.map((event) => socket.listenerCount(event));
  }

  async function fiftyWaitingWrites(): Promise<{
    client: RecordingClient;
    writes: Array<Promise<void>>;
    warnings: Error[];
    stop: () => void;
  }> {
    const server = await serve([["/writer", Writer]], { websocket_max_write_buffer_size: 1 << 30 });
    const serverSocket = nextUpgradeSocket(server);
    const client = await open(`ws://127.0.0.1:${server.port}/writer`);
    const tcp = await serverSocket;
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    tcpOf(client).pause();
    const { pending } = await floodUntilPending(Writer.current!);
    const before = listenerCounts(tcp);
    const message = Buffer.alloc(64 * 1024, 1);
    const writes = [pending];
    for (let i = 0; i < 50; i++) writes.push(Writer.current!.write_message(message, true));
    expect(listenerCounts(tcp)).toEqual(before);
    expect(await settles(Promise.race(writes))).toBe(false);
    return { client, writes, warnings, stop: () => process.off("warning", onWarning) };
  }

  test("fifty writes waiting for a client that does not read add no listener and no warning; all resolve once it reads", async () => {
    const { client, writes, warnings, stop } = await fiftyWaitingWrites();
    try {
      tcpOf(client).resume();
      await expect(Promise.all(writes)).resolves.toHaveLength(51);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      stop();
    }
  });

  test("fifty writes waiting for a client that leaves all reject with WebSocketClosedError", async () => {
    const { client, writes, warnings, stop } = await fiftyWaitingWrites();
    try {
      client.socket.terminate();
      const outcomes = await Promise.allSettled(writes);
      expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof websocket.WebSocketClosedError)).toBe(
        true,
      );
      expect(warnings).toEqual([]);
    } finally {
      stop();
    }
  });

  test("with compression, each awaited write resolves (the frame leaves ws's compression queue)", async () => {
    const done = closedSignal();
    class CompressedWriter extends websocket.WebSocketHandler {
      get_compression_options() {
        return {};
      }
      async open() {
        for (let i = 0; i < 20; i++) await this.write_message(`message ${i} `.repeat(100));
        this.write_message("done");
        done.fire();
      }
    }
    const server = await serve([["/compressed", CompressedWriter]]);
    const client = await open(`ws://127.0.0.1:${server.port}/compressed`, { perMessageDeflate: true });
    await done.promise;
    expect(await client.nth(21)).toBe("done");
  });
});

describe("reading pauses while a hook waits", () => {
  const COUNT = 10_000;
  /** Each message is 5 bytes: a masked client frame is 11, so one 64 KiB read carries at most this many. */
  const PER_READ = Math.ceil(65536 / 11);
  const text = (i: number) => String(i).padStart(5, "0");

  /** Sends COUNT messages and resolves once the client's kernel has them all. */
  function sendAll(client: RecordingClient): Promise<void> {
    return new Promise((resolve, reject) => {
      for (let i = 0; i < COUNT; i++) {
        client.socket.send(text(i), i === COUNT - 1 ? (err) => (err ? reject(err) : resolve()) : undefined);
      }
    });
  }

  test("messages sent while an async open() waits stay unread (the queue stays empty); on_message then sees all, in order", async () => {
    let release!: () => void;
    const all = closedSignal();
    const seen: string[] = [];
    let opening = false;
    let queuedDuringOpen = 0;
    class SlowOpen extends websocket.WebSocketHandler {
      async open() {
        opening = true;
        await new Promise<void>((resolve) => (release = resolve));
        opening = false;
      }
      _receive(message: string | Buffer) {
        if (opening) queuedDuringOpen++;
        super._receive(message);
      }
      on_message(message: string) {
        seen.push(message);
        if (seen.length === COUNT) all.fire();
      }
    }
    const server = await serve([
      ["/slow", SlowOpen],
      ["/page", Page],
    ]);
    const client = await open(`ws://127.0.0.1:${server.port}/slow`);
    await sendAll(client);
    // A round trip on another connection: the server's loop has polled its sockets since.
    expect(await roundTrip(server.port)).toBe(200);
    release();
    await all.promise;
    expect(queuedDuringOpen).toBe(0);
    expect(seen.every((message, i) => message === text(i))).toBe(true);
  });

  test("messages sent while an async on_message waits queue at most one read's worth; all are then handled in order", async () => {
    let release!: () => void;
    const all = closedSignal();
    const seen: string[] = [];
    let waiting = false;
    let queuedWhileWaiting = 0;
    class SlowMessage extends websocket.WebSocketHandler {
      _receive(message: string | Buffer) {
        if (waiting) queuedWhileWaiting++;
        super._receive(message);
      }
      on_message(message: string) {
        seen.push(message);
        if (seen.length === COUNT) all.fire();
        if (seen.length > 1) return undefined;
        waiting = true;
        return new Promise<void>((resolve) => (release = resolve)).then(() => void (waiting = false));
      }
    }
    const server = await serve([
      ["/slow", SlowMessage],
      ["/page", Page],
    ]);
    const client = await open(`ws://127.0.0.1:${server.port}/slow`);
    await sendAll(client);
    expect(await roundTrip(server.port)).toBe(200);
    release();
    await all.promise;
    expect(queuedWhileWaiting).toBeLessThanOrEqual(PER_READ);
    expect(seen.every((message, i) => message === text(i))).toBe(true);
  });
});

describe("websocket_max_write_buffer_size", () => {
  const LIMIT = 1 << 20;
  const CHUNK = Buffer.alloc(256 * 1024, 7);

  class Flooder extends websocket.WebSocketHandler {
    static closed: ReturnType<typeof closedSignal>;
    static writes = 0;
    static refused: unknown = null;
    open() {
      Flooder.writes = 0;
      Flooder.refused = null;
      // A client that never reads: the kernel's buffers fill, then ours, up to the limit.
      setImmediate(() => this.#flood());
    }
    #flood() {
      try {
        for (; Flooder.writes < 400; Flooder.writes++) void this.write_message(CHUNK, true);
      } catch (err) {
        Flooder.refused = err;
      }
    }
    on_close() {
      Flooder.closed.fire();
    }
  }

  async function flood(): Promise<{ client: RecordingClient; started: number }> {
    Flooder.closed = closedSignal();
    const server = await serve([["/flood", Flooder]], { websocket_max_write_buffer_size: LIMIT });
    let client!: RecordingClient;
    let started = 0;
    await testing.ExpectLog.around(
      log.gen_log,
      /^WebSocket output to 127\.0\.0\.1 passed websocket_max_write_buffer_size \(1048576 bytes\): closing$/,
      async () => {
        const socket = new WebSocket(`ws://127.0.0.1:${server.port}/flood`, { perMessageDeflate: false });
        client = new RecordingClient(socket);
        clients.push(client);
        await new Promise((resolve) => socket.once("open", resolve));
        tcpOf(client).pause();
        while (Flooder.refused === null && Flooder.writes < 400) await new Promise((resolve) => setImmediate(resolve));
        started = Date.now();
      },
    );
    expect(Flooder.refused).toBeInstanceOf(websocket.WebSocketClosedError);
    return { client, started };
  }

  test("past the limit the connection closes with 1008; a client that resumes reading gets its data, then the close", async () => {
    const { client } = await flood();
    tcpOf(client).resume();
    expect(await client.closeInfo()).toEqual({ code: 1008, reason: "write buffer full" });
    expect(client.messages.length).toBe(Flooder.writes);
  });

  test("a client that never reads again is dropped when the close timeout (5 s) passes", async () => {
    const { started } = await flood();
    await Flooder.closed.promise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
  });

  test("the default is 16 MiB, and null turns the limit off", async () => {
    const limits: Array<number | null> = [];
    class Reporter extends websocket.WebSocketHandler {
      open() {
        limits.push(this.max_write_buffer_size);
        this.close();
      }
    }
    const plain = await serve([["/r", Reporter]]);
    await (await open(`ws://127.0.0.1:${plain.port}/r`)).closeInfo();
    const unlimited = await serve([["/r", Reporter]], { websocket_max_write_buffer_size: null });
    await (await open(`ws://127.0.0.1:${unlimited.port}/r`)).closeInfo();
    expect(limits).toEqual([16 * 1024 * 1024, null]);
  });
});

describe("pings", () => {
  class Quiet extends websocket.WebSocketHandler {
    static closed = closedSignal();
    on_close() {
      Quiet.closed.fire();
    }
  }

  test("every ping of a flood sent at once is answered with its pong", async () => {
    const server = await serve([["/q", Quiet]]);
    const client = await open(`ws://127.0.0.1:${server.port}/q`);
    const count = 5000;
    let pongs = 0;
    const all = new Promise<void>((resolve) => {
      client.socket.on("pong", () => ++pongs === count && resolve());
      client.socket.once("close", () => resolve());
    });
    for (let i = 0; i < count; i++) client.socket.ping(String(i));
    await all;
    expect(pongs).toBe(count);
  });

  test("pongs to a client that does not read count against websocket_max_write_buffer_size: 1008 and a log line", async () => {
    Quiet.closed = closedSignal();
    const server = await serve([["/q", Quiet]], { websocket_max_write_buffer_size: 64 * 1024 });
    const client = await open(`ws://127.0.0.1:${server.port}/q`);
    tcpOf(client).pause();
    let closed = false;
    void Quiet.closed.promise.then(() => (closed = true));
    await testing.ExpectLog.around(log.gen_log, /passed websocket_max_write_buffer_size \(65536 bytes\)/, async () => {
      const data = Buffer.alloc(125, 0x61);
      // Loopback's kernel buffers take a few MiB before the server's own buffer grows: bounded at 64 MiB of pings.
      for (let sent = 0; !closed && sent < 500_000; sent++) {
        if (client.socket.readyState !== WebSocket.OPEN) break;
        client.socket.ping(data);
        if (sent % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      }
      await Quiet.closed.promise;
    });
    expect(closed).toBe(true);
  });
});

describe("the 101 response", () => {
  test("carries the cookies set before the upgrade, the XSRF cookie among them", async () => {
    let token = "";
    class Cookies extends websocket.WebSocketHandler {
      prepare() {
        this.set_cookie("flavour", "mint");
        token = this.xsrf_token;
      }
    }
    const server = await serve([["/cookies", Cookies]], { xsrf_cookies: true });
    const socket = await openSocket(server.port);
    socket.write(
      "GET /cookies HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const raw = await readUntil(socket, (received) => received.includes("\r\n\r\n"));
    socket.destroy();
    const { statusLine, headerLines } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 101 Switching Protocols");
    expect(headerLines).toContain("Set-Cookie: flavour=mint; Path=/");
    expect(headerLines).toContain(`Set-Cookie: _xsrf=${token}; Path=/`);
  });
});

describe("handshake headers parse in linear time", () => {
  const repeat = (unit: string) => (size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

  test("netloc of an Origin: scheme characters without a colon, and a long authority", () => {
    expectLinear(repeat("a"), netloc);
    expectLinear((size) => "a://" + "b".repeat(size), netloc);
    expectLinear((size) => "a".repeat(size) + ":/", netloc);
    expect(netloc("https://Example.com:8080/path?q#f")).toBe("Example.com:8080");
    expect(netloc("null")).toBe("");
    expect(netloc("1http://x")).toBe("");
  });

  test("Sec-WebSocket-Protocol and Connection lists: spaces, commas, and both", () => {
    for (const build of [
      repeat(" "),
      repeat(","),
      repeat(" ,"),
      repeat("a , "),
      (size: number) => " ".repeat(size) + "a",
    ]) {
      expectLinear(build, headerList);
      expectLinear(build, (value) => hasToken(value, "upgrade"));
    }
    expect(headerList(" a ,b,, c\t")).toEqual(["a", "b", "c"]);
    expect(hasToken("keep-alive, Upgrade", "upgrade")).toBe(true);
    expect(hasToken("keep-alive, upgrades", "upgrade")).toBe(false);
  });

  test("ws's own parsers of Sec-WebSocket-Extensions and Sec-WebSocket-Protocol", () => {
    // Not in ws's exports map: loaded by path.
    const wsLib = (name: string) =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(join(dirname(require.resolve("ws")), "lib", name)) as { parse: (header: string) => unknown };
    const extension = wsLib("extension.js");
    const subprotocol = wsLib("subprotocol.js");
    const attempt = (parse: (header: string) => unknown) => (header: string) => {
      try {
        return parse(header);
      } catch {
        return null;
      }
    };
    for (const build of [
      repeat(" "),
      repeat("a;"),
      repeat("a=1;"),
      repeat('a="b'),
      (size: number) => "permessage-deflate" + "; a".repeat(size / 3),
      repeat("a, "),
    ]) {
      expectLinear(build, attempt(extension.parse));
    }
    for (const build of [repeat(" "), repeat("a,"), (size: number) => "a" + " ".repeat(size)]) {
      expectLinear(build, attempt(subprotocol.parse));
    }
  });

  test("a handshake with every list header near 60 KiB is answered, and the server keeps serving", async () => {
    class Chooser extends websocket.WebSocketHandler {
      select_subprotocol(offered: string[]) {
        return offered.includes("chat") ? "chat" : null;
      }
      check_origin(origin: string) {
        return netloc(origin).startsWith("b");
      }
      get_compression_options() {
        return {};
      }
    }
    const server = await serve(
      [
        ["/ws", Chooser],
        ["/page", Page],
      ],
      {},
      { max_header_size: 256 * 1024 },
    );
    const pad = (unit: string) => unit.repeat(Math.floor(60_000 / unit.length));
    const socket = await openSocket(server.port);
    socket.write(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
        `Connection: ${pad(" ,")}Upgrade\r\nOrigin: a://${pad("b")}\r\nSec-WebSocket-Protocol: chat,${pad(" ")}x\r\n` +
        `Sec-WebSocket-Extensions: ${pad("x, ")}permessage-deflate\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const raw = await readUntil(socket, (received) => received.includes("\r\n\r\n"));
    socket.destroy();
    const { statusLine, headerLines } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 101 Switching Protocols");
    expect(headerLines).toContain("Sec-WebSocket-Protocol: chat");
    expect(headerLines).toContain("Sec-WebSocket-Extensions: permessage-deflate");
    expect(await roundTrip(server.port)).toBe(200);
  });
});

describe("failures in hooks never become unhandled rejections", () => {
  test("an async on_message that rejects closes with 1011 and logs; the server carries on", async () => {
    class Rejecting extends websocket.WebSocketHandler {
      async on_message() {
        throw new Error("async failure");
      }
    }
    const server = await serve([
      ["/r", Rejecting],
      ["/page", Page],
    ]);
    const client = await open(`ws://127.0.0.1:${server.port}/r`);
    const info = await testing.ExpectLog.around(log.app_log, /^Uncaught exception in on_message GET \/r/, () => {
      client.socket.send("x");
      return client.closeInfo();
    });
    expect(info.code).toBe(1011);
    expect(await roundTrip(server.port)).toBe(200);
  });

  test("an async open that rejects closes with 1011 and logs", async () => {
    class RejectingOpen extends websocket.WebSocketHandler {
      async open() {
        await Promise.resolve();
        throw new Error("open failure");
      }
    }
    const server = await serve([["/r", RejectingOpen]]);
    const info = await testing.ExpectLog.around(log.app_log, /^Uncaught exception in open GET \/r/, async () =>
      (await open(`ws://127.0.0.1:${server.port}/r`)).closeInfo(),
    );
    expect(info.code).toBe(1011);
  });

  test("an async on_close, on_ping or on_pong that rejects is logged", async () => {
    const closed = closedSignal();
    class RejectingHooks extends websocket.WebSocketHandler {
      async on_ping() {
        throw new Error("ping failure");
      }
      async on_close() {
        closed.fire();
        throw new Error("close failure");
      }
    }
    const server = await serve([["/r", RejectingHooks]]);
    const client = await open(`ws://127.0.0.1:${server.port}/r`);
    await testing.ExpectLog.around(log.app_log, /^Uncaught exception in on_ping GET \/r/, async () => {
      client.socket.ping("hi");
      await new Promise((resolve) => client.socket.once("pong", resolve));
      await new Promise((resolve) => setImmediate(resolve));
    });
    await testing.ExpectLog.around(log.app_log, /^Uncaught exception in on_close GET \/r/, async () => {
      client.socket.close(1000);
      await closed.promise;
      await new Promise((resolve) => setImmediate(resolve));
    });
  });

  test("a write nobody awaits, to a client that leaves, rejects without an unhandled rejection", async () => {
    class Writer extends websocket.WebSocketHandler {
      static current: Writer;
      open() {
        Writer.current = this;
      }
    }
    const server = await serve([["/w", Writer]], { websocket_max_write_buffer_size: null });
    const client = await open(`ws://127.0.0.1:${server.port}/w`);
    tcpOf(client).pause();
    const big = Buffer.alloc(1 << 20);
    // Nothing is attached to these promises; inspect() tells whether one still waits.
    let pending = false;
    for (let i = 0; i < 64 && !pending; i++) {
      const sent = Writer.current.write_message(big, true);
      await new Promise((resolve) => setImmediate(resolve));
      pending = inspect(sent).includes("<pending>");
    }
    expect(pending).toBe(true);
    client.socket.terminate();
    await client.closed;
  });
});
