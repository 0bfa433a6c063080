/**
 * Tornado's `tornado.queues`: `Queue`, `PriorityQueue` and `LifoQueue` for coroutines, with
 * `put`/`get` that wait (for a free slot, for an item) and `join`/`task_done` to wait until every
 * item has been processed. Not thread-safe, and need not be.
 *
 * ```ts
 * const q = new Queue<number>(2);
 * (async () => { for await (const item of q) { console.log(item); q.task_done(); } })();
 * for (const item of [1, 2, 3]) await q.put(item);
 * await q.join();
 * ```
 *
 * Timeouts are Tornado's: a number is a **deadline** on the `IOLoop.time()` clock
 * (`IOLoop.current().time() + 1`), not a duration as in Python's `queue.Queue.get`; a `TimeDelta`
 * (`{ seconds: 1 }`) is relative to now.
 */
import { Future, future_set_result_unless_cancelled } from "./concurrent";
import { TimeoutError, type Timeout } from "./gen";
import { IOLoop } from "./ioloop";
import { Event } from "./locks";

/** Raised by `get_nowait` on an empty queue. */
export class QueueEmpty extends Error {
  /** Makes the error with `message`. */
  constructor(message = "Queue is empty") {
    super(message);
    this.name = "QueueEmpty";
  }
}

/** Raised by `put_nowait` on a full queue. */
export class QueueFull extends Error {
  /** Makes the error with `message`. */
  constructor(message = "Queue is full") {
    super(message);
    this.name = "QueueFull";
  }
}

/** Fails `future` with `TimeoutError` at `timeout` unless it is done by then. */
function setTimeoutOn(future: Future<any>, timeout: Timeout | undefined): void {
  if (timeout === undefined) return;
  const io_loop = IOLoop.current();
  const handle = io_loop.add_timeout(timeout, () => {
    if (!future.done()) future.set_exception(new TimeoutError());
  });
  future.add_done_callback(() => io_loop.remove_timeout(handle));
}

/** Drops the done (timed-out, cancelled) futures from the front of `waiters`. */
function dropDoneFromFront<W>(waiters: W[], futureOf: (waiter: W) => Future<any>): void {
  while (waiters.length > 0 && futureOf(waiters[0]).done()) waiters.shift();
}

/**
 * A queue of items in first-in first-out order; `maxsize` 0 (the default) means unbounded.
 * Subclasses change the order by overriding `_init`, `_put`, `_get` and `qsize` (as
 * `PriorityQueue` and `LifoQueue` do). Iterate it with `for await (const item of q)`, which
 * never ends by itself.
 */
export class Queue<T = unknown> {
  /** The items held, in the subclass's representation (made by `_init`). */
  protected _queue!: T[];
  #maxsize: number;
  /** The futures of waiting `get` calls, oldest first (timed-out ones are dropped when met). */
  protected _getters: Future<T>[] = [];
  /** The items and futures of waiting `put` calls, oldest first (timed-out ones are dropped when met). */
  protected _putters: [T, Future<void>][] = [];
  #unfinished_tasks = 0;
  #finished = new Event();

  /**
   * A queue holding at most `maxsize` items (0: no limit).
   * @throws RangeError (Python's ValueError) for a negative maxsize; TypeError for a non-number.
   */
  constructor(maxsize = 0) {
    if (typeof maxsize !== "number" || Number.isNaN(maxsize)) throw new TypeError("maxsize must be a number");
    if (maxsize < 0) throw new RangeError("maxsize can't be negative");
    this.#maxsize = maxsize;
    this._init();
    this.#finished.set();
  }

  /** The number of items allowed in the queue (0: no limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._queue.length;
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** True if the queue holds `maxsize` items (never, when unbounded). */
  full(): boolean {
    return this.#maxsize !== 0 && this.qsize() >= this.#maxsize;
  }

  /**
   * Puts `item` in the queue, waiting for a free slot if it is full. Rejects with `TimeoutError`
   * once `timeout` (a deadline on the `IOLoop.time()` clock, or a `TimeDelta`) passes first.
   */
  put(item: T, timeout?: Timeout): Future<void> {
    const future = new Future<void>();
    try {
      this.put_nowait(item);
    } catch (err) {
      if (!(err instanceof QueueFull)) throw err;
      this._putters.push([item, future]);
      setTimeoutOn(future, timeout);
      return future;
    }
    future.set_result(undefined);
    return future;
  }

  /** Puts `item` in the queue without waiting (straight to a waiting getter if any). @throws QueueFull when it is full. */
  put_nowait(item: T): void {
    this.#consumeExpired();
    if (this._getters.length > 0) {
      this.#putInternal(item);
      const getter = this._getters.shift()!;
      future_set_result_unless_cancelled(getter, this._get());
    } else if (this.full()) {
      throw new QueueFull();
    } else {
      this.#putInternal(item);
    }
  }

  /**
   * Removes and resolves with the next item, waiting for one if the queue is empty. Rejects with
   * `TimeoutError` once `timeout` (a deadline on the `IOLoop.time()` clock, or a `TimeDelta`)
   * passes first.
   */
  get(timeout?: Timeout): Future<T> {
    const future = new Future<T>();
    let item: T;
    try {
      item = this.get_nowait();
    } catch (err) {
      if (!(err instanceof QueueEmpty)) throw err;
      this._getters.push(future);
      setTimeoutOn(future, timeout);
      return future;
    }
    future.set_result(item);
    return future;
  }

