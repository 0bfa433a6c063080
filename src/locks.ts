/**
 * Tornado's `tornado.locks`: `Event`, `Condition`, `Semaphore`, `BoundedSemaphore` and `Lock`
 * for coroutines (`async` functions) on one thread; none of them is thread-safe, none needs to be.
 *
 * Timeouts are Tornado's: a number is a **deadline** on the `IOLoop.time()` clock
 * (`IOLoop.current().time() + 1`), a `TimeDelta` (`{ seconds: 1 }`) is relative to now. A waiter
 * whose timeout passed is skipped by later `notify`/`release` calls.
 *
 * Python's `async with lock:` is spelled with the releaser `acquire()` resolves to:
 *
 * ```ts
 * const held = await lock.acquire();
 * try {
 *   // ... holding the lock
 * } finally {
 *   held.release();
 * }
 * ```
 */
import { Future, future_set_result_unless_cancelled } from "./concurrent";
import { TimeoutError, with_timeout, type Timeout } from "./gen";
import { IOLoop } from "./ioloop";

/** How many timed-out waiters pile up before the waiter list is swept of them. */
const SWEEP_AFTER_TIMEOUTS = 100;

/** Keeps a list of waiters and drops the timed-out ones every so often (a loop of short waits leaks nothing). */
class TimeoutGarbageCollector {
  /** The pending waiters, oldest first; done ones (timed out, cancelled) are skipped when met. */
  protected readonly _waiters: Future<any>[] = [];
  #timeouts = 0;

  /**
   * Adds `waiter` to the list, and takes it off again if it is cancelled (a long-poll whose
   * client left): Tornado leaves a cancelled waiter in the list until a notify meets it.
   */
  protected _add_waiter(waiter: Future<any>): void {
    this._waiters.push(waiter);
    waiter.add_done_callback(forgetIfCancelled.bind(null, this._waiters));
  }

  /** Counts one timeout, and sweeps the done waiters out once enough have piled up. */
  protected _garbage_collect(): void {
    this.#timeouts += 1;
    if (this.#timeouts > SWEEP_AFTER_TIMEOUTS) {
      this.#timeouts = 0;
      const pending = this._waiters.filter((w) => !w.done());
      this._waiters.splice(0, this._waiters.length, ...pending);
    }
  }
}

/** A done callback: removes a cancelled `waiter` from `waiters`. */
function forgetIfCancelled(waiters: Future<any>[], waiter: Future<any>): void {
  if (!waiter.cancelled()) return;
  const index = waiters.indexOf(waiter);
  if (index >= 0) waiters.splice(index, 1);
}

/** Arms `onTimeout` for `waiter` at `timeout`, disarmed once the waiter is done. */
function armTimeout(waiter: Future<any>, timeout: Timeout | undefined, onTimeout: () => void): void {
  if (timeout === undefined) return;
  const io_loop = IOLoop.current();
  const handle = io_loop.add_timeout(timeout, onTimeout);
  waiter.add_done_callback(() => io_loop.remove_timeout(handle));
}

/**
 * Lets coroutines wait until another one notifies them, as Tornado's `Condition` (no underlying
 * lock to hold). Notified waiters resume on a later microtask, never inside `notify`.
 */
export class Condition extends TimeoutGarbageCollector {
  /**
   * Waits for `notify`. Resolves true when notified, false once `timeout` (a deadline on the
   * `IOLoop.time()` clock, or a `TimeDelta`) passes first. Never rejects unless cancelled.
   * @throws TypeError for a timeout that is neither a number nor a `TimeDelta`.
   */
  wait(timeout?: Timeout): Future<boolean> {
    const waiter = new Future<boolean>();
    this._add_waiter(waiter);
    armTimeout(waiter, timeout, () => {
      if (!waiter.done()) future_set_result_unless_cancelled(waiter, false);
      this._garbage_collect();
    });
    return waiter;
  }

  /** Wakes `n` waiters (oldest first), skipping those that timed out or were cancelled. */
  notify(n = 1): void {
    const woken: Future<boolean>[] = [];
    while (n > 0 && this._waiters.length > 0) {
      const waiter = this._waiters.shift()!;
      if (!waiter.done()) {
        n -= 1;
        woken.push(waiter);
      }
    }
    for (const waiter of woken) future_set_result_unless_cancelled(waiter, true);
  }

  /** Wakes every waiter. */
  notify_all(): void {
    this.notify(this._waiters.length);
  }

  /** How many waiters it holds (those that timed out may still count until swept or notified). */
  get waiter_count(): number {
    return this._waiters.length;
  }

  /** "<Condition>" or "<Condition waiters[2]>". */
  toString(): string {
    return this._waiters.length > 0 ? `<Condition waiters[${this._waiters.length}]>` : "<Condition>";
  }
}

/** A flag coroutines wait on until it is set, as Tornado's (and `threading`'s) `Event`. */
export class Event {
  #value = false;
  #waiters = new Set<Future<void>>();

  /** True if the flag is set. */
  is_set(): boolean {
    return this.#value;
  }

  /** Sets the flag and wakes every waiter; `wait()` no longer blocks until `clear()`. */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    for (const waiter of this.#waiters) if (!waiter.done()) waiter.set_result(undefined);
  }

  /** Clears the flag: `wait()` blocks again until `set()`. */
  clear(): void {
    this.#value = false;
  }

