/**
 * Flow control for what a handler sends: when a write has to wait for a slow reader, and the
 * one promise every waiting write shares (no listener per message).
 */
import type { Socket } from "node:net";
import type WebSocket from "ws";
import { WebSocketClosedError } from "./errors";

/** The parts of a `ws` socket its public API does not show: the TCP stream and the compression queue. */
interface WsInternals {
  _socket: Socket;
  _sender: { _bufferedBytes: number };
}

/** The TCP stream under a `ws` socket. */
export function streamOf(socket: WebSocket): Socket {
  return (socket as unknown as WsInternals)._socket;
}

/**
 * True when more output needs no waiting: no message waits in `ws`'s compression queue and the
 * TCP stream has not passed its high-water mark (a write there returned false and it has not
 * drained since).
 */
export function mayWrite(socket: WebSocket): boolean {
  const internals = socket as unknown as WsInternals;
  return internals._sender._bufferedBytes === 0 && !internals._socket.writableNeedDrain;
}

function ignore(): void {}

/**
 * The promise shared by every `write_message` that has to wait: resolved once the output
 * drains, rejected with `WebSocketClosedError` if the connection closes first. A rejection
 * nobody awaits is not an unhandled rejection.
 */
export class Drain {
  /** Settles as described on the class. */
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.promise.catch(ignore);
  }

  /** The output drained. */
  resolve(): void {
    this.#resolve();
  }

  /** The connection closed with output still waiting. */
  reject(): void {
    this.#reject(new WebSocketClosedError());
  }
}
