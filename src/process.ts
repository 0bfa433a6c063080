/**
 * Tornado's `tornado.process`: several worker processes for one server, on `node:cluster`.
 *
 * Import it as `import * as tprocess from "tornado-ts/process"` or `import { process } from
 * "tornado-ts"` (the namespace shadows Node's global `process` where it is imported that way).
 *
 * Node cannot fork a running program as Python's `os.fork()` does: `node:cluster` starts each
 * worker as a new process that runs the program again from the top. So `fork_processes(n)` in
 * the primary starts the workers and returns `null` (Tornado's parent never returns; Node
 * cannot block, so the code after it goes on in the primary, which serves nothing); each worker
 * reaches the same call and gets its task id back instead of forking. The primary then
 * supervises: it restarts a worker that dies abnormally with the same task id, forwards
 * SIGTERM and SIGINT to the workers, and exits once they all have.
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism, constants } from "node:os";
import { gen_log } from "./log";
import { forwarded_signal, supervise_signals } from "./shutdown";

/** The environment variable that gives a worker its task id (set by the primary for each fork). */
const TASK_ID_ENV = "TORNADO_TASK_ID";
const SIGNALS = ["SIGTERM", "SIGINT"] as const;
/** Tornado's default for `max_restarts`. */
const DEFAULT_MAX_RESTARTS = 100;

/** A worker's word to the primary: it listens for forwarded signals from now on. */
interface ReadyMessage {
  tornado_process: "ready";
}
/** The primary's word to a worker: this signal was sent to the primary (`again`: not the first). */
interface SignalMessage {
  tornado_signal: NodeJS.Signals;
  again: boolean;
}

/** Returns the number of processors on this machine (`os.availableParallelism()`). Never throws. */
export function cpu_count(): number {
  return availableParallelism();
}

/**
 * Returns this process's task id, `0` to `n - 1`, in a worker started by `fork_processes` (a
 * restarted worker keeps the id of the one it replaces), or `null` in any other process (the
 * primary included). Never throws.
 */
