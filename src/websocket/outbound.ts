/**
 * Flow control for what a handler sends: when a write has to wait for a slow reader, and the
 * one promise every waiting write shares (no listener per message).
 */
import type { Duplex } from "node:stream";
import type WebSocket from "ws";
import { WebSocketClosedError } from "./errors";

/**
 * True when more output needs no waiting: no message waits in `ws`'s compression queue and the
 * TCP stream has not passed its high-water mark (a write there returned false and it has not
 * drained since). `stream` is the socket the upgrade handed to `ws` (we keep our own reference
 * rather than read `ws`'s private `_socket`); `ws`'s public `bufferedAmount` is the stream's
 * buffered bytes plus its queue's, so the two are equal exactly when its queue is empty.
 */
export function mayWrite(socket: WebSocket, stream: Duplex): boolean {
  return !stream.writableNeedDrain && socket.bufferedAmount === stream.writableLength;
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
