/**
 * Tornado's `tornado.gen` for `async` functions: `sleep`, `multi`, `with_timeout`, `moment`,
 * `WaitIterator` and `convert_yielded`; and, for code ported from Tornado's older style, the
 * generator-based `coroutine` (with `Return`, `is_coroutine_function` and `maybe_future`). An
 * `async` function is the way to write a coroutine; `coroutine` runs a generator whose
 * `yield`s are what `await` would take.
 *
 * Timeouts are Tornado's: a number is a **deadline** on the `IOLoop.time()` clock
 * (`IOLoop.current().time() + 0.5`), a `TimeDelta` (`{ seconds: 0.5 }`) is relative to now.
 * `sleep` alone takes a relative duration in seconds.
 */
import {
  chain_future,
  CancelledError,
  Future,
  future_add_done_callback,
  future_set_exception_unless_cancelled,
  future_set_result_unless_cancelled,
  is_future,
} from "./concurrent";
import { IOLoop, TimeoutError, type TimeDelta } from "./ioloop";
import { app_log, exc_info } from "./log";
import { isPlainObject, isPromiseLike } from "./util";

export { TimeoutError };

/** A timeout as Tornado takes it: a deadline on the `IOLoop.time()` clock, or a `TimeDelta` from now. */
export type Timeout = number | TimeDelta;

/** What `convert_yielded` (and so `multi`, `with_timeout`) accepts. */
export type Yieldable<T = unknown> = Future<T> | PromiseLike<T> | null | undefined;

/** An error class, for `quiet_exceptions`. */
export type ErrorClass = abstract new (...args: any[]) => unknown;

/** Raised by `convert_yielded` for a value that is neither a future, a promise, null, an array nor an object of them. */
export class BadYieldError extends Error {
  /** Makes the error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "BadYieldError";
  }
}

/**
 * Turns what an `async` caller may wait on into a `Future`: a `Future` is returned as it is, a
 * promise (any thenable) is wrapped, null/undefined gives a future done with `undefined`, an array
 * or a plain object of those goes to `multi`.
 * @throws BadYieldError for anything else.
 */
export function convert_yielded(yielded: unknown): Future<any> {
  if (is_future(yielded)) return yielded;
  if (yielded == null) {
    const done = new Future<undefined>();
    done.set_result(undefined);
    return done;
  }
  if (isPromiseLike(yielded)) {
    const future = new Future<unknown>();
    chain_future(yielded, future);
    return future;
  }
  if (Array.isArray(yielded) || isPlainObject(yielded)) return multi_future(yielded as never);
  throw new BadYieldError(`yielded unknown object ${String(yielded)}`);
}

/**
 * Resolves after `duration` seconds (a float: 0.05 is 50 ms) on the `IOLoop` clock. Use
 * `await sleep(0)` or `await moment` to let other callbacks run.
 */
export function sleep(duration: number): Future<void> {
  const future = new Future<void>();
  IOLoop.current().call_later(duration, () => future_set_result_unless_cancelled(future, undefined));
  return future;
}

/**
 * A thenable that resolves on the next turn of Node's loop (`setImmediate`): `await gen.moment`
 * lets pending I/O and timers run before going on, as Tornado's `gen.moment` does.
 */
export const moment: PromiseLike<void> = Object.freeze({
  then<R1 = void, R2 = never>(
    onfulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return new Promise<void>((resolve) => setImmediate(resolve)).then(onfulfilled, onrejected);
  },
});

function isQuiet(err: unknown, quiet: readonly ErrorClass[]): boolean {
  return quiet.some((cls) => err instanceof cls);
}

function quietList(quiet_exceptions: ErrorClass | readonly ErrorClass[]): readonly ErrorClass[] {
  return Array.isArray(quiet_exceptions) ? quiet_exceptions : [quiet_exceptions as ErrorClass];
}

/** The results of `multi` over an array: each child's awaited value, in order. */
export type MultiList<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };
/** The results of `multi` over an object: each key's awaited value. */
export type MultiDict<T extends Record<string, unknown>> = { [K in keyof T]: Awaited<T[K]> };