  /**
   * Resolves once the flag is set (at once if it is). Rejects with `TimeoutError` once `timeout`
   * (a deadline on the `IOLoop.time()` clock, or a `TimeDelta`) passes first.
   * @throws TypeError for a timeout that is neither a number nor a `TimeDelta`.
   */
  wait(timeout?: Timeout): Future<void> {
    const waiter = new Future<void>();
    if (this.#value) {
      waiter.set_result(undefined);
      return waiter;
    }
    this.#waiters.add(waiter);
    waiter.add_done_callback(() => this.#waiters.delete(waiter));
    if (timeout === undefined) return waiter;
    const timed = with_timeout(timeout, waiter);
    timed.add_done_callback(() => {
      if (!waiter.done()) waiter.cancel();
    });
    return timed;
  }

  /** "<Event set>" or "<Event clear>". */
  toString(): string {
    return `<Event ${this.#value ? "set" : "clear"}>`;
  }
}

/** What `Semaphore.acquire()` and `Lock.acquire()` resolve to: Python's `with (yield sem.acquire()):`. */
export class Releaser {
  /** The releaser of `lock`. */
  constructor(
    /** The semaphore or lock that `release()` releases. */
    readonly lock: { release(): void },
  ) {}

  /** Releases the semaphore or lock once more (calling it twice releases twice, as in Tornado). */
  release(): void {
    this.lock.release();
  }
}

/**
 * A counter of `release` calls minus `acquire` calls plus an initial value; `acquire` waits while
 * it is zero. Waiters are served oldest first.
 */
export class Semaphore extends TimeoutGarbageCollector {
  /** The counter: how many more `acquire` calls succeed at once. */
  protected _value: number;

  /** A semaphore starting at `value`. @throws RangeError (Python's ValueError) for a negative value. */
  constructor(value = 1) {
    super();
    if (value < 0) throw new RangeError("semaphore initial value must be >= 0");
    this._value = value;
  }

  /** Increments the counter and hands it straight to the oldest waiter still waiting, if any. */
  release(): void {
    this._value += 1;
    while (this._waiters.length > 0) {
      const waiter = this._waiters.shift()!;
      if (!waiter.done()) {
        this._value -= 1;
        waiter.set_result(this._releaser());
        break;
      }
    }
  }

  /**
   * Decrements the counter, waiting until it is positive. Resolves to a `Releaser`; rejects with
   * `TimeoutError` once `timeout` (a deadline on the `IOLoop.time()` clock, or a `TimeDelta`)
   * passes first.
   * @throws TypeError for a timeout that is neither a number nor a `TimeDelta`.
   */
  acquire(timeout?: Timeout): Future<Releaser> {
    const waiter = new Future<Releaser>();
    if (this._value > 0) {
      this._value -= 1;
      waiter.set_result(this._releaser());
      return waiter;
    }
    this._add_waiter(waiter);
    armTimeout(waiter, timeout, () => {
      if (!waiter.done()) waiter.set_exception(new TimeoutError());
      this._garbage_collect();
    });
    return waiter;
  }

  /** The releaser `acquire` resolves to: one that calls this semaphore's `release`. */
  protected _releaser(): Releaser {
    return new Releaser(this);
  }

  /** The counter's value now. */
  get value(): number {
    return this._value;
  }

  /** "<Semaphore [unlocked,value:1]>", "<Semaphore [locked,waiters:2]>" ... */
  toString(): string {
    let extra = this._value === 0 ? "locked" : `unlocked,value:${this._value}`;
    if (this._waiters.length > 0) extra += `,waiters:${this._waiters.length}`;
    return `<${this.constructor.name} [${extra}]>`;
  }
}

/** A `Semaphore` that refuses to be released past its initial value: a sign of a bug. */
export class BoundedSemaphore extends Semaphore {
  readonly #initial: number;

  /** A bounded semaphore starting (and capped) at `value`. @throws RangeError for a negative value. */
  constructor(value = 1) {
    super(value);
    this.#initial = value;
  }

  /** Increments the counter and wakes one waiter. @throws RangeError ("Semaphore released too many times") past the initial value. */
  override release(): void {
    if (this._value >= this.#initial) throw new RangeError("Semaphore released too many times");
    super.release();
  }
}

/** A lock's semaphore, whose releasers release the lock (so releasing twice raises the lock's error). */
class LockBlock extends BoundedSemaphore {
  constructor(readonly owner: Lock) {
    super(1);
  }

  protected override _releaser(): Releaser {
    return new Releaser(this.owner);
  }

  /** As a BoundedSemaphore's, which Tornado's `Lock` holds: "<BoundedSemaphore [unlocked,value:1]>". */
  override toString(): string {
    return super.toString().replace(/^<LockBlock/, "<BoundedSemaphore");
  }
}

/** A lock for coroutines: `acquire` takes it at once when free, else waits in line for `release`. */
export class Lock {
  readonly #block = new LockBlock(this);

  /**
   * Takes the lock, waiting for it if it is held. Resolves to a `Releaser`; rejects with
   * `TimeoutError` once `timeout` (a deadline on the `IOLoop.time()` clock, or a `TimeDelta`)
   * passes first.
   */
  acquire(timeout?: Timeout): Future<Releaser> {
    return this.#block.acquire(timeout);
  }

  /** Unlocks; the oldest waiter gets the lock. @throws Error ("release unlocked lock") when it is not held. */
  release(): void {
    try {
      this.#block.release();
    } catch (err) {
      if (err instanceof RangeError) throw new Error("release unlocked lock");
      throw err;
    }
  }

  /** "<Lock _block=<BoundedSemaphore [...]>>". */
  toString(): string {
    return `<Lock _block=${this.#block.toString()}>`;
  }
}
