/**
 * tornado.tcpserver, tcpclient and netutil over loopback: handle_stream (sync and async, its
 * errors logged), TLS with the test certificate, bind/start, stop, connect timeouts.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { gen, ioloop, iostream, log, netutil, tcpclient, tcpserver, testing } from "../src";

const fixtures = join(__dirname, "fixtures");
const cert = readFileSync(join(fixtures, "test.crt"));
const key = readFileSync(join(fixtures, "test.key"));

async function echoLines(stream: iostream.IOStream): Promise<void> {
  for (;;) await stream.write(await stream.read_until("\n"));
}

/** Echoes lines back until the peer goes. */
class EchoServer extends tcpserver.TCPServer {
  handle_stream(stream: iostream.IOStream): Promise<void> {
    return echoLines(stream);
  }
}

async function listenOnLoopback(server: tcpserver.TCPServer): Promise<number> {
  const [socket] = await server.listen(0, "127.0.0.1");
  return (socket.address() as { port: number }).port;
}

const servers: tcpserver.TCPServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
});

test("handle_stream gets a stream and the peer's address; TCPClient talks to it", async () => {
  const seen: tcpserver.PeerAddress[] = [];
  class Recording extends tcpserver.TCPServer {
    handle_stream(stream: iostream.IOStream, address: tcpserver.PeerAddress): Promise<void> {
      seen.push(address);
      return echoLines(stream);
    }
  }
  const server = new Recording();
  servers.push(server);
  const port = await listenOnLoopback(server);
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
  await stream.write("hello\nworld\n");
  expect((await stream.read_until("\n")).toString()).toBe("hello\n");
  expect((await stream.read_until("\n")).toString()).toBe("world\n");
  expect(seen[0][0]).toBe("127.0.0.1");
  expect(seen[0][1]).toBe((stream.socket.address() as { port: number }).port);
  stream.close();
});

test("TLS: ssl_options serves SSLIOStreams; the client connects with the test certificate", async () => {
  const server = new EchoServer({ ssl_options: { key, cert } });
  servers.push(server);
  const port = await listenOnLoopback(server);
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port, { ssl_options: { ca: cert } });
  expect(stream).toBeInstanceOf(iostream.SSLIOStream);
  await (stream as iostream.SSLIOStream).wait_for_handshake();
  await stream.write("secret\n");
  expect((await stream.read_until("\n")).toString()).toBe("secret\n");
  stream.close();
});

test("TLS: a client that does not trust the certificate is refused", async () => {
  const server = new EchoServer({ ssl_options: { key, cert } });
  servers.push(server);
  const port = await listenOnLoopback(server);
  await expect(new tcpclient.TCPClient().connect("127.0.0.1", port, { ssl_options: {} })).rejects.toThrow(
    /self[- ]signed/,
  );
});

test("ssl_options without a certificate is refused at construction", () => {
  expect(() => new tcpserver.TCPServer({ ssl_options: { key } })).toThrow(/cert/);
});

test("an async handle_stream that rejects is logged as Tornado logs it", async () => {
  class Failing extends tcpserver.TCPServer {
    async handle_stream(stream: iostream.IOStream): Promise<void> {
      await stream.read_until("\n");
      throw new Error("handler broke");
    }
  }
  const server = new Failing();
  servers.push(server);
  const port = await listenOnLoopback(server);
  const watch = new testing.ExpectLog(log.app_log, /Error in connection callback/);
  const logged = new Promise<void>((resolve) => {
    const original = log.app_log.error.bind(log.app_log);
    jest.spyOn(log.app_log, "error").mockImplementation((...args: Parameters<typeof original>) => {
      original(...args);
      resolve();
    });
  });
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
  await stream.write("go\n");
  await logged;
  watch.finish();
  jest.restoreAllMocks();
  stream.close();
});

test("a handler whose peer goes away (StreamClosedError) is not logged", async () => {
  let failed: Promise<void> = Promise.resolve();
  class Waiting extends tcpserver.TCPServer {
    handle_stream(stream: iostream.IOStream): Promise<void> {
      failed = stream.read_until("\n").then(() => undefined);
      return failed;
    }
  }
  const server = new Waiting();
  servers.push(server);
  const port = await listenOnLoopback(server);
  const spy = jest.spyOn(log.app_log, "error");
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
  await stream.write("no newline");
  stream.close();
  await new Promise<void>((resolve) => setImmediate(resolve));
  await expect(failed).rejects.toBeInstanceOf(iostream.StreamClosedError);
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(spy).not.toHaveBeenCalled();
  jest.restoreAllMocks();
});

test("bind() then start(1) serves; a second start() is refused", async () => {
  const server = new EchoServer();
  servers.push(server);
  const [socket] = await server.bind(0, "127.0.0.1");
  await expect(server.start(1)).resolves.toBe(true);
  await expect(server.start(1)).rejects.toThrow(/called twice/);
  const port = (socket.address() as { port: number }).port;
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
  await stream.write("bound\n");
  expect((await stream.read_until("\n")).toString()).toBe("bound\n");
  stream.close();
});

test("add_sockets serves sockets from bind_sockets; stop() closes them", async () => {
  const server = new EchoServer();
  const sockets = await netutil.bind_sockets(0, "127.0.0.1");
  server.add_sockets(sockets);
  const port = (sockets[0].address() as { port: number }).port;
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
  await stream.write("a\n");
  expect((await stream.read_until("\n")).toString()).toBe("a\n");
  server.stop();
  expect(sockets[0].listening).toBe(false);
  await expect(new tcpclient.TCPClient().connect("127.0.0.1", port)).rejects.toThrow(/ECONNREFUSED/);
  stream.close();
});

