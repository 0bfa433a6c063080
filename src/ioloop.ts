/**
 * Tornado's `IOLoop` and `PeriodicCallback` over Node's own event loop.
 *
 * Node already runs an event loop, so `IOLoop` does not poll anything itself: it schedules
 * callbacks on Node's loop (`setImmediate`, `setTimeout`), logs what they throw on
 * `tornado.application`, and gives `start()`/`stop()` their Tornado meaning — keep the
 * process alive until stopped, then close the servers `Application.listen` opened.
 *
 * Units follow Tornado: every time here is in seconds, except `PeriodicCallback`'s period,
 * which is in milliseconds.
 */
import { ThreadPoolExecutor, type Executor } from "./executor";
import { app_log, exc_info } from "./log";
import { install_signal_handlers, remove_signal_handlers } from "./shutdown";
import { close_all as close_pubsub_buses } from "./pubsub/registry";

/** Something `IOLoop.stop()` stops, such as a listening `HTTPServer`. */
export interface Stoppable {
  /** Stops it; called once by `IOLoop.stop()`. May return a promise that settles once it has stopped (a graceful drain). */
  stop(): unknown;
  /** Closes at once what `stop()` is still waiting for (a second signal). */
  close_all_connections?(): unknown;
  /** Seconds its `stop()` may take at most (a server's `shutdown_grace_period`). */
  readonly shutdown_grace_period?: number;
}

/** The grace period a signal gives the process when no server says otherwise, in seconds. */
const DEFAULT_GRACE_PERIOD = 10;

/** A relative time, Python's `datetime.timedelta`: the fields present are added up. */
export interface TimeDelta {
  weeks?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
  microseconds?: number;
}

/** What `call_later`, `call_at` and `add_timeout` return: pass it to `remove_timeout`. */
export interface TimeoutHandle {
  /** When the callback is due, in seconds on the `IOLoop.time()` clock. */
  readonly deadline: number;
}

/** Options of `IOLoop.run_sync`. */
export interface RunSyncOptions {
  /** Give up after this many seconds, rejecting with `TimeoutError`. */
  timeout?: number;
}

/** The rejection of `IOLoop.run_sync` when its timeout passes first. */
export class TimeoutError extends Error {
  /** Makes the error with `message`. */
  constructor(message = "Timeout") {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Period of the do-nothing interval that keeps the process alive (about 12 days). */
const KEEP_ALIVE_MS = 2 ** 30;
/** The longest delay `setTimeout` honours; longer ones are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function monotonic(): number {
  return performance.now() / 1000;
}

function noop(): void {}

/** Runs `fn` on the next turn and resolves with its result (awaited when a promise), or rejects with what it throws. */
function nextTurn<R>(fn: () => R | PromiseLike<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    });
  });
}

