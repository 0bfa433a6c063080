/**
 * Graceful shutdown on SIGTERM and SIGINT, for a process whose `IOLoop` runs.
 *
 * `IOLoop.start()` installs the listeners and `IOLoop.stop()` removes them, so a program that
 * never starts the loop keeps Node's default (the signal kills it). While the loop runs:
 *
 * - the first signal stops the loop (`IOLoop.stop()`), which shuts every listening
 *   `HTTPServer` down gracefully (`HTTPServer.shutdown`: no new connections, requests in flight
 *   finish with `Connection: close`, WebSockets get 1001). The process then ends by itself,
 *   with status 0, once nothing holds it. Should something still hold it when the longest
 *   `shutdown_grace_period` has passed (10 s by default), the servers have already closed
 *   what they had left; the process logs that and exits with status 0 all the same: it did
 *   what it was asked.
 * - a second signal (either one) during that time closes every connection at once and exits
 *   with 128 + the signal's number, 143 for SIGTERM and 130 for SIGINT: the shell's status
 *   for a process ended by that signal, so a supervisor sees it was cut short, not drained.
 *
 * With `fork_processes` (process.ts), the primary installs none of these: it forwards each
 * signal to its workers, where `forwarded_signal` acts as the signal itself would.
 */
import cluster from "node:cluster";
import { constants } from "node:os";
import { gen_log } from "./log";

/** What the signal listeners need from the `IOLoop` (a type, to keep this module free of an import cycle). */
export interface ShutdownLoop {
  stop(): void;
  _shutdown_grace_period(): number;
  _stopped(): Promise<void>;
  _close_all_connections(): void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** The loop whose `start()` installed the first-signal listeners, or null. */
let installed: ShutdownLoop | null = null;
/** The loop being shut down by a signal, or null. */
let shuttingDown: ShutdownLoop | null = null;
/** True in the primary of `fork_processes`, which forwards the signals instead (see process.ts). */
let supervising = false;
/**
 * The signal the primary forwarded to start this worker's shutdown, until this worker receives
 * it itself: a terminal sends Ctrl-C's SIGINT to the primary and to every worker at once, and
 * that copy is the same request, not a second one.
 */
let absorbed: NodeJS.Signals | null = null;

/** Installs the first-signal listeners for `loop` (called by `IOLoop.start()`); does nothing when installed. Never throws. */
export function install_signal_handlers(loop: ShutdownLoop): void {
  if (installed !== null || shuttingDown !== null || supervising) return;
  installed = loop;
  for (const signal of SIGNALS) process.on(signal, onFirstSignal);
}

/** Removes the first-signal listeners of `loop` (called by `IOLoop.stop()`); the second-signal ones stay until the process ends. Never throws. */
export function remove_signal_handlers(loop: ShutdownLoop): void {
  if (installed !== loop) return;
  installed = null;
  for (const signal of SIGNALS) process.off(signal, onFirstSignal);
}

/**
 * Makes this process the primary of `fork_processes`: from now on `IOLoop.start()` installs no
 * signal listeners here, the primary forwards the signals to its workers. Never throws.
 */
export function supervise_signals(): void {
  supervising = true;
  if (installed !== null) remove_signal_handlers(installed);
}

/**
 * Acts on a signal the primary of `fork_processes` received and forwarded to this worker
 * (`again`: it is not the first). A first one starts the graceful shutdown unless it is under
 * way already; another cuts it short. Where the loop does not run, the signal is raised in
 * this process, whose own listeners (or Node's default, ending it) then act. Never throws.
 */
export function forwarded_signal(signal: NodeJS.Signals, again: boolean): void {
  if (shuttingDown !== null) {
    if (again) onSecondSignal(signal);
  } else if (installed !== null) {
    onFirstSignal(signal);
    absorbed = signal;
  } else {
    process.kill(process.pid, signal);
  }
}

function onFirstSignal(signal: NodeJS.Signals): void {
  const loop = installed;
  if (loop === null) return;
  const grace = loop._shutdown_grace_period();
  gen_log.info("%s received: shutting down gracefully (at most %s s; send it again to exit at once)", signal, grace);
  shuttingDown = loop;
  remove_signal_handlers(loop);
  for (const each of SIGNALS) process.on(each, onDirectSecondSignal);
  // A cluster worker's channel to its primary holds it; let the drained worker end by itself.
  if (cluster.isWorker) process.channel?.unref();
  loop.stop();
  // Created after the servers' own grace timers, with the same delay: those cut what they had
  // left first. Unref'd: when nothing else holds the process, it ends by itself.
  const exit = setTimeout(exitAfterGrace, grace * 1000, signal, grace);
  exit.unref();
  void loop._stopped().then(() => gen_log.info("Servers closed"));
}

function exitAfterGrace(signal: NodeJS.Signals, grace: number): void {
  gen_log.warning(
    "Still running %s s after %s (something other than the servers holds the process): exiting",
    grace,
    signal,
  );
  process.exit(0);
}

function onDirectSecondSignal(signal: NodeJS.Signals): void {
  if (absorbed === signal) {
    absorbed = null;
    return;
  }
  onSecondSignal(signal);
}

function onSecondSignal(signal: NodeJS.Signals): void {
  const status = 128 + constants.signals[signal];
  gen_log.warning("%s received again: closing every connection and exiting at once (status %d)", signal, status);
  shuttingDown?._close_all_connections();
  process.exit(status);
}
