/**
 * Python's `concurrent.futures.ThreadPoolExecutor` over Node's `worker_threads`, for
 * `IOLoop.run_in_executor(executor, fn, ...args)`: CPU-bound work runs on another thread while
 * the loop goes on serving requests.
 *
 * A JavaScript function cannot be sent to another thread, only its source text can: `fn` is
 * rebuilt in the worker from `fn.toString()`, so it must be self-contained, as a function in its
 * own file would be. It sees no variable of the scope it was written in (`require` what it
 * needs inside it), and its arguments and result are copied (the structured clone algorithm:
 * no functions, no class instances beyond the built-in ones). An arrow function or a
 * `function` expression works; a method written as `name() {}` does not.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** What `IOLoop.run_in_executor` runs a function with: `submit` resolves with its result. */
export interface Executor {
  /** Runs `fn(...args)` and resolves with its result, or rejects with what it throws. */
  submit<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R>;
}

/** The worker's program: runs each function it is sent, and sends back its result or error. */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
globalThis.require = require;
function describe(err) {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: "Error", message: String(err), stack: undefined };
}
parentPort.on("message", async ({ id, source, args }) => {
  try {
    const fn = (0, eval)("(" + source + ")");
    const value = await fn(...args);
    parentPort.postMessage({ id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: describe(err) });
  }
});
`;

interface Task {
  id: number;
  source: string;
  args: unknown[];
  resolve: (value: any) => void;
  reject: (reason: unknown) => void;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; stack?: string };
}

/** The error a worker sent back, rebuilt with the name, message and stack it had there. */
function rebuildError(error: NonNullable<Reply["error"]>): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}

/** One worker thread and the task it is running, if any. */
class PoolWorker {
  readonly thread = new Worker(WORKER_SOURCE, { eval: true });
  task: Task | null = null;
}

/** Raised by `submit` after `shutdown()`. */
export class ExecutorShutdownError extends Error {
  /** Makes the error with `message`. */
  constructor(message = "cannot schedule new futures after shutdown") {
    super(message);
    this.name = "ExecutorShutdownError";
  }
}

/**
 * A pool of at most `max_workers` worker threads (default: the number of CPUs), started as tasks
 * need them. Tasks wait in order for a free worker. An idle pool does not keep the process
 * alive; `shutdown()` stops its threads.
 */
export class ThreadPoolExecutor implements Executor {
  readonly #max_workers: number;
  readonly #workers: PoolWorker[] = [];
  readonly #pending: Task[] = [];
  #nextId = 0;
  #shutdown = false;
  #drained: Promise<void> | null = null;
  #onDrained: (() => void) | null = null;

  /** A pool of at most `max_workers` threads. @throws RangeError for fewer than one. */
  constructor(max_workers: number = availableParallelism()) {
    if (!(max_workers >= 1)) throw new RangeError("max_workers must be greater than 0");
    this.#max_workers = Math.floor(max_workers);
  }

  /** The most threads the pool runs at once. */
  get max_workers(): number {
    return this.#max_workers;
  }

  /**
   * Runs `fn(...args)` on a worker thread (see the module's notes on what `fn` may be) and
   * resolves with its result; rejects with an `Error` of the name and message it threw there.
   * @throws ExecutorShutdownError (as a rejection) after `shutdown()`.
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<R> {
    if (this.#shutdown) return Promise.reject(new ExecutorShutdownError());
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ id: this.#nextId++, source: fn.toString(), args, resolve, reject });
      this.#dispatch();
    });
  }

  /** Refuses new tasks, lets the running and queued ones finish, then stops the threads. */
  shutdown(): Promise<void> {
    this.#shutdown = true;
    if (this.#drained === null) {
      this.#drained = new Promise<void>((resolve) => (this.#onDrained = resolve));
      this.#stopIfDrained();
    }
    return this.#drained;
  }

  #stopIfDrained(): void {
    if (this.#onDrained === null || this.#pending.length > 0 || this.#workers.some((w) => w.task !== null)) return;
    const resolve = this.#onDrained;
    this.#onDrained = null;
    void Promise.all(this.#workers.splice(0).map((w) => w.thread.terminate())).then(() => resolve());
  }

  #dispatch(): void {
    while (this.#pending.length > 0) {
      const worker = this.#idleWorker();
      if (worker === null) return;
      this.#run(worker, this.#pending.shift()!);
    }
  }

  #idleWorker(): PoolWorker | null {
    const idle = this.#workers.find((w) => w.task === null);
    if (idle !== undefined) return idle;
    if (this.#workers.length >= this.#max_workers) return null;
    const worker = new PoolWorker();
    worker.thread.on("message", (reply: Reply) => this.#onReply(worker, reply));
    worker.thread.on("error", (err: unknown) => this.#onCrash(worker, err));
    this.#workers.push(worker);
    return worker;
  }

  #run(worker: PoolWorker, task: Task): void {
    worker.task = task;
    worker.thread.ref();
    try {
      worker.thread.postMessage({ id: task.id, source: task.source, args: task.args });
    } catch (err) {
      worker.task = null;
      worker.thread.unref();
      task.reject(err);
    }
  }

  #onReply(worker: PoolWorker, reply: Reply): void {
    const task = worker.task;
    if (task === null || task.id !== reply.id) return;
    worker.task = null;
    worker.thread.unref();
    if (reply.ok) task.resolve(reply.value);
    else task.reject(rebuildError(reply.error!));
    this.#dispatch();
    this.#stopIfDrained();
  }

  #onCrash(worker: PoolWorker, err: unknown): void {
    const index = this.#workers.indexOf(worker);
    if (index >= 0) this.#workers.splice(index, 1);
    worker.task?.reject(err);
    worker.task = null;
    this.#dispatch();
    this.#stopIfDrained();
  }
}