describe("shutdown", () => {
  async function connectionRefused(port: number): Promise<string> {
    try {
      (await new tcpclient.TCPClient().connect("127.0.0.1", port)).close();
      return "connected";
    } catch (err) {
      return String((err as { code?: string }).code ?? err);
    }
  }

  test("IOLoop.stop() stops a TCPServer accepting and waits for the connections it has", async () => {
    const loop = ioloop.IOLoop.current();
    const server = new EchoServer();
    servers.push(server);
    const port = await listenOnLoopback(server);
    const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
    await stream.write("before\n");
    expect((await stream.read_until("\n")).toString()).toBe("before\n");
    let stopped = false;
    loop.stop();
    const done = loop._stopped().then(() => (stopped = true));
    expect(await connectionRefused(port)).toBe("ECONNREFUSED");
    await stream.write("after\n");
    expect((await stream.read_until("\n")).toString()).toBe("after\n");
    expect(stopped).toBe(false);
    stream.close();
    await done;
  });

  test("a connection still open after shutdown_grace_period is closed, with a log line", async () => {
    const server = new EchoServer({ shutdown_grace_period: 0.05 });
    servers.push(server);
    const port = await listenOnLoopback(server);
    const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
    await stream.write("held\n");
    await stream.read_until("\n");
    const watch = new testing.ExpectLog(log.app_log, /closing 1 connection\(s\) still open after 0.05 s/);
    await server.shutdown();
    watch.finish();
    await expect(stream.read_until_close()).resolves.toHaveLength(0);
    expect(stream.closed()).toBe(true);
  });
});

describe("TCPClient.connect", () => {
  let silent: Server;
  let accepted: Socket[];
  beforeEach(async () => {
    accepted = [];
    silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test("timeout (seconds) rejects with gen.TimeoutError when the handshake never comes", async () => {
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    const attempt = new tcpclient.TCPClient().connect("127.0.0.1", port, { ssl_options: { ca: cert }, timeout: 0.2 });
    await expect(attempt).rejects.toBeInstanceOf(gen.TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  test("source_port picks the local port", async () => {
    const { port } = silent.address() as { port: number };
    const [probe] = await netutil.bind_sockets(0, "127.0.0.1");
    const local = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port, {
      source_ip: "127.0.0.1",
      source_port: local,
    });
    expect((stream.socket.address() as { port: number }).port).toBe(local);
    stream.close();
  });

  test("a refused connection rejects with ECONNREFUSED", async () => {
    const { port } = silent.address() as { port: number };
    await new Promise((resolve) => silent.close(resolve));
    silent = createServer();
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    await expect(new tcpclient.TCPClient().connect("127.0.0.1", port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("netutil", () => {
  test("is_valid_ip tells addresses from names", () => {
    expect(netutil.is_valid_ip("127.0.0.1")).toBe(true);
    expect(netutil.is_valid_ip("::1")).toBe(true);
    expect(netutil.is_valid_ip("4.4.4.4")).toBe(true);
    expect(netutil.is_valid_ip("localhost")).toBe(false);
    expect(netutil.is_valid_ip("")).toBe(false);
    expect(netutil.is_valid_ip("127.0.0.1\x00")).toBe(false);
    expect(netutil.is_valid_ip("1.2.3.4.5")).toBe(false);
  });

  test("Resolver.resolve answers [family, [address, port]] for localhost", async () => {
    const answers = await new netutil.Resolver().resolve("localhost", 80, 4);
    expect(answers).toContainEqual([4, ["127.0.0.1", 80]]);
  });

  test("bind_sockets on a name binds every address it resolves to, on one port", async () => {
    const sockets = await netutil.bind_sockets(0, "localhost");
    const ports = new Set(sockets.map((s) => (s.address() as { port: number }).port));
    expect(ports.size).toBe(1);
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  test("bind_sockets on a port in use rejects with EADDRINUSE", async () => {
    const [taken] = await netutil.bind_sockets(0, "127.0.0.1");
    const port = (taken.address() as { port: number }).port;
    await expect(netutil.bind_sockets(port, "127.0.0.1")).rejects.toThrow(/EADDRINUSE/);
    await new Promise((resolve) => taken.close(resolve));
  });
});

test("bind_sockets with no address listens on IPv4 and IPv6 apart, so peers have plain IPv4 addresses", async () => {
  const sockets = await netutil.bind_sockets(0);
  const hosts = sockets.map((s) => (s.address() as { address: string }).address);
  expect(hosts[0]).toBe("0.0.0.0");
  if (hosts.length > 1) expect(hosts[1]).toBe("::");
  const seen: string[] = [];
  class Recording extends tcpserver.TCPServer {
    handle_stream(stream: iostream.IOStream, address: tcpserver.PeerAddress): Promise<void> {
      seen.push(address[0]);
      return echoLines(stream);
    }
  }
  const recording = new Recording();
  servers.push(recording);
  recording.add_sockets(sockets);
  const port = (sockets[0].address() as { port: number }).port;
  const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
  await stream.write("x\n");
  await stream.read_until("\n");
  expect(seen).toEqual(["127.0.0.1"]);
  stream.close();
});