function totalSeconds(delta: TimeDelta): number {
  return (
    (delta.weeks ?? 0) * 604800 +
    (delta.days ?? 0) * 86400 +
    (delta.hours ?? 0) * 3600 +
    (delta.minutes ?? 0) * 60 +
    (delta.seconds ?? 0) +
    (delta.milliseconds ?? 0) / 1e3 +
    (delta.microseconds ?? 0) / 1e6
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

function logCallbackError(callback: { name: string }, err: unknown): void {
  app_log.error("Exception in callback %s", callback.name || "<anonymous>", exc_info(err));
}

/** A Node timer aimed at a deadline on the monotonic clock, to the millisecond, however far away. */
class Timeout implements TimeoutHandle {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly deadline: number,
    fire: () => void,
  ) {
    this.#arm(fire);
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }

  #arm(fire: () => void): void {
    const ms = Math.round((this.deadline - monotonic()) * 1000);
    this.#timer =
      ms > MAX_TIMER_MS ? setTimeout(() => this.#arm(fire), MAX_TIMER_MS) : setTimeout(fire, Math.max(ms, 0));
  }
}

interface Running {
  resolve: () => void;
  keepAlive: NodeJS.Timeout;
}

/**
 * Tornado's I/O loop, as a thin layer over Node's event loop. There is one per process:
 * get it with `IOLoop.current()`. Callbacks run on later turns of Node's loop; what they throw
 * (or the rejection of the promise they return) is logged on `app_log` as
 * `Exception in callback <name>` and goes no further.
 *
 * Its clock (`time()`, `call_at`, `add_timeout` with a number) is a monotonic one in seconds,
 * not the Unix time Tornado uses: build deadlines from `io_loop.time()`, not `Date.now()`.
 */
export class IOLoop {
  static #current: IOLoop | null = null;
  #running: Running | null = null;
  #closed = false;
  readonly #timeouts = new Set<Timeout>();
  readonly #immediates = new Set<NodeJS.Immediate>();
  readonly #servers = new Set<Stoppable>();
  readonly #runSyncAborts = new Set<(err: Error) => void>();
  /** What `run_in_executor(null, ...)` runs on; made on first use. */
  #defaultExecutor: Executor | null = null;
  /** Servers whose `stop()` is under way, and the promise that settles once all have stopped. */
  #stopping: { servers: Stoppable[]; done: Promise<void> } = { servers: [], done: Promise.resolve() };

  /** The process's loop, made on first call (and again after `close()`). Never throws. */
  static current(): IOLoop {
    return (IOLoop.#current ??= new IOLoop());
  }

  /** The same as `IOLoop.current()` (Tornado's older name). Never throws. */
  static instance(): IOLoop {
    return IOLoop.current();
  }

  /**
   * Runs the loop: keeps the process alive (with a ref'd timer) until `stop()` is called,
   * then resolves. Does not block: callbacks, timers and servers run meanwhile. While it runs,
   * SIGTERM and SIGINT shut the process down gracefully (see `shutdown.ts`): the servers drain
   * within their `shutdown_grace_period`, then the process ends with status 0; a second signal
   * ends it at once with 128 + the signal's number (143 for SIGTERM, 130 for SIGINT).
   * @throws Error `IOLoop is already running` when started twice, `IOLoop is closed` after `close()`.
   */
  start(): Promise<void> {
    if (this.#closed) throw new Error("IOLoop is closed");
    if (this.#running !== null) throw new Error("IOLoop is already running");
    return new Promise((resolve) => {
      this.#running = { resolve, keepAlive: setInterval(noop, KEEP_ALIVE_MS) };
      install_signal_handlers(this);
    });
  }

  /**
   * Stops the loop: resolves the promise of `start()` and lets the process exit once nothing
   * else holds it; rejects any pending `run_sync` with `Event loop stopped before Future
   * completed.`; and stops (once) every server registered with `_register_server`, even when
   * the loop was never started: a listening `HTTPServer` shuts down gracefully (see
   * `HTTPServer.shutdown`; it holds the process until its connections are closed, at most its
   * `shutdown_grace_period`), then the process's Redis pub/sub buses (those of `pubsub_url`,
   * `open_pubsub`) are closed, so that their connections do not hold the process. Removes the
   * signal listeners `start()` installed. Errors from a server's `stop()` are logged. Never throws.
   */
  stop(): void {
    const running = this.#running;
    this.#running = null;
    if (running !== null) {
      clearInterval(running.keepAlive);
      remove_signal_handlers(this);
      running.resolve();
    }
    for (const abort of this.#runSyncAborts) abort(new Error("Event loop stopped before Future completed."));
    this.#runSyncAborts.clear();
    const servers = [...this.#servers];
    this.#servers.clear();
    if (servers.length === 0) {
      void close_pubsub_buses();
      return;
    }
    const stops = servers.map((server) => this.#runCallback(server.stop.bind(server), []));
    const done = Promise.all(stops).then(close_pubsub_buses).then(noop, noop);
    this.#stopping = {
      servers: [...this.#stopping.servers, ...servers],
      done: Promise.all([this.#stopping.done, done]).then(noop),
    };
  }

  /** The longest `shutdown_grace_period` of the registered servers (10 s when none says), in seconds. Never throws. */
  _shutdown_grace_period(): number {
    let longest: number | null = null;
    for (const server of this.#servers) {
      if (server.shutdown_grace_period !== undefined) longest = Math.max(longest ?? 0, server.shutdown_grace_period);
    }
    return longest ?? DEFAULT_GRACE_PERIOD;
  }

  /** Settles once every server `stop()` has stopped has finished stopping (their promises settled). Never rejects. */
  _stopped(): Promise<void> {
    return this.#stopping.done;
  }

  /** Closes at once every connection the servers being stopped still wait for (a second signal). Never throws. */
  _close_all_connections(): void {
    for (const server of this.#stopping.servers) {
      if (server.close_all_connections) this.#runCallback(server.close_all_connections.bind(server), []);
    }
  }

  /**
   * Stops the loop (see `stop()`), drops every callback and timeout not yet run, and makes
   * `IOLoop.current()` return a new loop; a default executor that is a `ThreadPoolExecutor` is
   * shut down. Afterwards this loop silently ignores new callbacks
   * and timeouts, as Tornado does, and `start()` throws. Safe to call twice. Never throws.
   */
  close(): void {
    this.stop();
    this.#closed = true;
    for (const timeout of this.#timeouts) timeout.cancel();
    this.#timeouts.clear();
    for (const immediate of this.#immediates) clearImmediate(immediate);
    this.#immediates.clear();
    // As asyncio's loop.close(): the default pool's threads are stopped once their tasks end.
    if (this.#defaultExecutor instanceof ThreadPoolExecutor) void this.#defaultExecutor.shutdown();
    this.#defaultExecutor = null;
    if (IOLoop.#current === this) IOLoop.#current = null;
  }

  /** Registers `server` to be stopped by `stop()`. Used by `Application.listen`. Never throws. */
  _register_server(server: Stoppable): void {
    this.#servers.add(server);
  }

  /** Forgets a server registered with `_register_server`; does nothing for an unknown one. */
  _unregister_server(server: Stoppable): void {
    this.#servers.delete(server);
  }

  /**
   * The loop's clock, in seconds (a float) since an arbitrary point: monotonic, from
   * `performance.now()`. `call_at` and `add_timeout` deadlines are on this clock. Never throws.
   */
  time(): number {
    return monotonic();
  }

  /**
   * Calls `callback(...args)` on the next turn of the loop (`setImmediate`), after callbacks
   * added before it. Exceptions are logged, never thrown. Never throws.
   */
  add_callback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    if (this.#closed) return;
    const immediate = setImmediate(() => {
      this.#immediates.delete(immediate);
      this.#runCallback(callback, args);
    });
    this.#immediates.add(immediate);
  }

  /** The same as `add_callback` (as in Tornado 6). Never throws. */
  spawn_callback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    this.add_callback(callback, ...args);
  }

  /**
   * Calls `callback(...args)` once `when` (seconds on the `time()` clock) has come, to the
   * millisecond Node's timers count in. Returns a handle for `remove_timeout`. Never throws.
   */
  call_at<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimeoutHandle {
    if (this.#closed) return { deadline: when };
    const timeout = new Timeout(when, () => {
      this.#timeouts.delete(timeout);
      this.#runCallback(callback, args);
    });
    this.#timeouts.add(timeout);
    return timeout;
  }

  /**
   * Calls `callback(...args)` after `delay` seconds (a float: 0.05 is 50 ms).
   * Returns a handle for `remove_timeout`. Never throws.
   */
  call_later<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimeoutHandle {
    return this.call_at(this.time() + delay, callback, ...args);
  }

  /**
   * Calls `callback(...args)` at `deadline`: a number is an absolute time in seconds on the
   * `time()` clock, a `TimeDelta` is relative to now. Returns a handle for `remove_timeout`.
   * @throws TypeError for a deadline that is neither.
   */
  add_timeout<A extends unknown[]>(
    deadline: number | TimeDelta,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimeoutHandle {
    if (typeof deadline === "number") return this.call_at(deadline, callback, ...args);
    if (typeof deadline === "object" && deadline !== null)
      return this.call_at(this.time() + totalSeconds(deadline), callback, ...args);
    throw new TypeError(`Unsupported deadline ${String(deadline)}`);
  }

  /** Cancels a pending timeout. Safe after it has fired and safe twice. Never throws. */
  remove_timeout(handle: TimeoutHandle): void {
    if (handle instanceof Timeout && this.#timeouts.delete(handle)) handle.cancel();
  }

  /**
   * Calls `callback(future)` on a later turn once `future` settles, fulfilled or rejected
   * (the callback inspects it with `await`). Exceptions are logged. Never throws.
   */
  add_future<T>(future: Promise<T>, callback: (future: Promise<T>) => unknown): void {
    const done = (): void => this.add_callback(callback, future);
    future.then(done, done);
  }

  /**
   * Runs `fn(...args)` with `executor` and resolves with its result, or rejects with what it
   * throws. `null` means the loop's default executor, as in Tornado: the one given to
   * `set_default_executor`, else a `concurrent.ThreadPoolExecutor` (one thread per CPU) made on
   * first use. On a pool `fn` runs on a worker thread, rebuilt there from its source: it must be
   * self-contained (it sees none of the variables around it and `require`s what it needs; see
   * `executor.ts`), and its arguments and result are copied. Never throws.
   */
  run_in_executor<A extends unknown[], R>(
    executor: Executor | null,
    fn: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Promise<R> {
    const pool = executor ?? (this.#defaultExecutor ??= new ThreadPoolExecutor());
    return pool.submit(fn, ...args);
  }

  /** Makes `executor` the one `run_in_executor(null, ...)` uses (Tornado's `set_default_executor`). */
  set_default_executor(executor: Executor): void {
    this.#defaultExecutor = executor;
  }

  /**
   * Runs `fn` on the next turn and resolves with its result, awaited if it is a promise; keeps
   * the process alive meanwhile. Rejects with what `fn` throws or rejects with; with
   * `TimeoutError("Operation timed out after N seconds")` once `timeout` seconds pass first;
   * with `Error("Event loop stopped before Future completed.")` if `stop()` comes first.
   * The loop need not be started (Node's loop always runs), and may be. Never throws.
   */
  run_sync<T>(fn: () => T | PromiseLike<T>, options: RunSyncOptions = {}): Promise<T> {
    const { timeout } = options;
    return new Promise<T>((resolve, reject) => {
      const keepAlive = setInterval(noop, KEEP_ALIVE_MS);
      const finish = <V>(settle: (value: V) => void, value: V): void => {
        clearInterval(keepAlive);
        timer?.cancel();
        this.#runSyncAborts.delete(abort);
        settle(value);
      };
      const abort = (err: Error): void => finish(reject, err);
      const timer =
        timeout === undefined
          ? null
          : new Timeout(monotonic() + timeout, () =>
              abort(new TimeoutError(`Operation timed out after ${timeout} seconds`)),
            );
      this.#runSyncAborts.add(abort);
      nextTurn(fn).then(
        (value) => finish(resolve, value),
        (err: unknown) => finish(reject, err),
      );
    });
  }

  /** Runs a callback with its errors logged; resolves once its promise (if any) settles, never rejects. */
  #runCallback<A extends unknown[]>(callback: (...args: A) => unknown, args: A): Promise<void> | undefined {
    try {
      const result = callback(...args);
      if (isThenable(result))
        return Promise.resolve(result).then(noop, (err: unknown) => logCallbackError(callback, err));
    } catch (err) {
      logCallbackError(callback, err);
    }
    return undefined;
  }
}

/**
 * Calls `callback` every `callback_time` **milliseconds** (unlike the rest of Tornado, which
 * counts in seconds) once `start()` is called; the first call comes one period after start.
 * A callback returning a promise is awaited before the next call is scheduled. Calls are kept
 * on the grid of start + n periods: when a call overruns, the ticks it missed are skipped.
 * `jitter` (a fraction, 0.1 = 10%) varies each period randomly within a window of
 * `jitter * callback_time` centred on it. Exceptions are logged on `app_log`, and the
 * schedule goes on.
 */
export class PeriodicCallback {
  /** The function called each period. */
  readonly callback: () => unknown;
  /** The period, in milliseconds. */
  readonly callback_time: number;
  /** The jitter fraction. */
  readonly jitter: number;
  #loop: IOLoop | null = null;
  #running = false;
  #timeout: TimeoutHandle | null = null;
  #nextTimeout = 0;

  /**
   * Prepares (does not start) a periodic call; `callback_time` is in milliseconds, or a `TimeDelta`.
   * @throws Error `Periodic callback must have a positive callback_time` when it is not > 0.
   */
  constructor(callback: () => unknown, callback_time: number | TimeDelta, jitter = 0) {
    const ms = typeof callback_time === "number" ? callback_time : totalSeconds(callback_time) * 1000;
    if (!(ms > 0)) throw new Error("Periodic callback must have a positive callback_time");
    this.callback = callback;
    this.callback_time = ms;
    this.jitter = jitter;
  }

  /** Starts calling, on `IOLoop.current()`; starting again restarts the schedule from now. Never throws. */
  start(): void {
    this.#loop = IOLoop.current();
    this.#running = true;
    this.#nextTimeout = this.#loop.time();
    this.#scheduleNext();
  }

  /** Stops calling; a call in progress finishes but no other follows. Never throws. */
  stop(): void {
    this.#running = false;
    if (this.#timeout !== null) this.#loop?.remove_timeout(this.#timeout);
    this.#timeout = null;
  }

  /** Whether `start()` was called and `stop()` not since. Never throws. */
  is_running(): boolean {
    return this.#running;
  }

  async #run(): Promise<void> {
    try {
      await this.callback();
    } catch (err) {
      logCallbackError(this.callback, err);
    } finally {
      this.#scheduleNext();
    }
  }

  #scheduleNext(): void {
    const loop = this.#loop;
    if (!this.#running || loop === null) return;
    if (this.#timeout !== null) loop.remove_timeout(this.#timeout);
    this.#updateNext(loop.time());
    this.#timeout = loop.add_timeout(this.#nextTimeout, () => this.#run());
  }

  /** Moves the deadline to the first grid point after `now` (seconds). */
  #updateNext(now: number): void {
    let period = this.callback_time / 1000;
    if (this.jitter) period *= 1 + this.jitter * (Math.random() - 0.5);
    if (this.#nextTimeout <= now) {
      this.#nextTimeout += (Math.floor((now - this.#nextTimeout) / period) + 1) * period;
    } else {
      // Node may fire a timer a little before its deadline: still advance by one period.
      this.#nextTimeout += period;
    }
  }
}