export function task_id(): number | null {
  if (!cluster.isWorker) return null;
  const raw = process.env[TASK_ID_ENV];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

let supervisor: Supervisor | null = null;
let workerListening = false;

/**
 * Starts `num_processes` worker processes (one per CPU when it is `0`, `null` or negative) that
 * each run this program, and supervises them from this one, the primary.
 *
 * - In a worker, returns its task id (see `task_id()`) and forks nothing.
 * - In the primary, returns `null` at once; the program goes on there but should serve nothing
 *   (`HTTPServer.start` does not listen in the primary). A worker that exits with a non-zero
 *   status or is killed by a signal is logged (`gen_log` warning) and restarted with the same
 *   task id, at most `max_restarts` times in all (default 100); one more and the primary logs
 *   `Too many child restarts, giving up` and exits with status 1 (its workers then exit too).
 *   A worker that exits with status 0 is not restarted; once none is left, the primary exits 0.
 *   SIGTERM and SIGINT are forwarded to the workers, which shut down gracefully as a single
 *   process does (a second signal cuts them short); none is restarted meanwhile, and the
 *   primary exits once they all have: 0, or 128 + the signal's number after a second signal.
 *
 * @throws Error when called twice in the primary, or in a cluster worker not started by it.
 */
export function fork_processes(
  num_processes: number | null = null,
  max_restarts: number | null = DEFAULT_MAX_RESTARTS,
): number | null {
  if (cluster.isWorker) return workerTaskId();
  if (supervisor !== null) throw new Error("fork_processes() was already called in this process");
  const count = num_processes === null || num_processes <= 0 ? cpu_count() : num_processes;
  gen_log.info("Starting %d processes", count);
  supervisor = new Supervisor(max_restarts ?? DEFAULT_MAX_RESTARTS);
  supervisor.start(count);
  return null;
}

/** In a worker: listens for the signals the primary forwards (once), tells it so, returns the task id. */
function workerTaskId(): number {
  const id = task_id();
  if (id === null) throw new Error(`fork_processes() in a cluster worker without ${TASK_ID_ENV}`);
  if (!workerListening) {
    workerListening = true;
    process.on("message", onPrimaryMessage);
    const ready: ReadyMessage = { tornado_process: "ready" };
    process.send?.(ready);
  }
  return id;
}

function onPrimaryMessage(message: unknown): void {
  if (isMessage<SignalMessage>(message, "tornado_signal")) forwarded_signal(message.tornado_signal, message.again);
}

function isMessage<T>(message: unknown, key: keyof T): message is T {
  return typeof message === "object" && message !== null && key in message;
}

/** The primary's side: the workers by task id, their restarts, and the shutdown once a signal came. */
class Supervisor {
  readonly #tasks = new Map<Worker, number>();
  /** The workers that listen for forwarded signals (those that have called `fork_processes`). */
  readonly #ready = new Set<Worker>();
  readonly #max_restarts: number;
  #restarts = 0;
  /** The signals received so far, in order: a shutdown is under way once there is one. */
  readonly #signals: NodeJS.Signals[] = [];

  constructor(max_restarts: number) {
    this.#max_restarts = max_restarts;
  }

  /** Forks `count` workers, task ids 0 to count - 1, and takes SIGTERM/SIGINT over from the IOLoop's handlers. */
  start(count: number): void {
    supervise_signals();
    for (const signal of SIGNALS) process.on(signal, (received: NodeJS.Signals) => this.#onSignal(received));
    for (let id = 0; id < count; id++) this.#fork(id);
  }

  #fork(id: number): void {
    const worker = cluster.fork({ [TASK_ID_ENV]: String(id) });
    this.#tasks.set(worker, id);
    worker.on("message", (message: unknown) => this.#onMessage(worker, message));
    worker.on("exit", (code: number | null, signal: NodeJS.Signals | null) => this.#onExit(worker, code, signal));
    // A send to a worker that has just died fails with EPIPE; its exit is handled on its own.
    worker.on("error", (err: Error) => gen_log.debug("worker %d: %s", worker.process.pid, err.message));
  }

  #onMessage(worker: Worker, message: unknown): void {
    if (!isMessage<ReadyMessage>(message, "tornado_process")) return;
    this.#ready.add(worker);
    // A worker that was starting when the signals came gets them now.
    this.#signals.forEach((signal, index) => this.#tell(worker, signal, index > 0));
  }

  #tell(worker: Worker, signal: NodeJS.Signals, again: boolean): void {
    if (!worker.isConnected()) return;
    const message: SignalMessage = { tornado_signal: signal, again };
    worker.send(message);
  }

  #onSignal(signal: NodeJS.Signals): void {
    const again = this.#signals.length > 0;
    this.#signals.push(signal);
    if (again) {
      gen_log.warning("%s received again: telling the %d worker(s) to exit at once", signal, this.#tasks.size);
    } else {
      gen_log.info("%s received: asking the %d worker(s) to shut down gracefully", signal, this.#tasks.size);
    }
    for (const worker of this.#ready) this.#tell(worker, signal, again);
  }

  #onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const id = this.#tasks.get(worker)!;
    const pid = worker.process.pid ?? 0;
    this.#tasks.delete(worker);
    this.#ready.delete(worker);
    if (this.#signals.length > 0) {
      gen_log.info("child %d (pid %d) exited (%s) during shutdown", id, pid, signal ?? `status ${code}`);
    } else if (signal !== null) {
      gen_log.warning("child %d (pid %d) killed by signal %d, restarting", id, pid, constants.signals[signal]);
    } else if (code !== 0) {
      gen_log.warning("child %d (pid %d) exited with status %d, restarting", id, pid, code);
    } else {
      gen_log.info("child %d (pid %d) exited normally", id, pid);
    }
    const abnormal = signal !== null || code !== 0;
    if (this.#signals.length > 0 || !abnormal) {
      if (this.#tasks.size === 0) this.#exit();
      return;
    }
    if (++this.#restarts > this.#max_restarts) {
      gen_log.error("Too many child restarts, giving up (max_restarts = %d)", this.#max_restarts);
      process.exit(1);
    }
    this.#fork(id);
  }

  /** Exits once every worker has: 0, or 128 + the second signal's number when the shutdown was cut short. */
  #exit(): void {
    const second = this.#signals[1];
    process.exit(second === undefined ? 0 : 128 + constants.signals[second]);
  }
}
