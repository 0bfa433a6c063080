/**
 * The socket under an HTTP connection, with the names of Tornado's `IOStream` that a handler
 * uses on `request.connection.stream`: `closed()`, `set_close_callback()`, `write()`, `close()`,
 * `set_nodelay()`. `RequestHandler.detach()` hands it to a handler, which then writes raw bytes.
 * One stream per socket, made on first use: a connection that never asks for it costs nothing.
 */
import type { Duplex } from "node:stream";
import { StreamClosedError } from "../iostream-errors";

export { StreamClosedError };

type SocketWithNoDelay = Duplex & { setNoDelay?: (noDelay?: boolean) => unknown };

const streams = new WeakMap<Duplex, ConnectionStream>();
/** The sockets a handler took with `RequestHandler.detach()`: the HTTP server leaves them alone. */
const detached = new WeakSet<Duplex>();

/** Marks `socket` as the handler's (see `detached`). */
export function mark_detached(socket: Duplex): void {
  detached.add(socket);
}

/** True when a handler took `socket` with `detach()`: no request on it is dispatched, no error answered. */
export function is_detached(socket: Duplex): boolean {
  return detached.has(socket);
}

/** The stream of `socket`, made the first time it is asked for. */
export function streamOf(socket: Duplex): ConnectionStream {
  let stream = streams.get(socket);
  if (stream === undefined) {
    stream = new ConnectionStream(socket);
    streams.set(socket, stream);
  }
  return stream;
}

function onSocketClose(this: Duplex): void {
  streams.get(this)?._socketClosed();
}

/** A connection's socket seen as Tornado's `IOStream` (see the module comment). Made by `streamOf`. */
export class ConnectionStream {
  #closeCallback: (() => void) | null = null;
  #listening = false;

  /** @param socket the Node socket: reach for it for what this stream does not cover (reading, on a detached upgrade). */
  constructor(readonly socket: Duplex) {}

  /** True once the socket is closed or being torn down: writes then fail. */
  closed(): boolean {
    return this.socket.destroyed || !this.socket.writable;
  }

  /**
   * Sets (or clears, with `null`) the function called once when the socket closes, from either
   * side. Set on a stream that is already closed, it is called soon after (on a later tick).
   */
  set_close_callback(callback: (() => void) | null): void {
    this.#closeCallback = callback;
    if (callback === null) return;
    if (this.socket.destroyed) {
      setImmediate(() => this._socketClosed());
      return;
    }
    if (!this.#listening) {
      this.#listening = true;
      this.socket.once("close", onSocketClose);
    }
  }

  /**
   * Writes `data` to the socket as it is. Resolves once the bytes are handed to the operating
   * system.
   * @throws StreamClosedError (the promise rejects) when the socket is closed, or closes first.
   */
  write(data: Buffer | string): Promise<void> {
    if (this.closed()) return Promise.reject(new StreamClosedError());
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err?: Error | null) => (err ? reject(new StreamClosedError(err)) : resolve()));
    });
  }

  /** Closes the socket at once; bytes not yet handed to the operating system are dropped (await `write` first). */
  close(): void {
    this.socket.destroy();
  }

  /** Turns Nagle's algorithm off (`true`: small writes go out at once) or back on. */
  set_nodelay(value: boolean): void {
    (this.socket as SocketWithNoDelay).setNoDelay?.(value);
  }

  /** Internal: the socket closed; runs the close callback once. */
  _socketClosed(): void {
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null) callback();
  }
}
