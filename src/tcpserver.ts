/**
 * Tornado's `tornado.tcpserver`: a `TCPServer` subclass overrides `handle_stream(stream,
 * address)`, which gets an `IOStream` (an `SSLIOStream` under `ssl_options`) for each
 * connection accepted. `handle_stream` may be async: what it rejects with is logged.
 *
 * ```ts
 * class EchoServer extends TCPServer {
 *   async handle_stream(stream: IOStream): Promise<void> {
 *     for (;;) await stream.write(await stream.read_until("\n"));
 *   }
 * }
 * new EchoServer().listen(8888);
 * ```
 */
import cluster from "node:cluster";
import type { Server, Socket } from "node:net";
import { createSecureContext, TLSSocket, type SecureContext, type TlsOptions } from "node:tls";
import { IOLoop, type Stoppable } from "./ioloop";
import { IOStream, SSLIOStream } from "./iostream";
import { StreamClosedError } from "./iostream-errors";
import { app_log, exc_info } from "./log";
import { bind_sockets, type BindOptions } from "./netutil";
import { fork_processes } from "./process";

/** Options of a `TCPServer`. */
export interface TCPServerOptions {
  /** Serve TLS with these `node:tls` options (`key`, `cert`, ...). */
  ssl_options?: TlsOptions | null;
  /** The `max_buffer_size` of each connection's stream (default 100 MiB). */
  max_buffer_size?: number;
  /** Seconds `shutdown()` leaves open connections to finish before closing them (default 10). */
  shutdown_grace_period?: number;
}

/** Default of `TCPServerOptions.shutdown_grace_period`, in seconds (as `HTTPServer`'s). */
const DEFAULT_SHUTDOWN_GRACE_PERIOD = 10;

/** The peer of a connection, as Tornado's `(host, port)` tuple. */
export type PeerAddress = [host: string, port: number];

function onConnection(this: Server, socket: Socket): void {
  owners.get(this)?._handleConnection(socket);
}

const owners = new WeakMap<Server, TCPServer>();

/** The server and stream of each accepted socket still open, so that a shutdown can wait for them. */
const connections = new WeakMap<Socket, { server: TCPServer; stream: IOStream }>();

function onConnectionClose(this: Socket): void {
  const entry = connections.get(this);
  connections.delete(this);
  entry?.server._forget(entry.stream);
}

/** A non-blocking TCP server; see the module comment. */
export class TCPServer {
  /** The `node:tls` options connections are served with; `null` for plain TCP. */
  readonly ssl_options: TlsOptions | null;
  /** Each connection stream's `max_buffer_size` (`undefined`: the stream's default, 100 MiB). */
  readonly max_buffer_size: number | undefined;
  #context: SecureContext | null;
  #sockets: Server[] = [];
  #pending: Array<Promise<Server[]>> = [];
  #started = false;
  /** Streams of the connections accepted and not yet closed. */
  #streams = new Set<IOStream>();
  /** Resolves the running `shutdown()` once `#streams` is empty. */
  #drained: (() => void) | null = null;
  #shutdown: Promise<void> | null = null;
  /** What `IOLoop.stop()` (and so SIGTERM/SIGINT) calls while sockets are served. */
  #registration: Stoppable;
  /** Seconds `shutdown()` waits by default before closing what is left (the `shutdown_grace_period` option). */
  readonly shutdown_grace_period: number;

