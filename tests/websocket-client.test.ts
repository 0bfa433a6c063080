import { once } from "node:events";
import http from "node:http";
import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import type { ServerOptions } from "ws";
import { app_log, gen_log } from "../src/log";
import { ExpectLog } from "../src/testing";
import { WebSocketClientConnection, websocket_connect } from "../src/websocket/client";
import type { WebSocketClientMessage, WebSocketConnectOptions } from "../src/websocket/client";
import { WebSocketClosedError, WebSocketError, WebSocketHandshakeError } from "../src/websocket/errors";
import { HTTPClientError } from "../src/httpclient";

const cleanups: Array<() => Promise<unknown> | void> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface Peer {
  socket: WebSocket;
  request: IncomingMessage;
}

interface WsServer {
  url: string;
  /** The next connection the server accepts; ask before connecting. */
  nextPeer(): Promise<Peer>;
}

async function startWsServer(options: ServerOptions = {}): Promise<WsServer> {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", ...options });
  await once(server, "listening");
  cleanups.push(() => {
    for (const client of server.clients) client.terminate();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    nextPeer: () =>
      new Promise((resolve) => server.once("connection", (socket, request) => resolve({ socket, request }))),
  };
}

/** Connects a client to a fresh server and returns both ends. */
async function connectPair(
  clientOptions: WebSocketConnectOptions = {},
  serverOptions: ServerOptions = {},
): Promise<{ conn: WebSocketClientConnection; peer: Peer }> {
  const server = await startWsServer(serverOptions);
  const peerReady = server.nextPeer();
  const conn = await websocket_connect(server.url, clientOptions);
  cleanups.push(() => conn.close());
  return { conn, peer: await peerReady };
}

/** Starts a plain HTTP server; every socket it accepted is destroyed after the test. */
async function startHttpServer(handler: http.RequestListener): Promise<{ url: string; closedSockets: Promise<void> }> {
  const server = http.createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  let socketClosed!: () => void;
  const closedSockets = new Promise<void>((resolve) => (socketClosed = resolve));
  server.on("connection", (socket) => socket.on("close", socketClosed));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`, closedSockets };
}

function nextMessage(socket: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => socket.once("message", (data: Buffer, isBinary) => resolve({ data, isBinary })));
}

function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Resolves after `ms` milliseconds: used only to bound a wait for something that must not happen. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("messages", () => {
  test("a text message round-trips as a string", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.on("message", (data, isBinary) => peer.socket.send(data, { binary: isBinary }));
    await conn.write_message("héllo");
    expect(await conn.read_message()).toBe("héllo");
  });

  test("a binary message round-trips as a Buffer", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.on("message", (data, isBinary) => peer.socket.send(data, { binary: isBinary }));
    await conn.write_message(Buffer.from("hello \xe9", "latin1"), true);
    const echoed = await conn.read_message();
    expect(Buffer.isBuffer(echoed)).toBe(true);
    expect(echoed).toEqual(Buffer.from([0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0xe9]));
  });

  test("the frame type follows the binary flag, not the message's type", async () => {
    const { conn, peer } = await connectPair();
    const first = nextMessage(peer.socket);
    conn.write_message("text sent as binary", true);
    expect(await first).toEqual({ data: Buffer.from("text sent as binary"), isBinary: true });
    const second = nextMessage(peer.socket);
    conn.write_message(Buffer.from("bytes sent as text"));
    expect(await second).toEqual({ data: Buffer.from("bytes sent as text"), isBinary: false });
  });

  test("a plain object is sent as Python-style JSON text", async () => {
    const { conn, peer } = await connectPair();
    const received = nextMessage(peer.socket);
    await conn.write_message({ a: 1, b: [true, null] });
    const { data, isBinary } = await received;
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe('{"a": 1, "b": [true, null]}');
  });

  test("an array is refused with a TypeError", async () => {
    const { conn } = await connectPair();
    expect(() => conn.write_message([1, 2] as unknown as Record<string, unknown>)).toThrow(TypeError);
  });

  test("messages that arrive before anyone reads are kept in order", async () => {
    class PingAware extends WebSocketClientConnection {
      pinged = new Promise<void>((resolve) => (this.on_ping = () => resolve()));
    }
    const server = await startWsServer();
    server.nextPeer().then(({ socket }) => {
      for (const text of ["one", "two", "three"]) socket.send(text);
      socket.ping();
    });
    const conn = await new PingAware(server.url).connect_future;
    cleanups.push(() => conn.close());
    await conn.pinged; // frames are handled in order, so all three messages are in by now
    expect([await conn.read_message(), await conn.read_message(), await conn.read_message()]).toEqual([
      "one",
      "two",
      "three",
    ]);
  });

  test("several pending reads are served in the order they were made", async () => {
    const { conn, peer } = await connectPair();
    const reads = [conn.read_message(), conn.read_message(), conn.read_message()];
    for (const text of ["one", "two", "three"]) peer.socket.send(text);
    expect(await Promise.all(reads)).toEqual(["one", "two", "three"]);
  });

  test("read_message gives null once the connection is closed, and on every later call", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.send("last");
    peer.socket.close();
    expect(await conn.read_message()).toBe("last");
    expect(await conn.read_message()).toBeNull();
    expect(await conn.read_message()).toBeNull();
  });

  test("every pending read gets null when the connection closes", async () => {
    const { conn, peer } = await connectPair();
    const reads = [conn.read_message(), conn.read_message()];
    peer.socket.close();
    expect(await Promise.all(reads)).toEqual([null, null]);
  });

  test("on_message_callback receives each message, then null once closed", async () => {
    const received: WebSocketClientMessage[] = [];
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const on_message_callback = (message: WebSocketClientMessage): void => {
      received.push(message);
      if (message === null) ended();
    };
    const { peer } = await connectPair({ on_message_callback });
    peer.socket.send("a");
    peer.socket.send(Buffer.from("b"));
    peer.socket.close();
    await done;
    expect(received).toEqual(["a", Buffer.from("b"), null]);
  });

  test("an overridden on_message replaces the default delivery", async () => {
    class Collector extends WebSocketClientConnection {
      got = new Promise<string | Buffer>((resolve) => (this.on_message = resolve));
    }
    const server = await startWsServer();
    server.nextPeer().then(({ socket }) => socket.send("hi"));
    const conn = await new Collector(server.url).connect_future;
    cleanups.push(() => conn.close());
    expect(await conn.got).toBe("hi");
  });

  test("an error thrown by on_message_callback is logged and drops the connection", async () => {
    const on_message_callback = (message: WebSocketClientMessage): void => {
      if (message !== null) throw new Error("boom");
    };
    const { peer } = await connectPair({ on_message_callback });
    const closed = closeOf(peer.socket);
    await ExpectLog.around(app_log, /Uncaught exception/, async () => {
      peer.socket.send("hello");
      expect((await closed).code).toBe(1006);
    });
  });

  test("a message larger than max_message_size closes the connection with 1009", async () => {
    const { conn, peer } = await connectPair({ max_message_size: 1024 });
    peer.socket.send("x".repeat(1024));
    expect(await conn.read_message()).toBe("x".repeat(1024));
    const closed = closeOf(peer.socket);
    peer.socket.send("x".repeat(1025));
    expect((await closed).code).toBe(1009);
    expect(await conn.read_message()).toBeNull();
  });

  test("max_message_size applies to the decompressed size", async () => {
    const { conn, peer } = await connectPair(
      { max_message_size: 1024, compression_options: {} },
      { perMessageDeflate: { threshold: 0 } },
    );
    const closed = closeOf(peer.socket);
    peer.socket.send("x".repeat(2048));
    expect((await closed).code).toBe(1009);
    expect(await conn.read_message()).toBeNull();
  });
});

describe("writing after close", () => {
  test("write_message throws WebSocketClosedError synchronously right after close()", async () => {
    const { conn } = await connectPair();
    conn.close();
    expect(() => conn.write_message("late")).toThrow(WebSocketClosedError);
  });

  test("write_message throws WebSocketClosedError once the server has closed", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.close();
    expect(await conn.read_message()).toBeNull();
    expect(() => conn.write_message("late")).toThrow(WebSocketClosedError);
  });

  test("write_message's promise resolves once the frame is sent", async () => {
    const { conn, peer } = await connectPair();
    const received = nextMessage(peer.socket);
    await expect(conn.write_message("sent")).resolves.toBeUndefined();
    expect((await received).data.toString()).toBe("sent");
  });
});

describe("closing", () => {
  test("close(code, reason) reaches the server, and the echoed code becomes close_code", async () => {
    const { conn, peer } = await connectPair();
    const closed = closeOf(peer.socket);
    conn.close(4000, "bye");
    expect(await closed).toEqual({ code: 4000, reason: "bye" });
    expect(await conn.read_message()).toBeNull();
    expect(conn.close_code).toBe(4000);
  });

  test("a reason without a code is sent with 1000", async () => {
    const { conn, peer } = await connectPair();
    const closed = closeOf(peer.socket);
    conn.close(undefined, "done");
    expect(await closed).toEqual({ code: 1000, reason: "done" });
  });

  test("close() with no arguments sends an empty close frame", async () => {
    const { conn, peer } = await connectPair();
    const closed = closeOf(peer.socket);
    conn.close();
    expect(await closed).toEqual({ code: 1005, reason: "" });
  });

  test("a second close() does nothing", async () => {
    const { conn, peer } = await connectPair();
    const closed = closeOf(peer.socket);
    conn.close(4000, "first");
    conn.close(4001, "second");
    expect(await closed).toEqual({ code: 4000, reason: "first" });
  });

  test("the server's close code and reason become close_code and close_reason", async () => {
    const { conn, peer } = await connectPair();
    expect(conn.close_code).toBeNull();
    peer.socket.close(1001, "goodbye");
    expect(await conn.read_message()).toBeNull();
    expect(conn.close_code).toBe(1001);
    expect(conn.close_reason).toBe("goodbye");
  });

  test("a close frame without a status leaves close_code and close_reason null", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.close();
    expect(await conn.read_message()).toBeNull();
    expect(conn.close_code).toBeNull();
    expect(conn.close_reason).toBeNull();
  });

  test("a close code without a reason leaves close_reason null", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.close(4002);
    expect(await conn.read_message()).toBeNull();
    expect(conn.close_code).toBe(4002);
    expect(conn.close_reason).toBeNull();
  });

  test("a dropped connection leaves close_code null", async () => {
    const { conn, peer } = await connectPair();
    peer.socket.terminate();
    expect(await conn.read_message()).toBeNull();
    expect(conn.close_code).toBeNull();
  });
});

describe("ping and pong", () => {
  test("ping(data) reaches the server, and its pong reaches on_pong", async () => {
    const { conn, peer } = await connectPair();
    const pong = new Promise<Buffer>((resolve) => (conn.on_pong = resolve));
    const serverPing = once(peer.socket, "ping");
    conn.ping("hello");
    expect(((await serverPing)[0] as Buffer).toString()).toBe("hello");
    expect((await pong).toString()).toBe("hello");
  });

  test("a ping from the server reaches on_ping and is answered", async () => {
    const { conn, peer } = await connectPair();
    const ping = new Promise<Buffer>((resolve) => (conn.on_ping = resolve));
    const serverPong = once(peer.socket, "pong");
    peer.socket.ping("srv");
    expect((await ping).toString()).toBe("srv");
    expect(((await serverPong)[0] as Buffer).toString()).toBe("srv");
  });

  test("ping data over 125 bytes is refused", async () => {
    const { conn } = await connectPair();
    expect(() => conn.ping("x".repeat(126))).toThrow(RangeError);
    expect(() => conn.ping("x".repeat(125))).not.toThrow();
  });

  test("ping after close throws WebSocketClosedError", async () => {
    const { conn } = await connectPair();
    conn.close();
    expect(() => conn.ping()).toThrow(WebSocketClosedError);
  });

  test("ping_interval makes the client ping periodically", async () => {
    const { peer } = await connectPair({ ping_interval: 0.02 });
    let pings = 0;
    await new Promise<void>((resolve) =>
      peer.socket.on("ping", () => {
        if (++pings === 3) resolve();
      }),
    );
    expect(pings).toBe(3);
  });

  test("no pong within ping_timeout closes the connection with 'ping timed out'", async () => {
    const { conn, peer } = await connectPair({ ping_interval: 0.05, ping_timeout: 0.05 }, { autoPong: false });
    expect(await closeOf(peer.socket)).toEqual({ code: 1000, reason: "ping timed out" });
    expect(await conn.read_message()).toBeNull();
  });

  test("ping_timeout is capped at ping_interval, with a warning", async () => {
    await ExpectLog.around(gen_log, /ping_timeout \(60\) cannot be longer than ping_interval \(0.05\)/, async () => {
      const { peer } = await connectPair({ ping_interval: 0.05, ping_timeout: 60 }, { autoPong: false });
      expect(await closeOf(peer.socket)).toEqual({ code: 1000, reason: "ping timed out" });
    });
  });

  test("ping_timeout defaults to ping_interval", async () => {
    const { peer } = await connectPair({ ping_interval: 0.05 }, { autoPong: false });
    expect(await closeOf(peer.socket)).toEqual({ code: 1000, reason: "ping timed out" });
  });

  test("ping_timeout 0 keeps pinging without ever timing out", async () => {
    const { conn, peer } = await connectPair({ ping_interval: 0.02, ping_timeout: 0 }, { autoPong: false });
    let pings = 0;
    peer.socket.on("ping", () => pings++);
    let closed = false;
    peer.socket.on("close", () => (closed = true));
    await delay(200); // bounded wait: the close must not happen
    expect(closed).toBe(false);
    expect(pings).toBeGreaterThanOrEqual(2);
    await conn.write_message("still open");
  });
});

describe("handshake", () => {
  test("the server's chosen subprotocol becomes selected_subprotocol", async () => {
    const { conn, peer } = await connectPair(
      { subprotocols: ["badproto", "goodproto"] },
      { handleProtocols: (offered) => (offered.has("goodproto") ? "goodproto" : false) },
    );
    expect(peer.request.headers["sec-websocket-protocol"]).toBe("badproto,goodproto");
    expect(conn.selected_subprotocol).toBe("goodproto");
  });

  test("a server that picks none of the offered subprotocols is accepted with selected_subprotocol null", async () => {
    const { conn } = await connectPair({ subprotocols: ["badproto"] }, { handleProtocols: () => false });
    expect(conn.selected_subprotocol).toBeNull();
  });

  test("no subprotocols offered sends no header and selects none", async () => {
    const { conn, peer } = await connectPair();
    expect(peer.request.headers["sec-websocket-protocol"]).toBeUndefined();
    expect(conn.selected_subprotocol).toBeNull();
  });

  test("compression is offered only when compression_options is given", async () => {
    const plain = await connectPair({}, { perMessageDeflate: true });
    expect(plain.peer.request.headers["sec-websocket-extensions"]).toBeUndefined();
    const compressed = await connectPair({ compression_options: {} }, { perMessageDeflate: true });
    expect(compressed.peer.request.headers["sec-websocket-extensions"]).toMatch(/^permessage-deflate/);
    expect(compressed.conn.headers.get("Sec-WebSocket-Extensions")).toMatch(/^permessage-deflate/);
  });

  test("compressed messages round-trip", async () => {
    const { conn, peer } = await connectPair(
      { compression_options: { compression_level: 9, mem_level: 9 } },
      { perMessageDeflate: { threshold: 0 } },
    );
    peer.socket.on("message", (data, isBinary) => peer.socket.send(data, { binary: isBinary }));
    await conn.write_message("squeeze me ".repeat(100));
    expect(await conn.read_message()).toBe("squeeze me ".repeat(100));
  });

  test("with compression on, even a short message is sent compressed", async () => {
    // ws skips small messages when context takeover is off, unless told otherwise
    const { conn, peer } = await connectPair(
      { compression_options: {} },
      { perMessageDeflate: { clientNoContextTakeover: true } },
    );
    const firstFrame = once(peer.request.socket, "data");
    conn.write_message("hi");
    const [chunk] = (await firstFrame) as [Buffer];
    expect(chunk[0] & 0x40).toBe(0x40); // RSV1: permessage-deflate compressed this frame
  });

  test("headers given to websocket_connect are sent with the handshake", async () => {
    const { peer } = await connectPair({ headers: { "X-Token": "abc" } });
    expect(peer.request.headers["x-token"]).toBe("abc");
  });

  test("headers holds the server's 101 response headers", async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await once(server, "listening");
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    server.on("headers", (headers) => headers.push("X-Extra: yes"));
    server.on("connection", (socket) => cleanups.push(() => socket.terminate()));
    const conn = await websocket_connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    cleanups.push(() => conn.close());
    expect(conn.headers.get("X-Extra")).toBe("yes");
    expect(conn.headers.get("Upgrade")).toBe("websocket");
  });
});

describe("failures", () => {
  test("a refused connection rejects with a WebSocketError naming the URL and the cause", async () => {
    const probe = net.createServer();
    await once(probe.listen(0, "127.0.0.1"), "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const url = `ws://127.0.0.1:${port}/`;
    const err = await rejectionOf(websocket_connect(url));
    expect(err).toBeInstanceOf(WebSocketError);
    expect(err.message).toBe(`WebSocket connection to ${url} failed: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test("a 404 answer rejects with an HTTPClientError (WebSocketHandshakeError) 404, 'HTTP 404: Not Found'", async () => {
    const { url } = await startHttpServer((_req, res) => {
      res.statusCode = 404;
      res.end("nothing here");
    });
    const err = await rejectionOf(websocket_connect(url));
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect(err).toBeInstanceOf(HTTPClientError);
    expect((err as HTTPClientError).code).toBe(404);
    expect((err as HTTPClientError).reason).toBe("Not Found");
    expect(err.message).toBe("HTTP 404: Not Found");
  });

  test("the rejection carries the response's own reason phrase", async () => {
    const { url } = await startHttpServer((_req, res) => {
      res.writeHead(403, "Go Away").end();
    });
    expect((await rejectionOf(websocket_connect(url))).message).toBe("HTTP 403: Go Away");
  });

  test("a 200 answer rejects with 'Non-websocket response'", async () => {
    const { url } = await startHttpServer((_req, res) => res.end("a page"));
    const err = await rejectionOf(websocket_connect(url));
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect((err as WebSocketHandshakeError).code).toBe(200);
    expect(err.message).toBe("Non-websocket response");
  });

  test("a rejected handshake leaves no socket open", async () => {
    const { url, closedSockets } = await startHttpServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    await rejectionOf(websocket_connect(url));
    await closedSockets;
  });

  test("connect_timeout rejects with a timeout error and drops the socket", async () => {
    const silent = net.createServer();
    const accepted = new Promise<net.Socket>((resolve) =>
      silent.on("connection", (socket) => resolve(socket.resume())),
    );
    await once(silent.listen(0, "127.0.0.1"), "listening");
    cleanups.push(async () => {
      (await accepted).destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const err = await rejectionOf(websocket_connect(url, { connect_timeout: 0.1 }));
    expect(err).toBeInstanceOf(WebSocketError);
    expect(err.message).toBe(`WebSocket connection to ${url} timed out after 0.1 seconds`);
    await once(await accepted, "close");
  });

  test("an invalid URL rejects with a SyntaxError", async () => {
    await expect(websocket_connect("not a url")).rejects.toThrow(SyntaxError);
  });
});
