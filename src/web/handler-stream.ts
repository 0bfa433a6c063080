/**
 * Streaming request bodies (`@stream_request_body`): the `BodyStream` that `Application` hands
 * `HTTPServer` for a streaming handler, which passes each chunk of the body to the handler's
 * `data_received` once its `prepare()` has run, and tells `_execute` when the body is complete
 * (the verb method runs then) or never will be (it does not run). Internal.
 */
import type { HTTPBodyDelegate } from "../httpserver-body";
import { isPromiseLike } from "../util";
import { ABANDONED, type HandlerCore, type StreamedBody } from "./handler-state";

/** The static flag `@stream_request_body` sets on a handler class. */
export const STREAM_FLAG = "_stream_request_body";

/** Whether handler class `cls` (or a class it extends) was decorated with `@stream_request_body`. */
export function streams_request_body(cls: unknown): boolean {
  return (cls as Record<string, unknown>)[STREAM_FLAG] === true;
}

/**
 * The body of one request on its way to a streaming handler. `HTTPServer` reads the body once
 * `ready()` resolves (after `prepare()`), calling `data_received` per chunk and waiting on the
 * handler's promise; `_execute` waits on `_prepared()`'s promise before the verb method.
 */
export class BodyStream implements HTTPBodyDelegate, StreamedBody {
  #handler: HandlerCore | null = null;
  #release!: () => void;
  readonly #ready = new Promise<void>((resolve) => (this.#release = resolve));
  #settle!: (outcome: undefined | typeof ABANDONED) => void;
  readonly #outcome = new Promise<undefined | typeof ABANDONED>((resolve) => (this.#settle = resolve));
  #failed = false;

  /** Makes `handler` the one the chunks go to (before its `_execute` runs). */
  attach(handler: HandlerCore): void {
    this.#handler = handler;
    handler._body_stream = this;
  }

  /** Lets the server read the body: `prepare()` has run, or the request ended without it. Idempotent. */
  release(): void {
    this.#release();
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  _prepared(): Promise<undefined | typeof ABANDONED> {
    this.#release();
    return this.#outcome;
  }

  /**
   * Passes `chunk` to the handler's `data_received`; returns its promise, if any, for the server
   * to wait on. A chunk for a response already finished is dropped. An exception (or rejection)
   * ends the request as `_execute` ends one: logged, answered with 500 (see
   * `_handle_request_exception`); the verb method does not run.
   */
  data_received(chunk: Buffer): Promise<void> | undefined {
    const handler = this.#handler;
    if (handler === null || this.#failed || handler._finished) return undefined;
    let result: unknown;
    try {
      result = handler.data_received(chunk);
    } catch (err) {
      this.#fail(handler, err);
      return undefined;
    }
    if (!isPromiseLike(result)) return undefined;
    return Promise.resolve(result).then(undefined, (err: unknown) => this.#fail(handler, err));
  }

  finish(): void {
    this.#settle(this.#failed ? ABANDONED : undefined);
  }

  on_connection_close(): void {
    this.#settle(ABANDONED);
  }

  #fail(handler: HandlerCore, error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#settle(ABANDONED);
    handler._handle_request_exception(error);
  }
}

/**
 * `data_received`'s default, as Tornado's raises `NotImplementedError`.
 * @throws Error naming the handler class: a `@stream_request_body` handler must override it.
 */
export function dataReceivedNotImplemented(h: HandlerCore, chunk: Buffer): never {
  throw new Error(
    `${h.constructor.name}.data_received is not implemented: a @stream_request_body handler must override it (got ${chunk.length} bytes)`,
  );
}