  /** @throws Error when `ssl_options` lacks a certificate (`cert`, or `pfx`). */
  constructor(options: TCPServerOptions = {}) {
    this.ssl_options = options.ssl_options ?? null;
    this.max_buffer_size = options.max_buffer_size;
    this.shutdown_grace_period = options.shutdown_grace_period ?? DEFAULT_SHUTDOWN_GRACE_PERIOD;
    this.#registration = {
      stop: () => this.shutdown(),
      close_all_connections: () => this.close_all_connections(),
      shutdown_grace_period: this.shutdown_grace_period,
    };
    if (this.ssl_options !== null && !this.ssl_options.cert && !this.ssl_options.pfx) {
      throw new Error('missing key "cert" in ssl_options');
    }
    this.#context = this.ssl_options !== null ? createSecureContext(this.ssl_options) : null;
  }

  /**
   * Starts accepting connections on `port` (0: a free one) at `address` (all interfaces when
   * omitted). Resolves once listening, to the sockets opened.
   * @throws Error (rejects) when the port cannot be bound.
   */
  async listen(port: number, address: string | null = null, options: BindOptions = {}): Promise<Server[]> {
    const sockets = await bind_sockets(port, address, options);
    this.add_sockets(sockets);
    return sockets;
  }

  /**
   * Accepts connections on listening sockets made by `bind_sockets` (or any `net.Server`). The
   * server is registered with `IOLoop.current()`, whose `stop()` (or SIGTERM/SIGINT once it
   * runs) shuts it down gracefully (see `shutdown`). Never throws.
   */
  add_sockets(sockets: Iterable<Server>): void {
    IOLoop.current()._register_server(this.#registration);
    for (const server of sockets) {
      owners.set(server, this);
      server.on("connection", onConnection);
      this.#sockets.push(server);
    }
  }

  /** The same as `add_sockets([socket])`. Never throws. */
  add_socket(socket: Server): void {
    this.add_sockets([socket]);
  }

  /**
   * Opens listening sockets to be served by `start()` (Tornado's two-step start). Resolves once
   * they are bound.
   * @throws Error (rejects) when the port cannot be bound.
   */
  bind(port: number, address: string | null = null, options: BindOptions = {}): Promise<Server[]> {
    const bound = bind_sockets(port, address, options);
    this.#pending.push(bound);
    bound.catch(() => undefined);
    return bound;
  }

  /**
   * Starts serving the sockets opened by `bind()`. With `num_processes` 1 (the default) this
   * process serves them. With another number (0 or null: one per CPU) it forks workers on
   * `node:cluster` (`process.fork_processes`, restarting a dead one up to `max_restarts`
   * times): the primary closes its sockets and serves nothing (resolving to false), and each
   * worker, running the program again, binds the same addresses through cluster, which shares
   * one listening handle among them, and serves (resolving to true).
   * @throws Error (rejects) when called twice, or when a `bind()` failed.
   */
  async start(num_processes: number | null = 1, max_restarts?: number | null): Promise<boolean> {
    if (this.#started) throw new Error("TCPServer.start() called twice");
    this.#started = true;
    const pending = this.#pending;
    this.#pending = [];
    const sockets = (await Promise.all(pending)).flat();
    if (num_processes !== 1 && !cluster.isWorker) {
      // The workers bind again through cluster; the primary's sockets only checked the addresses.
      await Promise.all(sockets.map((server) => new Promise((resolve) => server.close(resolve))));
      fork_processes(num_processes, max_restarts);
      return false;
    }
    if (num_processes !== 1) fork_processes(num_processes, max_restarts);
    this.add_sockets(sockets);
    return true;
  }

  /**
   * Stops accepting new connections at once (the listening sockets close); connections already
   * accepted go on. Never throws.
   */
  stop(): void {
    IOLoop.current()._unregister_server(this.#registration);
    for (const server of this.#sockets.splice(0)) {
      server.off("connection", onConnection);
      owners.delete(server);
      if (server.listening) server.close();
    }
  }

  /**
   * Stops accepting (`stop()`) and waits for the connections already accepted to close. Once
   * `grace_period` seconds (default: the `shutdown_grace_period` option, 10) have passed, those
   * still open are closed, with a log line saying how many. Resolves once every connection is
   * closed; calling it again returns the same promise. `IOLoop.stop()` calls it for a server
   * that serves sockets. A tornado-ts addition: Tornado's `TCPServer` only has `stop()`.
   * Never rejects.
   */
  shutdown(grace_period: number = this.shutdown_grace_period): Promise<void> {
    return (this.#shutdown ??= this.#drain(grace_period));
  }

  async #drain(grace_period: number): Promise<void> {
    this.stop();
    if (this.#streams.size === 0) return;
    const drained = new Promise<void>((resolve) => (this.#drained = resolve));
    const cut = setTimeout(() => {
      app_log.warning(
        `TCPServer shutdown: closing ${this.#streams.size} connection(s) still open after ${grace_period} s`,
      );
      this.close_all_connections();
    }, grace_period * 1000);
    cut.unref(); // the open connections hold the process, not this timer
    await drained;
    clearTimeout(cut);
  }

  /** Closes every connection accepted and still open, at once. Never throws. */
  close_all_connections(): void {
    for (const stream of [...this.#streams]) stream.close();
  }

  /** Internal: a connection's socket closed; ends a shutdown waiting for the last one. */
  _forget(stream: IOStream): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0 && this.#drained !== null) {
      this.#drained();
      this.#drained = null;
    }
  }

  /**
   * Called with a stream for each new connection; override it. It may be async: a rejection
   * is logged (a `StreamClosedError`, the peer going away, is not).
   * @throws Error always, unless overridden.
   */
  handle_stream(stream: IOStream, address: PeerAddress): Promise<void> | void {
    void stream;
    void address;
    throw new Error("TCPServer.handle_stream must be overridden");
  }

  /** Internal: wraps an accepted socket in a stream and hands it to `handle_stream`. */
  _handleConnection(socket: Socket): void {
    const address: PeerAddress = [socket.remoteAddress ?? "", socket.remotePort ?? 0];
    const options = { max_buffer_size: this.max_buffer_size };
    let stream: IOStream;
    if (this.#context !== null) {
      const tlsSocket = new TLSSocket(socket, { ...this.ssl_options, isServer: true, secureContext: this.#context });
      stream = new SSLIOStream(tlsSocket, options);
    } else {
      stream = new IOStream(socket, options);
    }
    this.#streams.add(stream);
    connections.set(socket, { server: this, stream });
    socket.once("close", onConnectionClose);
    let result: Promise<void> | void;
    try {
      result = this.handle_stream(stream, address);
    } catch (err) {
      logHandlerError(err);
      return;
    }
    if (result !== undefined) Promise.resolve(result).catch(logHandlerError);
  }
}

function logHandlerError(err: unknown): void {
  if (err instanceof StreamClosedError) return;
  app_log.error("Error in connection callback", exc_info(err));
}