function gatherResults(children: Future<unknown>[], result: Future<unknown[]>, quiet: readonly ErrorClass[]) {
  const values: unknown[] = [];
  for (const child of children) {
    if (child.cancelled() || child.exception() !== null) {
      const err = child.cancelled() ? new CancelledError() : child.exception();
      if (!result.done()) result.set_exception(err);
      else if (!isQuiet(err, quiet)) app_log.error("Multiple exceptions in yield list", exc_info(err));
    } else values.push(child.result());
  }
  if (!result.done()) future_set_result_unless_cancelled(result, values);
}

/**
 * Waits for every child (futures, promises, null) at once, and resolves with their results: an
 * array in the same order, or an object with the same keys. Waits for all of them even when one
 * fails; then rejects with the first failure (in the children's order), and logs the others
 * unless they are instances of `quiet_exceptions`. Cancelling the returned future does not
 * cancel the children.
 * @throws BadYieldError (synchronously) for a child `convert_yielded` refuses.
 */
export function multi<T extends readonly unknown[]>(
  children: readonly [...T],
  quiet_exceptions?: ErrorClass | readonly ErrorClass[],
): Future<MultiList<T>>;
export function multi<T extends Record<string, unknown>>(
  children: T,
  quiet_exceptions?: ErrorClass | readonly ErrorClass[],
): Future<MultiDict<T>>;
export function multi(
  children: readonly unknown[] | Record<string, unknown>,
  quiet_exceptions: ErrorClass | readonly ErrorClass[] = [],
): Future<any> {
  return multi_future(children as never, quiet_exceptions);
}

/** Tornado's older name of `multi`, the same function. */
export function multi_future(
  children: readonly unknown[] | Record<string, unknown>,
  quiet_exceptions: ErrorClass | readonly ErrorClass[] = [],
): Future<any> {
  const keys = Array.isArray(children) ? null : Object.keys(children);
  const futures = (keys === null ? (children as unknown[]) : Object.values(children)).map(convert_yielded);
  const quiet = quietList(quiet_exceptions);
  const list = new Future<unknown[]>();
  const unfinished = new Set(futures);
  if (unfinished.size === 0) list.set_result([]);
  const onChildDone = (child: Future<unknown>): void => {
    unfinished.delete(child);
    if (unfinished.size === 0) gatherResults(futures, list, quiet);
  };
  for (const child of unfinished) future_add_done_callback(child, onChildDone);
  if (keys === null) return list;
  const dict = new Future<Record<string, unknown>>();
  future_add_done_callback(list, (done) => {
    if (dict.done()) return;
    if (done.exception() !== null) dict.set_exception(done.exception());
    else dict.set_result(Object.fromEntries(keys.map((k, i) => [k, done.result()[i]])));
  });
  return dict;
}

function logLateFailure(future: Future<any>, quiet: readonly ErrorClass[]): void {
  if (future.cancelled()) return;
  const err = future.exception();
  if (err !== null && !(err instanceof CancelledError) && !isQuiet(err, quiet))
    app_log.error("Exception in Future %s after timeout", String(future), exc_info(err));
}

/**
 * Wraps `future` (a `Future` or any promise) in a new future that rejects with
 * `TimeoutError("Timeout")` if it is not done by `timeout` (a deadline on the `IOLoop.time()`
 * clock, or a `TimeDelta` from now). The wrapped future is not cancelled on timeout; if it
 * fails later, its failure is logged unless it is an instance of `quiet_exceptions` or a
 * `CancelledError`.
 * @throws TypeError (synchronously) for a timeout that is neither a number nor a `TimeDelta`.
 */
export function with_timeout<T>(
  timeout: Timeout,
  future: Future<T> | PromiseLike<T>,
  quiet_exceptions: ErrorClass | readonly ErrorClass[] = [],
): Future<T> {
  const converted = convert_yielded(future) as Future<T>;
  const result = new Future<T>();
  chain_future(converted, result);
  const quiet = quietList(quiet_exceptions);
  const io_loop = IOLoop.current();
  const handle = io_loop.add_timeout(timeout, () => {
    if (!result.done()) result.set_exception(new TimeoutError("Timeout"));
    future_add_done_callback(converted, (done) => logLateFailure(done, quiet));
  });
  future_add_done_callback(converted, () => io_loop.remove_timeout(handle));
  return result;
}

