/**
 * Graceful shutdown: `HTTPServer.shutdown()` in process, and SIGTERM on a program whose
 * IOLoop runs (a child process started with tsx).
 */
import type { Socket } from "node:net";
import { log, testing, web, websocket } from "../src";
import { connect } from "./support/ws";
import { openSocket, readUntil, splitResponse, waitForClose } from "./support/wire";
import "./support/quiet-logs";

/** A promise with its resolve function, for a handler the test lets go of. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const servers: testing.TestServer[] = [];

/** Starts the test app; each server is shut down (at once, if the test has not) after the test. */
async function serve(options: Parameters<typeof testing.start_server>[1] = {}): Promise<testing.TestServer> {
  const server = await testing.start_server(new web.Application(routes), options);
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.http_server.shutdown(0)));
});

let entered: ReturnType<typeof gate>;
let release: ReturnType<typeof gate>;
beforeEach(() => {
  entered = gate();
  release = gate();
});

class Fast extends web.RequestHandler {
  get() {
    this.write("fast");
  }
}

/** Holds its answer until the test releases it. */
class Slow extends web.RequestHandler {
  async get() {
    entered.open();
    await release.promise;
    this.write("slow answer");
  }
}

/** Sends its headers (keep-alive) and part of its body, then waits to be released. */
class Streaming extends web.RequestHandler {
  async get() {
    this.write("first ");
    await this.flush();
    entered.open();
    await release.promise;
    this.write("last");
  }
}

/** Never answers. */
class Stuck extends web.RequestHandler {
  async get() {
    entered.open();
    await new Promise(() => undefined);
  }
}

class Echo extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    this.write_message(message);
  }
}

const routes: web.Route[] = [
  ["/fast", Fast],
  ["/slow", Slow],
  ["/streaming", Streaming],
  ["/stuck", Stuck],
  ["/ws", Echo],
];

/** Sends a request on a kept-alive connection and reads its whole (Content-Length) answer. */
async function exchange(socket: Socket, path: string): Promise<string> {
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  return readUntil(socket, (received) => {
    const { headerLines, body } = splitResponse(received);
    const length = headerLines.find((line) => /^content-length:/i.test(line));
    return length !== undefined && body.length >= Number(length.split(":")[1]);
  });
}

/** Resolves with the error of a connection attempt to `port` (rejects if it connects). */
async function connectionError(port: number): Promise<string> {
  try {
    const socket = await openSocket(port);
    socket.destroy();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
  throw new Error("connected");
}

describe("HTTPServer.shutdown()", () => {
  test("closes idle keep-alive connections, answers the request in flight with Connection: close, closes WebSockets with 1001, refuses new connections", async () => {
    const server = await serve();
    const port = server.port;
    const idle = await openSocket(port);
    expect(await exchange(idle, "/fast")).toMatch(/fast$/);
    const busy = await openSocket(server.port);
    busy.write("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await entered.promise;
    const client = await connect(server.get_url("/ws").replace("http", "ws"));

    const done = server.http_server.shutdown(10);
    await waitForClose(idle);
    expect((await client.closeInfo()).code).toBe(1001);
    expect(await connectionError(port)).toBe("ECONNREFUSED");

    const answer = readUntil(busy, (received) => received.endsWith("slow answer"));
    release.open();
    const { statusLine, headerLines, body } = splitResponse(await answer);
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(headerLines).toContain("Connection: close");
    expect(body).toBe("slow answer");
    await waitForClose(busy);
    await done;
  });

  test("a response whose headers went out with keep-alive before the shutdown is completed, then its connection is closed", async () => {
    const server = await serve();
    const socket = await openSocket(server.port);
    socket.write("GET /streaming HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const head = readUntil(socket, (received) => received.includes("first "));
    await entered.promise;
    expect(splitResponse(await head).headerLines).not.toContain("Connection: close");
    const done = server.http_server.shutdown(10);
    const rest = readUntil(socket, (received) => received.endsWith("0\r\n\r\n"));
    release.open();
    expect(await rest).toContain("last");
    await waitForClose(socket);
    await done;
  });

  test("a WebSocket upgrade asked for during the shutdown gets 503", async () => {
    const server = await serve();
    const socket = await openSocket(server.port);
    socket.write("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await entered.promise;
    const upgrading = await openSocket(server.port);
    const done = server.http_server.shutdown(10);
    // The connection was accepted before the shutdown; its upgrade request comes after.
    upgrading.write(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    expect(splitResponse(await readUntil(upgrading, (received) => received.includes("\r\n\r\n"))).statusLine).toBe("HTTP/1.1 503 Service Unavailable");
    release.open();
    await waitForClose(upgrading);
    await done;
  });

  test("after the grace period, what is still open is closed and logged, and shutdown() resolves", async () => {
    const server = await serve();
    const socket = await openSocket(server.port);
    socket.write("GET /stuck HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await entered.promise;
    const started = Date.now();
    await testing.ExpectLog.around(log.gen_log, /Shutdown grace period \(0\.2 s\) is over: closing 1 request\(s\) in flight \[GET \/stuck\]/, async () => {
      await server.http_server.shutdown(0.2);
      await waitForClose(socket);
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  test("shutdown_grace_period is the default grace period; shutdown() twice returns the same promise", async () => {
    const server = await serve({ shutdown_grace_period: 0.1 });
    expect(server.http_server.shutdown_grace_period).toBe(0.1);
    const socket = await openSocket(server.port);
    socket.write("GET /stuck HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await entered.promise;
    const first = server.http_server.shutdown();
    expect(server.http_server.shutdown()).toBe(first);
    await testing.ExpectLog.around(log.gen_log, /Shutdown grace period \(0\.1 s\)/, () => first);
    await waitForClose(socket);
  });
});