  /** Removes and returns the next item without waiting (letting a waiting putter in). @throws QueueEmpty when it is empty. */
  get_nowait(): T {
    this.#consumeExpired();
    if (this._putters.length > 0) {
      const [item, putter] = this._putters.shift()!;
      this.#putInternal(item);
      future_set_result_unless_cancelled(putter, undefined);
      return this._get();
    }
    if (this.qsize() > 0) return this._get();
    throw new QueueEmpty();
  }

  /**
   * Tells the queue one item taken with `get` has been processed; once every `put` is matched by
   * a `task_done`, `join` resolves. @throws RangeError (Python's ValueError) when called more times than items were put.
   */
  task_done(): void {
    if (this.#unfinished_tasks <= 0) throw new RangeError("task_done() called too many times");
    this.#unfinished_tasks -= 1;
    if (this.#unfinished_tasks === 0) this.#finished.set();
  }

  /**
   * Resolves once every item put has been processed (`task_done`). Rejects with `TimeoutError`
   * once `timeout` (a deadline on the `IOLoop.time()` clock, or a `TimeDelta`) passes first.
   */
  join(timeout?: Timeout): Future<void> {
    return this.#finished.wait(timeout);
  }

  /** `for await (const item of queue)`: each item as `get()` gives it; never done. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => ({ done: false, value: await this.get() }),
    };
  }

  /** "<Queue maxsize=0 queue=[1,2] getters[1] putters[1] tasks=2>". */
  toString(): string {
    let result = `maxsize=${this.#maxsize}`;
    if (this.qsize() > 0) result += ` queue=${JSON.stringify(this._queue)}`;
    if (this._getters.length > 0) result += ` getters[${this._getters.length}]`;
    if (this._putters.length > 0) result += ` putters[${this._putters.length}]`;
    if (this.#unfinished_tasks > 0) result += ` tasks=${this.#unfinished_tasks}`;
    return `<${this.constructor.name} ${result}>`;
  }

  /** Makes the empty container (`_queue`). */
  protected _init(): void {
    this._queue = [];
  }

  /** Adds `item` to the container. */
  protected _put(item: T): void {
    this._queue.push(item);
  }

  /** Removes and returns the next item of the container (which is not empty). */
  protected _get(): T {
    return this._queue.shift()!;
  }

  #putInternal(item: T): void {
    this._put(item);
    this.#unfinished_tasks += 1;
    this.#finished.clear();
  }

  #consumeExpired(): void {
    dropDoneFromFront(this._putters, (putter) => putter[1]);
    dropDoneFromFront(this._getters, (getter) => getter);
  }
}

/** A queue that gives the most recently put item first. */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** Removes and returns the last item put. */
  protected override _get(): T {
    return this._queue.pop()!;
  }
}

/** A comparator: negative if `a` comes first, positive if `b` does, 0 if equal. */
export type Compare<T> = (a: T, b: T) => number;

function typeRank(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return "number";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/**
 * Compares two values as Python's `<` does for the types a priority queue usually holds:
 * numbers (and bigints, booleans) by value, strings by code point, arrays (tuples)
 * lexicographically, element by element.
 * @throws TypeError ("'<' not supported ...") for two values of other or mismatched types.
 */
export function python_compare(a: unknown, b: unknown): number {
  const rank = typeRank(a);
  if (rank !== typeRank(b) || !["number", "string", "array"].includes(rank))
    throw new TypeError(`'<' not supported between instances of '${typeRank(a)}' and '${typeRank(b)}'`);
  if (rank === "array") return compareArrays(a as unknown[], b as unknown[]);
  const x = a as number | string;
  const y = b as number | string;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    if (a[i] === b[i]) continue;
    const order = python_compare(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Options of `PriorityQueue`. */
export interface PriorityQueueOptions<T> {
  /** How items are ordered, smallest first; default `python_compare` (numbers, strings, tuples). */
  compare?: Compare<T>;
}

/**
 * A queue that gives the smallest item first (a binary heap, as Python's `heapq`; equal items
 * come out in no promised order). Items are typically tuples `[priority, data]`, compared
 * lexicographically as Python compares tuples; pass `compare` to order anything else.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  readonly #compare: Compare<T>;

  /** A priority queue holding at most `maxsize` items (0: no limit), ordered by `options.compare`. */
  constructor(maxsize = 0, options: PriorityQueueOptions<T> = {}) {
    super(maxsize);
    this.#compare = options.compare ?? python_compare;
  }

  /**
   * Pushes `item` onto the heap.
   * @throws TypeError when `compare` cannot order it against the smallest item (the heap is unchanged).
   */
  protected override _put(item: T): void {
    const heap = this._queue;
    if (heap.length > 0) this.#compare(item, heap[0]);
    heap.push(item);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (this.#compare(heap[child], heap[parent]) >= 0) break;
      [heap[child], heap[parent]] = [heap[parent], heap[child]];
      child = parent;
    }
  }

  /** Pops the smallest item off the heap. */
  protected override _get(): T {
    const heap = this._queue;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#siftDownFrom(0);
    }
    return top;
  }

  #siftDownFrom(start: number): void {
    const heap = this._queue;
    let parent = start;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const smaller = right < heap.length && this.#compare(heap[right], heap[left]) < 0 ? right : left;
      if (this.#compare(heap[smaller], heap[parent]) >= 0) return;
      [heap[smaller], heap[parent]] = [heap[parent], heap[smaller]];
      parent = smaller;
    }
  }
}