interface Entry<T> {
  key: string | number;
  input: Future<T> | PromiseLike<T>;
  future: Future<T>;
}

/**
 * Yields futures in the order they finish, as Tornado's `WaitIterator`:
 *
 * ```ts
 * const wait = new gen.WaitIterator(fetchA(), fetchB());
 * while (!wait.done()) {
 *   const result = await wait.next(); // rejects if that one failed
 *   console.log(wait.current_index, result);
 * }
 * // or: for await (const result of new gen.WaitIterator(...)) ...
 * ```
 *
 * Built from futures (or promises) as arguments, `current_index` is their position; built from
 * one plain object of them, it is the key.
 */
export class WaitIterator<T = unknown> {
  /** The position (or key) of the future whose result `next()` gave last; null before and after. */
  current_index: string | number | null = null;
  /** The future (as given) whose result `next()` gave last; null before and after. */
  current_future: Future<T> | PromiseLike<T> | null = null;
  #unfinished = new Map<Future<T>, Entry<T>>();
  #finished: Future<T>[] = [];
  #running: Future<T> | null = null;

  /** Waits on `futures`, or on the values of one plain object of them. */
  constructor(...futures: (Future<T> | PromiseLike<T>)[] | [Record<string, Future<T> | PromiseLike<T>>]) {
    const single = futures.length === 1 && isPlainObject(futures[0]) ? futures[0] : null;
    const entries: [string | number, Future<T> | PromiseLike<T>][] =
      single !== null
        ? Object.entries(single as Record<string, Future<T>>)
        : (futures as Future<T>[]).map((f, i) => [i, f]);
    for (const [key, input] of entries) {
      const future = convert_yielded(input) as Future<T>;
      this.#unfinished.set(future, { key, input, future });
    }
    for (const future of [...this.#unfinished.keys()]) future_add_done_callback(future, (done) => this.#onDone(done));
  }

  /** True when every result has been handed out by `next()`. */
  done(): boolean {
    if (this.#finished.length > 0 || this.#unfinished.size > 0) return false;
    this.current_index = null;
    this.current_future = null;
    return true;
  }

  /** A new future that settles as the next future to finish does (not the same object as any input). */
  next(): Future<T> {
    this.#running = new Future<T>();
    const finished = this.#finished.shift();
    if (finished !== undefined) return this.#handOut(finished);
    return this.#running;
  }

  /** `for await (const result of waitIterator)`: the results in the order they finish. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        if (this.done()) return { done: true, value: undefined };
        return { done: false, value: await this.next() };
      },
    };
  }

  #onDone(done: Future<T>): void {
    if (this.#running !== null && !this.#running.done()) this.#handOut(done);
    else this.#finished.push(done);
  }

  #handOut(done: Future<T>): Future<T> {
    const running = this.#running!;
    chain_future(done, running);
    this.#running = null;
    const entry = this.#unfinished.get(done)!;
    this.#unfinished.delete(done);
    this.current_future = entry.input;
    this.current_index = entry.key;
    return running;
  }
}

/**
 * Ends a `coroutine`'s generator with `value` as its result, as Python 2's `raise
 * gen.Return(value)` did; a `return value` does the same.
 */
export class Return extends Error {
  /** The coroutine's result. */
  readonly value: unknown;

  /** Makes the exception carrying `value` (undefined when omitted). */
  constructor(value?: unknown) {
    super("gen.Return");
    this.name = "Return";
    this.value = value;
  }
}

/** The functions `coroutine` made, for `is_coroutine_function`. */
const coroutineFunctions = new WeakSet<object>();

/**
 * Tornado's `@gen.coroutine`: wraps `func`, a generator function (or a plain one), in a
 * function that returns a `Future`. Each value the generator yields is waited for as `await`
 * would (a `Future`, a promise, an array or object of them as `multi`; `null` or `undefined`
 * gives the loop one turn, as `moment`); its result is sent back into the generator, its error
 * thrown there. The generator's return value (or a thrown `Return`'s) is the future's result;
 * any other exception fails it. A plain function's result becomes the result (a promise is
 * followed). Works as a function (`get = gen.coroutine(function* (this: H) {...})`) and as a
 * method decorator (`@gen.coroutine *get() {...}`; a decorator cannot change a method's type,
 * so TypeScript still types the decorated method as the generator function, while it returns a
 * `Future`). Never throws: failures go to the future.
 */
export function coroutine<M extends (this: any, ...args: any[]) => any>(
  func: M,
  context: ClassMethodDecoratorContext,
): M;
export function coroutine<A extends unknown[], R>(
  func: (this: any, ...args: A) => Generator<unknown, R, any> | R,
): (this: any, ...args: A) => Future<Awaited<R>>;
export function coroutine<A extends unknown[], R>(
  func: (this: any, ...args: A) => Generator<unknown, R, any> | R,
): (this: any, ...args: A) => Future<Awaited<R>> {
  const wrapper = function (this: unknown, ...args: A): Future<Awaited<R>> {
    const future = new Future<Awaited<R>>();
    let result: unknown;
    try {
      result = func.apply(this, args);
    } catch (err) {
      settleFromError(future, err);
      return future;
    }
    if (isGenerator(result)) runGenerator(result, future, undefined, false);
    else if (isPromiseLike(result)) chain_future(result as PromiseLike<Awaited<R>>, future);
    else future.set_result(result as Awaited<R>);
    return future;
  };
  Object.defineProperty(wrapper, "name", { value: func.name, configurable: true });
  coroutineFunctions.add(wrapper);
  return wrapper;
}

/** Whether `func` was made by `coroutine` (Tornado's `is_coroutine_function`). Never throws. */
export function is_coroutine_function(func: unknown): boolean {
  return typeof func === "function" && coroutineFunctions.has(func);
}

/**
 * `x` as a `Future`: a future as it is, anything else in a new future done with it (Tornado's
 * `maybe_future`, deprecated there as here: `convert_yielded` takes promises too). Never throws.
 */
export function maybe_future<T>(x: T | Future<T>): Future<T> {
  if (is_future(x)) return x as Future<T>;
  const future = new Future<T>();
  future.set_result(x as T);
  return future;
}

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function"
  );
}

/** A `Return` is the result; anything else fails the future. */
function settleFromError(future: Future<any>, err: unknown): void {
  if (err instanceof Return) future_set_result_unless_cancelled(future, err.value);
  else future_set_exception_unless_cancelled(future, err);
}

/**
 * Drives `gen` from `sent` (thrown in when `failed`) until it yields something not yet done,
 * then again when that settles; a done yield continues at once, as Tornado's `Runner` does.
 * A cancelled result future stops the generator (its `finally` blocks run).
 */
function runGenerator(
  gen: Generator<unknown, unknown, unknown>,
  future: Future<any>,
  sent: unknown,
  failed: boolean,
): void {
  for (;;) {
    if (future.cancelled()) {
      gen.return(undefined);
      return;
    }
    let step: IteratorResult<unknown, unknown>;
    try {
      step = failed ? gen.throw(sent) : gen.next(sent);
    } catch (err) {
      settleFromError(future, err);
      return;
    }
    if (step.done) {
      future_set_result_unless_cancelled(future, step.value);
      return;
    }
    let yielded: Future<unknown>;
    try {
      yielded = convert_yielded(step.value == null ? moment : step.value);
    } catch (err) {
      [sent, failed] = [err, true];
      continue;
    }
    if (!yielded.done()) {
      yielded.add_done_callback((done) => resumeGenerator(gen, future, done));
      return;
    }
    [sent, failed] = outcomeOf(yielded);
  }
}

function resumeGenerator(gen: Generator<unknown, unknown, unknown>, future: Future<any>, done: Future<unknown>): void {
  const [sent, failed] = outcomeOf(done);
  runGenerator(gen, future, sent, failed);
}

/** A done future's `[value, failed]`: its result, or its exception (`CancelledError` when cancelled). */
function outcomeOf(done: Future<unknown>): [unknown, boolean] {
  try {
    return [done.result(), false];
  } catch (err) {
    return [err, true];
  }
}
