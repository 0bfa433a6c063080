/**
 * Restarts the program when one of its source files changes, as Tornado's `tornado.autoreload`.
 * Turned on by the `autoreload` (or `debug`) application setting; meant for development only.
 *
 * Every `check_time` milliseconds the files of the loaded modules (outside `node_modules`) and
 * those given to `watch()` are checked. When one has changed, the reload hooks run, the servers
 * of `IOLoop.current()` are stopped, and the program is started again with the same arguments
 * and options. Node cannot replace a running process as Python's `os.execv` does, so the old
 * process stays as a thin parent: it waits for the new one, passes it SIGINT/SIGTERM, and exits
 * with its exit code.
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { IOLoop } from "./ioloop";
import { gen_log } from "./log";

const watched = new Set<string>();
const hooks: Array<() => void> = [];
const modified = new Map<string, number>();
let timer: NodeJS.Timeout | null = null;

/** Starts watching (once; later calls do nothing). `check_time` is in milliseconds. */
export function start(check_time = 500): void {
  if (timer !== null) return;
  check();
  timer = setInterval(check, check_time);
  timer.unref();
}

/** Also restart when `filename` (a template, a config file...) changes. */
export function watch(filename: string): void {
  watched.add(filename);
}

/** Runs `fn` just before a restart (to close files, flush logs...). */
export function add_reload_hook(fn: () => void): void {
  hooks.push(fn);
}

function sourceFiles(): string[] {
  const loaded = Object.keys(require.cache).filter((file) => !file.includes("/node_modules/"));
  return [...loaded, ...watched];
}

function mtimeOf(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function check(): void {
  for (const file of sourceFiles()) {
    const mtime = mtimeOf(file);
    if (mtime === null) continue;
    const known = modified.get(file);
    if (known === undefined) {
      modified.set(file, mtime);
    } else if (mtime !== known) {
      gen_log.info("%s modified; restarting server", file);
      reload();
      return;
    }
  }
}

function reload(): void {
  if (timer !== null) clearInterval(timer);
  for (const hook of hooks) hook();
  IOLoop.current().stop();
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
