/**
 * Graceful shutdown: `HTTPServer.shutdown()` in process, and SIGTERM on a program whose
 * IOLoop runs (a child process started with tsx).
 */
import type { ChildProcess } from "node:child_process";
import { createConnection, type Socket } from "node:net";
import { ioloop, log, testing, web, websocket } from "../src";
import { ProgramOutput, startProgram, stopProgram } from "./support/process";
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

/** A WebSocket whose handshake waits (in prepare) until the test releases it. */
class SlowHandshake extends Echo {
  async prepare() {
    entered.open();
    await release.promise;
  }
}

const routes: web.Route[] = [
  ["/slow_ws", SlowHandshake],
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
    expect(splitResponse(await readUntil(upgrading, (received) => received.includes("\r\n\r\n"))).statusLine).toBe(
      "HTTP/1.1 503 Service Unavailable",
    );
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
    await testing.ExpectLog.around(
      log.gen_log,
      /Shutdown grace period \(0\.2 s\) is over: closing 1 request\(s\) in flight \[GET \/stuck\]/,
      async () => {
        await server.http_server.shutdown(0.2);
        await waitForClose(socket);
      },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  test("a WebSocket whose handshake was under way when the shutdown began is closed with 1001 once open", async () => {
    const server = await serve();
    const opening = connect(server.get_url("/slow_ws").replace("http", "ws"));
    await entered.promise;
    const done = server.http_server.shutdown(10);
    release.open();
    const client = await opening;
    expect((await client.closeInfo()).code).toBe(1001);
    await done;
  });

  test("a WebSocket client that never answers the 1001 close is cut at the end of the grace period (not ws's 5 s close timeout)", async () => {
    const server = await serve();
    const socket = await openSocket(server.port);
    socket.write(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await readUntil(socket, (received) => received.includes("\r\n\r\n"));
    // A close frame (0x88) with code 1001 (0x03e9), which this client leaves unanswered.
    const closeFrame = readUntil(socket, (received) => received.includes("\x88") && received.includes("\x03\xe9"));
    const started = Date.now();
    await testing.ExpectLog.around(
      log.gen_log,
      /closing 0 request\(s\) in flight \[\], 0 other connection\(s\), 1 upgraded/,
      async () => {
        const done = server.http_server.shutdown(0.3);
        await closeFrame;
        await done;
      },
    );
    await waitForClose(socket);
    expect(Date.now() - started).toBeLessThan(3000);
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

describe("IOLoop.stop()", () => {
  test("shuts down the servers that listen gracefully: the request in flight is answered with Connection: close", async () => {
    const loop = ioloop.IOLoop.current();
    const server = await new web.Application(routes).listen(0, "127.0.0.1").ready();
    const port = server.port!;
    const running = loop.start();
    const busy = await openSocket(port);
    busy.write("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await entered.promise;
    loop.stop();
    await running;
    expect(await connectionError(port)).toBe("ECONNREFUSED");
    const answer = readUntil(busy, (received) => received.endsWith("slow answer"));
    release.open();
    expect(splitResponse(await answer).headerLines).toContain("Connection: close");
    await waitForClose(busy);
    await loop._stopped();
  });

  test("SIGTERM and SIGINT listeners are installed while the loop runs, and only then", async () => {
    const loop = ioloop.IOLoop.current();
    const before = { term: process.listenerCount("SIGTERM"), int: process.listenerCount("SIGINT") };
    const running = loop.start();
    expect({ term: process.listenerCount("SIGTERM"), int: process.listenerCount("SIGINT") }).toEqual({
      term: before.term + 1,
      int: before.int + 1,
    });
    loop.stop();
    await running;
    expect({ term: process.listenerCount("SIGTERM"), int: process.listenerCount("SIGINT") }).toEqual(before);
  });
});

const APP = "tests/fixtures/shutdown-app.ts";

/** Starts the fixture program and resolves with it, its output, and its port, once it listens. */
async function startApp(env: NodeJS.ProcessEnv = {}): Promise<{
  child: ChildProcess;
  output: ProgramOutput;
  port: number;
  exited: Promise<{ code: number | null; signal: string | null }>;
}> {
  const child = startProgram(APP, [], env);
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const output = new ProgramOutput(child);
  await output.waitFor(/listening \d+\n/, 15000);
  const port = Number(/listening (\d+)/.exec(output.text)![1]);
  return { child, output, port, exited };
}

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stopProgram(child, 1000)));
});

/** What the clients of the stream saw, request by request (ids are `<connection>-<n>`). */
interface Tally {
  /** Answered in full: 200 and the 8 KiB body naming the request. */
  complete: Set<string>;
  /** Answered in full with `Connection: close`. */
  closing: number;
  /** Written, then the server closed the connection without a byte of answer. */
  unanswered: string[];
  /** The connection closed (or reset) part-way through an answer, or an answer was wrong. */
  broken: string[];
}

const BODY_SIZE = 8192;
const MAX_REQUESTS_PER_CONNECTION = 500;

/**
 * One kept-alive connection sending requests one after another, each as soon as the previous
 * answer is complete, until the server closes it (or it has sent its bounded number).
 */
function streamRequests(port: number, connection: number, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection(port, "127.0.0.1");
    let n = 0;
    let id = "";
    let received = Buffer.alloc(0);
    let closing = false;
    const send = () => {
      id = `${connection}-${n++}`;
      received = Buffer.alloc(0);
      socket.write(`GET /work?id=${id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    };
    socket.on("connect", send);
    socket.on("error", () => undefined); // a reset shows as the close that follows
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0 || received.length < end + 4 + BODY_SIZE) return;
      const { statusLine, headerLines, body } = splitResponse(text);
      if (statusLine !== "HTTP/1.1 200 OK" || body !== id.padEnd(BODY_SIZE, ".")) tally.broken.push(id);
      else tally.complete.add(id);
      id = "";
      closing = headerLines.includes("Connection: close");
      if (closing) tally.closing++;
      if (closing) return; // the server closes it: nothing more may be sent
      if (n < MAX_REQUESTS_PER_CONNECTION) send();
      else socket.end();
    });
    socket.on("close", () => {
      if (id !== "") (received.length === 0 ? tally.unanswered : tally.broken).push(id);
      resolve();
    });
  });
}

describe("SIGTERM on a program whose IOLoop runs", () => {
  test("a steady stream of requests over kept-alive connections: every request accepted is answered in full, new connections are refused, exit status 0", async () => {
    const { child, output, port, exited } = await startApp();
    const tally: Tally = { complete: new Set(), closing: 0, unanswered: [], broken: [] };
    // A request in flight at the signal by construction: its handler answers once the loop has stopped.
    const held = await openSocket(port);
    held.write("GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const heldAnswer = readUntil(held, (received) => received.endsWith("held answer"), 15000);
    await output.waitFor(/held started/, 10000);
    // Signalled as the 40th request reaches its handler: mid-stream, with requests in flight
    // (each handler takes 1-9 ms) and others on the wire.
    const onStdout = () => {
      // ProgramOutput's listener came first: the chunk is in output.text already.
      if ((output.text.match(/^handled /gm) ?? []).length < 40) return;
      child.stdout!.off("data", onStdout);
      child.kill("SIGTERM");
    };
    child.stdout!.on("data", onStdout);
    const streams = Promise.all([0, 1, 2, 3].map((connection) => streamRequests(port, connection, tally)));
    await output.waitFor(/SIGTERM received: shutting down/, 10000);
    expect(await connectionError(port)).toBe("ECONNREFUSED");
    await streams;
    const { code, signal } = await exited;

    // "Accepted": the request reached its handler (the program printed it). Each of those was
    // answered in full; a request never answered is one the server closed its connection before reading.
    const handled = [...output.text.matchAll(/^handled (\S+)$/gm)].map((m) => m[1]);
    if (process.env.SHUTDOWN_TALLY)
      console.log(
        JSON.stringify({
          handled: handled.length,
          complete: tally.complete.size,
          unanswered: tally.unanswered,
          closing: tally.closing,
        }),
      );
    expect(tally.broken).toEqual([]);
    expect(handled.filter((id) => !tally.complete.has(id))).toEqual([]);
    expect(tally.unanswered.filter((id) => handled.includes(id))).toEqual([]);
    expect(tally.complete.size).toBeGreaterThanOrEqual(40);
    expect(tally.complete.size).toBeLessThan(4 * MAX_REQUESTS_PER_CONNECTION); // the server ended the stream, not the bound
    expect(splitResponse(await heldAnswer).headerLines).toContain("Connection: close");
    await waitForClose(held);
    expect(output.text).toContain("loop stopped");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  test("a second SIGTERM during a long request ends the process at once with status 143", async () => {
    const { child, output, port, exited } = await startApp();
    const socket = await openSocket(port);
    socket.write("GET /long HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const cut = readUntil(socket, () => false, 15000).catch((err: Error) => err.message);
    await output.waitFor(/long started/, 10000);
    child.kill("SIGTERM");
    await output.waitFor(/SIGTERM received: shutting down/, 10000);
    const started = Date.now();
    child.kill("SIGTERM");
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 143, signal: null });
    expect(Date.now() - started).toBeLessThan(5000); // well inside the 10 s grace period
    expect(await cut).toBe('socket closed; got ""');
    expect(output.text).toMatch(/SIGTERM received again: closing every connection and exiting at once \(status 143\)/);
  });

  test("a request still running when the grace period is over is cut and logged, and the process exits with status 0", async () => {
    const { child, output, port, exited } = await startApp({ SHUTDOWN_GRACE_PERIOD: "0.5" });
    const socket = await openSocket(port);
    socket.write("GET /long HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const cut = readUntil(socket, () => false, 15000).catch((err: Error) => err.message);
    await output.waitFor(/long started/, 10000);
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await cut).toBe('socket closed; got ""');
    expect(output.text).toMatch(
      /Shutdown grace period \(0\.5 s\) is over: closing 1 request\(s\) in flight \[GET \/long\]/,
    );
    // The handler's own 60 s timer still held the process: it was ended, with status 0.
    expect(output.text).toMatch(/Still running 0\.5 s after SIGTERM .*: exiting/);
  });
});
