/**
 * The response side of a request that asks to upgrade its connection (a WebSocket handshake):
 * answers written straight to the socket until a protocol handler takes the socket over.
 */
import type * as http from "node:http";
import type { Duplex } from "node:stream";
import type { HTTPHeaders } from "./httputil/headers";
import type { HTTPConnection, ResponseStartLine } from "./httputil/request";
import { type ConnectionStream, streamOf } from "./httputil/stream";

/** One settled promise for every write that needs no wait. */
export const RESOLVED = Promise.resolve();

const kUpgradeConnection = Symbol("tornado.upgradeConnection");

type UpgradingSocket = Duplex & { [kUpgradeConnection]?: UpgradeConnection };

function noop(): void {}

/** A no-op error listener: errors on a socket the server still owns end in its `close`. */
export function ignoreSocketError(): void {}

/** Resolves once `event` fires on the stream, or it closes (a write to a closed client is dropped, not an error). */
export function waitForEvent(stream: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off(event, done);
      stream.off("close", done);
      resolve();
    };
    stream.on(event, done);
    stream.on("close", done);
  });
}

/**
 * What takes an upgraded socket over (a `WebSocketHandler`), as the server and the socket's
 * events reach it through the `UpgradeConnection`.
 */
export interface UpgradeOwner {
  /** The server is shutting down (`HTTPServer.shutdown`): close gracefully (a WebSocket sends 1001). */
  _go_away(): void;
  /** The socket's output drained (its `drain` event). */
  _drained(): void;
}

/** `detach()` was called: the socket belongs to a protocol handler. */
const DETACHED = 1;
/** The response was finished (or the connection closed) before any detach. */
const FINISHED = 2;
/** The server began shutting down before an owner adopted the socket: `adopt` says so. */
const GOING_AWAY = 4;

// The socket's listeners are these module-level functions, not closures per connection: they
// find the connection through the one property an upgraded socket carries (`kUpgradeConnection`).

function onUpgradeSocketClose(this: UpgradingSocket): void {
  this[kUpgradeConnection]?._socketClosed();
}

/**
 * The client ended its side of a detached socket: this side ends too, once what was written is
 * flushed. Tornado's `IOStream` closes when its read reaches the end of input; Node's HTTP server
 * keeps upgraded sockets half-open (`allowHalfOpen`), which would hold the socket, and the
 * server's `close`, forever.
 */
function onDetachedSocketEnd(this: Duplex): void {
  if (this.writable) this.end();
}

function onUpgradeSocketDrain(this: UpgradingSocket): void {
  this[kUpgradeConnection]?._drained();
}

/**
 * The response side of a request that asked to upgrade its connection (a WebSocket handshake).
 * Until a handler takes the socket over with `detach()`, responses are written to the socket
 * directly, and the connection is closed after them. The server keeps the open upgraded
 * connections in a set (`tracker`), for `shutdown()` and `close_all_connections()`; a connection
 * leaves it when its socket closes.
 */
export class UpgradeConnection implements HTTPConnection {
  #flags = 0;
  /**
   * Before `detach()`: the close callback (`set_close_callback`). After it, until `adopt()`: what
   * runs if the socket closes before an owner takes it (the upgrade refused).
   */
  #onClose: (() => void) | null = null;
  /** Node's request and the bytes after its head, until `detach()` hands them over. */
  #handshake: { node_request: http.IncomingMessage; head: Buffer } | null;
  #owner: UpgradeOwner | null = null;
  readonly #tracker: Set<UpgradeConnection>;

  /**
   * @param node_request Node's request, as `ws`'s `handleUpgrade` needs it.
   * @param socket the client's socket.
   * @param head bytes the client sent after the request head.
   * @param tracker the server's set of open upgraded connections: this one is in it until its socket closes.
   */
  constructor(
    node_request: http.IncomingMessage,
    /** The client's socket: written to directly until `detach()` hands it over. */
    readonly socket: Duplex,
    head: Buffer,
    tracker: Set<UpgradeConnection>,
  ) {
    this.#handshake = { node_request, head };
    this.#tracker = tracker;
    tracker.add(this);
    (socket as UpgradingSocket)[kUpgradeConnection] = this;
    // "on", not "once": a close happens once, and once() costs a wrapper per socket.
    socket.on("close", onUpgradeSocketClose);
  }

