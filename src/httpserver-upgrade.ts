/**
 * The response side of a request that asks to upgrade its connection (a WebSocket handshake):
 * answers written straight to the socket until a protocol handler takes the socket over.
 */
import type * as http from "node:http";
import type { Duplex } from "node:stream";
import type { HTTPHeaders } from "./httputil/headers";
import type { HTTPConnection, ResponseStartLine } from "./httputil/request";

/** One settled promise for every write that needs no wait. */
export const RESOLVED = Promise.resolve();

const kUpgradeConnection = Symbol("tornado.upgradeConnection");

type UpgradingSocket = Duplex & { [kUpgradeConnection]?: UpgradeConnection };

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

function onUpgradeSocketClose(this: UpgradingSocket): void {
  this[kUpgradeConnection]?._socketClosed();
}

/**
 * The response side of a request that asked to upgrade its connection (a WebSocket handshake).
 * Until a handler takes the socket over with `detach()`, responses are written to the socket
 * directly, and the connection is closed after them.
 */
export class UpgradeConnection implements HTTPConnection {
  #detached = false;
  #finished = false;
  #closeCallback: (() => void) | null = null;
  #nodeRequest: http.IncomingMessage | null;
  #head: Buffer | null;

  /**
   * @param node_request Node's request, as `ws`'s `handleUpgrade` needs it.
   * @param socket the client's socket.
   * @param head bytes the client sent after the request head.
   */
  constructor(
    node_request: http.IncomingMessage,
    /** The client's socket: written to directly until `detach()` hands it over. */
    readonly socket: Duplex,
    head: Buffer,
  ) {
    this.#nodeRequest = node_request;
    this.#head = head;
    (socket as UpgradingSocket)[kUpgradeConnection] = this;
    socket.once("close", onUpgradeSocketClose);
  }

  /** Runs the close callback when the client went away before the response was finished. */
  _socketClosed(): void {
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null && !this.#finished && !this.#detached) callback();
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
    this.#finished = true;
    if (this.#detached) return;
    if (chunk !== undefined && chunk.length > 0 && this.socket.writable) this.socket.write(chunk);
    this.socket.end();
  }

  set_close_callback(callback: (() => void) | null): void {
    this.#closeCallback = callback;
  }

  /** Destroys the socket, unless a protocol handler has taken it over. */
  close(): void {
    this.#finished = true;
    if (!this.#detached) this.socket.destroy();
  }

  /**
   * Hands the socket to a protocol handler (`ws`), with Node's request and the bytes after its
   * head. From then on this connection leaves the socket alone and holds neither (a long-lived
   * WebSocket should not keep its handshake's request object alive). The new owner must listen
   * for the socket's errors at once: the server's own listener is removed.
   * @throws Error when the socket was already handed over.
   */
  detach(): { node_request: http.IncomingMessage; head: Buffer } {
    if (this.#detached) throw new Error("UpgradeConnection.detach() called twice");
    this.#detached = true;
    this.socket.off("close", onUpgradeSocketClose);
    this.socket.off("error", ignoreSocketError);
    (this.socket as UpgradingSocket)[kUpgradeConnection] = undefined;
    const taken = { node_request: this.#nodeRequest!, head: this.#head! };
    this.#nodeRequest = null;
    this.#head = null;
    return taken;
  }
}
