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
}

/** The peer of a connection, as Tornado's `(host, port)` tuple. */
export type PeerAddress = [host: string, port: number];

function onConnection(this: Server, socket: Socket): void {
  owners.get(this)?._handleConnection(socket);
}

const owners = new WeakMap<Server, TCPServer>();

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

  /** @throws Error when `ssl_options` lacks a certificate (`cert`, or `pfx`). */
  constructor(options: TCPServerOptions = {}) {
    this.ssl_options = options.ssl_options ?? null;
    this.max_buffer_size = options.max_buffer_size;
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

  /** Accepts connections on listening sockets made by `bind_sockets` (or any `net.Server`). Never throws. */
  add_sockets(sockets: Iterable<Server>): void {
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
    for (const server of this.#sockets.splice(0)) {
      server.off("connection", onConnection);
      owners.delete(server);
      if (server.listening) server.close();
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