  /** The socket closed: leaves the server's set, and runs the close callback that applies (see `#onClose`). */
  _socketClosed(): void {
    this.#tracker.delete(this);
    const callback = this.#onClose;
    this.#onClose = null;
    const detached = (this.#flags & DETACHED) !== 0;
    if (callback !== null && (detached || (this.#flags & FINISHED) === 0)) callback();
  }

  /** The socket's output drained: tells the owner, if one adopted it. */
  _drained(): void {
    this.#owner?._drained();
  }

  /** The server is shutting down: the owner closes gracefully now, or, if none adopted the socket yet, once one does. */
  go_away(): void {
    if (this.#owner !== null) this.#owner._go_away();
    else this.#flags |= GOING_AWAY;
  }

  /**
   * Writes the status line and headers straight to the socket. They are not checked again here:
   * `HTTPHeaders` checked each one when it was stored (httputil/header-check.ts), and
   * `set_status` the reason.
   */
  write_headers(start_line: ResponseStartLine, headers: HTTPHeaders, chunk?: Buffer | string): Promise<void> {
    let head = `HTTP/1.1 ${start_line.code} ${start_line.reason}\r\n`;
    const flat = headers._flat();
    for (let i = 0; i < flat.length; i += 2) head += `${flat[i]}: ${flat[i + 1]}\r\n`;
    this.socket.write(head + "Connection: close\r\n\r\n", "latin1");
    return chunk !== undefined && chunk.length > 0 ? this.write(chunk) : RESOLVED;
  }

  write(chunk: Buffer | string): Promise<void> {
    if (!this.socket.writable) return RESOLVED;
    return this.socket.write(chunk) ? RESOLVED : waitForEvent(this.socket, "drain");
  }

  finish(chunk?: Buffer | string): void {
    if ((this.#flags & DETACHED) !== 0) return;
    this.#flags |= FINISHED;
    if (chunk !== undefined && chunk.length > 0 && this.socket.writable) this.socket.write(chunk);
    this.socket.end();
  }

  set_close_callback(callback: (() => void) | null): void {
    if ((this.#flags & DETACHED) === 0) this.#onClose = callback;
  }

  /** Destroys the socket, unless a protocol handler has taken it over. */
  close(): void {
    if ((this.#flags & DETACHED) !== 0) return;
    this.#flags |= FINISHED;
    this.socket.destroy();
  }

  /** The socket as a stream (Tornado's `request.connection.stream`). */
  get stream(): ConnectionStream {
    return streamOf(this.socket);
  }

  /**
   * Takes the socket out of HTTP processing (`RequestHandler.detach()`): no response will be
   * written, the close callback is cleared, and the caller owns the socket, reading included
   * (`stream.socket`; bytes after the request head are pushed back onto it first, so its first
   * `data` event carries them). When the client ends its side, the socket is ended and closes, as
   * Tornado's stream closes at the end of input.
   * @throws Error when the socket was already handed over.
   */
  detach(): ConnectionStream {
    const { head } = this.hand_over(noop);
    this.#onClose = null;
    this.#tracker.delete(this);
    this.socket.off("close", onUpgradeSocketClose);
    this.socket.on("error", ignoreSocketError);
    this.socket.once("end", onDetachedSocketEnd);
    if (head.length > 0) this.socket.unshift(head);
    return streamOf(this.socket);
  }

  /**
   * Hands the socket to a protocol handler (`ws`), with Node's request and the bytes after its
   * head. Until `adopt()` (or forever, for `detach()`) this connection writes nothing to the socket and holds neither (a
   * long-lived WebSocket should not keep its handshake's request object alive). The new owner
   * must listen for the socket's errors at once: the server's own listener is removed.
   * @param onRefused runs if the socket closes before `adopt()` (the protocol handler refused the handshake).
   * @throws Error when the socket was already handed over.
   */
  hand_over(onRefused: () => void): { node_request: http.IncomingMessage; head: Buffer } {
    if ((this.#flags & DETACHED) !== 0) throw new Error("UpgradeConnection: the socket was already handed over");
    this.#flags |= DETACHED;
    this.socket.off("error", ignoreSocketError);
    this.#onClose = onRefused;
    const taken = this.#handshake!;
    this.#handshake = null;
    return taken;
  }

  /**
   * The protocol handler took the socket over (after `detach()`): `owner` is told when the server
   * shuts down and when the socket's output drains, and must call `released()` once the socket
   * has closed.
   * @returns true when the server began shutting down before: the owner should close as soon as it can.
   */
  adopt(owner: UpgradeOwner): boolean {
    this.#owner = owner;
    this.#onClose = null;
    // The owner listens for the close itself and reports it (`released()`): with one close
    // listener fewer, Node keeps a function, not an array of them, on every open socket.
    this.socket.off("close", onUpgradeSocketClose);
    this.socket.on("drain", onUpgradeSocketDrain);
    return (this.#flags & GOING_AWAY) !== 0;
  }

  /** Called by the owner once the socket it adopted has closed: the connection leaves the server's set. */
  released(): void {
    this.#tracker.delete(this);
  }
}
