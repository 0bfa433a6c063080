/**
 * Tornado's `tornado.concurrent`: a `Future` with asyncio's interface (`set_result`, `result()`,
 * `add_done_callback`, `cancel()`, ...) that is also a thenable, so `await future` works and a
 * `Future` goes wherever a `PromiseLike` does (`Promise.all`, `Promise.race`).
 *
 * ```ts
 * const future = new Future<number>();
 * setTimeout(() => future.set_result(42), 10);
 * console.log(await future); // 42
 * ```
 *
 * Done callbacks run on a later microtask of Node's loop, never inside `set_result` itself
 * (asyncio's `call_soon`); what they throw is logged on `tornado.application`. A future that
 * fails while nobody awaits it stays quiet: its promise is made only when `then` is first called,
 * so an unobserved failure is never an `unhandledRejection`.
 */
import { app_log, exc_info } from "./log";

export { ExecutorShutdownError, ThreadPoolExecutor, type Executor } from "./executor";

/** The error of a cancelled future's `result()`, `exception()` and `await`. */
export class CancelledError extends Error {
  /** Makes the error with `message`. */
  constructor(message = "Future was cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}

/** Raised by a `Future` asked for what it does not have yet, or set twice. */
export class InvalidStateError extends Error {
  /** Makes the error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidStateError";
  }
}

type State = "pending" | "finished" | "cancelled";

/** A callback of `add_done_callback`: called with the future once it is done. */
export type DoneCallback<T> = (future: Future<T>) => unknown;

interface Settlers<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

function makeSettlers<T>(): Settlers<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function runDoneCallback<T>(callback: DoneCallback<T>, future: Future<T>): void {
  try {
    const result = callback(future);
    if (result instanceof Promise)
      result.catch((err: unknown) => app_log.error("Exception in callback %s", callback.name, exc_info(err)));
  } catch (err) {
    app_log.error("Exception in callback %s", callback.name || "<anonymous>", exc_info(err));
  }
}

/**
 * The result of an asynchronous operation, set once by its producer: asyncio's `Future`, which
 * Tornado uses. Awaitable (a thenable: `await future` gives the result or throws the exception,
 * `CancelledError` once cancelled).
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #state: State = "pending";
  #result: T | undefined = undefined;
  #exception: unknown = undefined;
  #failed = false;
  #callbacks: DoneCallback<any>[] = [];
  #settlers: Settlers<any> | null = null;

  /** True once the future has a result or an exception or was cancelled. */
  done(): boolean {
    return this.#state !== "pending";
  }

  /** True if `cancel()` cancelled it. */
  cancelled(): boolean {
    return this.#state === "cancelled";
  }

  /**
   * The result. @throws CancelledError when cancelled; the future's exception when it failed;
   * InvalidStateError when it is not done yet.
   */
  result(): T {
    this.#checkDone();
    if (this.#failed) throw this.#exception;
    return this.#result as T;
  }

  /**
   * The exception it failed with, null when it has a result.
   * @throws CancelledError when cancelled; InvalidStateError when it is not done yet.
   */
  exception(): unknown {
    this.#checkDone();
    return this.#failed ? this.#exception : null;
  }

  /** Gives the future its result and schedules its done callbacks. @throws InvalidStateError if it is done. */
  set_result(result: T): void {
    this.#checkPending();
    this.#result = result;
    this.#finish("finished");
  }

  /** Fails the future with `exception` and schedules its done callbacks. @throws InvalidStateError if it is done. */
  set_exception(exception: unknown): void {
    this.#checkPending();
    this.#exception = exception;
    this.#failed = true;
    this.#finish("finished");
  }

  /**
   * Cancels the future unless it is done: its callbacks are scheduled and awaiting it throws
   * `CancelledError`. Returns true if it was cancelled by this call, false if it was done already.
   */
  cancel(): boolean {
    if (this.#state !== "pending") return false;
    this.#exception = new CancelledError();
    this.#failed = true;
    this.#finish("cancelled");
    return true;
  }

  /**
   * Calls `callback(future)` once the future is done, on a later microtask (also when it is done
   * already). What the callback throws is logged on `tornado.application`. Never throws.
   */
  add_done_callback(callback: DoneCallback<T>): void {
    if (this.#state === "pending") this.#callbacks.push(callback);
    else queueMicrotask(() => runDoneCallback(callback, this));
  }

  /** Removes every pending registration of `callback`; returns how many were removed. */
  remove_done_callback(callback: DoneCallback<T>): number {
    const before = this.#callbacks.length;
    this.#callbacks = this.#callbacks.filter((c) => c !== callback);
    return before - this.#callbacks.length;
  }

  /** The thenable protocol: what `await` calls. The promise behind it is made on the first call. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise().then(onfulfilled, onrejected);
  }

  /** As `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#promise().catch(onrejected);
  }

  /** As `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#promise().finally(onfinally);
  }

  /** "<Future pending>", "<Future finished result=...>", "<Future cancelled>" ... */
  toString(): string {
    if (this.#state !== "finished") return `<Future ${this.#state}>`;
    return this.#failed ? `<Future finished exception=${String(this.#exception)}>` : "<Future finished>";
  }

  #promise(): Promise<T> {
    if (this.#settlers === null) {
      this.#settlers = makeSettlers<T>();
      if (this.#state !== "pending") this.#settle(this.#settlers);
    }
    return this.#settlers.promise;
  }

  #settle(settlers: Settlers<any>): void {
    if (this.#failed) settlers.reject(this.#exception);
    else settlers.resolve(this.#result as T);
  }

  #finish(state: State): void {
    this.#state = state;
    if (this.#settlers !== null) this.#settle(this.#settlers);
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    if (callbacks.length > 0) queueMicrotask(() => callbacks.forEach((c) => runDoneCallback(c, this)));
  }

  #checkDone(): void {
    if (this.#state === "cancelled") throw this.#exception;
    if (this.#state === "pending") throw new InvalidStateError("Result is not set.");
  }

  #checkPending(): void {
    if (this.#state !== "pending") throw new InvalidStateError(`invalid state: ${this.toString()}`);
  }
}

/** True if `value` is a `Future` of this module (Tornado's `is_future`; a plain Promise is not one). */
export function is_future(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/** Sets `future`'s result unless it was cancelled (a cancelled waiter's producer need not check). */
export function future_set_result_unless_cancelled<T>(future: Future<T>, value: T): void {
  if (!future.cancelled()) future.set_result(value);
}

/** Fails `future` with `exception` unless it was cancelled; a cancelled one logs it instead. */
export function future_set_exception_unless_cancelled(future: Future<unknown>, exception: unknown): void {
  if (!future.cancelled()) future.set_exception(exception);
  else app_log.error("Exception after Future was cancelled", exc_info(exception));
}

/**
 * Calls `callback(future)` when `future` is done: at once, synchronously, if it is done already
 * (unlike `add_done_callback`), else as `add_done_callback` does.
 */
export function future_add_done_callback<T>(future: Future<T>, callback: DoneCallback<T>): void {
  if (future.done()) callback(future);
  else future.add_done_callback(callback);
}

function copyOutcome<T>(source: Future<T>, target: Future<T>): void {
  if (target.done()) return;
  if (source.cancelled()) {
    target.cancel();
    return;
  }
  let value: T;
  try {
    value = source.result();
  } catch (err) {
    target.set_exception(err);
    return;
  }
  target.set_result(value);
}

/**
 * Makes `target` complete as `source` does, with its result, exception or cancellation, unless
 * `target` is done by then. `source` may be a `Future` or any promise.
 */
export function chain_future<T>(source: Future<T> | PromiseLike<T>, target: Future<T>): void {
  if (source instanceof Future) {
    future_add_done_callback(source, (done) => copyOutcome(done, target));
    return;
  }
  source.then(
    (value) => {
      if (!target.done()) target.set_result(value);
    },
    (err: unknown) => {
      if (!target.done()) target.set_exception(err);
    },
  );
}
