/**
 * Log files that rotate, as Python's `RotatingFileHandler` (by size) and
 * `TimedRotatingFileHandler` (by time) do for Tornado's `--log_file_prefix`. Lines are
 * written synchronously, as Python's handlers write, so nothing is lost when the process exits.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** Writes text to a file, rotating it when it is due. */
export interface LogFile {
  /** Appends `text` (UTF-8), rotating first if the file is due. */
  write(text: string): void;
  /** Closes the file; further writes reopen it. */
  close(): void;
}

/**
 * Python's `RotatingFileHandler`: before a write that would bring `path` to `maxBytes` or
 * more, `path.1` ... `path.N` move up one (the oldest dropped), `path` becomes `path.1` and a
 * new `path` starts. With `maxBytes` or `backupCount` 0 the file never rotates.
 */
export class SizeRotatingFile implements LogFile {
  #fd: number | undefined;
  #size = 0;

  /** Opens nothing yet: the file is opened (for appending) on the first write. Never throws. */
  constructor(
    /** The file written to. */
    readonly path: string,
    /** The size in bytes at which the file rotates. */
    readonly maxBytes: number,
    /** How many rotated files are kept. */
    readonly backupCount: number,
  ) {}

  /** Appends `text`, rotating first when it would reach `maxBytes`. @throws Error when the file cannot be written. */
  write(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    if (this.#fd === undefined) this.#open();
    if (this.maxBytes > 0 && this.backupCount > 0 && this.#size > 0 && this.#size + bytes.length >= this.maxBytes)
      this.#rotate();
    writeSync(this.#fd as number, bytes);
    this.#size += bytes.length;
  }

  /** Closes the file. Never throws. */
  close(): void {
    if (this.#fd !== undefined) closeQuietly(this.#fd);
    this.#fd = undefined;
  }

  #open(): void {
    this.#fd = openSync(this.path, "a");
    this.#size = fstatSync(this.#fd).size;
  }

  #rotate(): void {
    this.close();
    for (let i = this.backupCount - 1; i >= 1; i--) moveOver(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    moveOver(this.path, `${this.path}.1`);
    this.#open();
  }
}

/** The interval and rotated-file suffix of each `when` of `TimedRotatingFile` (W0-W6 share W). */
const WHEN: Readonly<Record<string, { seconds: number; suffix: string }>> = {
  S: { seconds: 1, suffix: "%Y-%m-%d_%H-%M-%S" },
  M: { seconds: 60, suffix: "%Y-%m-%d_%H-%M" },
  H: { seconds: 3600, suffix: "%Y-%m-%d_%H" },
  D: { seconds: 86400, suffix: "%Y-%m-%d" },
  MIDNIGHT: { seconds: 86400, suffix: "%Y-%m-%d" },
  W: { seconds: 7 * 86400, suffix: "%Y-%m-%d" },
};

/**
 * Python's `TimedRotatingFileHandler` (local time): `when` is `S`, `M`, `H`, `D` (every
 * `interval` of those), `midnight` (at local midnight, every `interval` days) or `W0`-`W6` (at
 * midnight before that weekday, Monday = 0). On rotation `path` is renamed `path.<date>` (the
 * start of the period it covers) and only the newest `backupCount` of those are kept (all of
 * them when 0).
 */
export class TimedRotatingFile implements LogFile {
  readonly #when: string;
  readonly #weekday: number;
  readonly #intervalMs: number;
  readonly #suffix: string;
  #fd: number | undefined;
  #rolloverAt: number;

  /**
   * Computes the first rotation time from the file's modification time (or now).
   * @throws Error for a `when` that is none of these.
   */
  constructor(
    /** The file written to. */
    readonly path: string,
    when: string,
    interval: number,
    /** How many rotated files are kept; 0 keeps all. */
    readonly backupCount: number,
    /** The clock, in milliseconds since the epoch (tests pass their own). */
    readonly now: () => number = Date.now,
  ) {
    this.#when = when.toUpperCase();
    const weekly = /^W[0-6]$/.test(this.#when);
    const spec = WHEN[weekly ? "W" : this.#when];
    if (spec === undefined) throw new Error(`Invalid rollover interval specified: ${when}`);
    this.#weekday = weekly ? Number(this.#when[1]) : -1;
    this.#intervalMs = spec.seconds * 1000 * (weekly ? 1 : interval);
    this.#suffix = spec.suffix;
    this.#rolloverAt = this.#computeRollover(existsSync(path) ? statSync(path).mtimeMs : this.now());
  }

  /** Appends `text`, rotating first when the rotation time has passed. @throws Error when the file cannot be written. */
  write(text: string): void {
    const now = this.now();
    if (now >= this.#rolloverAt) this.#rotate(now);
    if (this.#fd === undefined) this.#fd = openSync(this.path, "a");
    writeSync(this.#fd, Buffer.from(text, "utf8"));
  }

  /** Closes the file. Never throws. */
  close(): void {
    if (this.#fd !== undefined) closeQuietly(this.#fd);
    this.#fd = undefined;
  }

  #computeRollover(fromMs: number): number {
    if (this.#when !== "MIDNIGHT" && this.#weekday < 0) return fromMs + this.#intervalMs;
    const midnight = new Date(fromMs);
    midnight.setHours(24, 0, 0, 0);
    if (this.#weekday < 0) return midnight.getTime() + this.#intervalMs - 86400000;
    const today = (new Date(fromMs).getDay() + 6) % 7;
    let days = this.#weekday - today;
    if (days < 0) days += 7;
    midnight.setDate(midnight.getDate() + days);
    return midnight.getTime();
  }

  #rotate(now: number): void {
    this.close();
    const periodStart = this.#rolloverAt - (this.#weekday < 0 ? this.#intervalMs : 7 * 86400000);
    if (existsSync(this.path)) moveOver(this.path, `${this.path}.${strftime(this.#suffix, new Date(periodStart))}`);
    if (this.backupCount > 0) this.#deleteOldest();
    let next = this.#computeRollover(now);
    while (next <= now) next += this.#intervalMs;
    this.#rolloverAt = next;
  }

  #deleteOldest(): void {
    const prefix = `${basename(this.path)}.`;
    const pattern = new RegExp(`^${strftime(this.#suffix, new Date(0)).replace(/\d/g, "\\d")}$`);
    const rotated = readdirSync(dirname(this.path))
      .filter((name) => name.startsWith(prefix) && pattern.test(name.slice(prefix.length)))
      .sort();
    for (const name of rotated.slice(0, Math.max(0, rotated.length - this.backupCount)))
      unlinkSync(join(dirname(this.path), name));
  }
}

function moveOver(from: string, to: string): void {
  if (!existsSync(from)) return;
  if (existsSync(to)) unlinkSync(to);
  renameSync(from, to);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing left to release.
  }
}

function strftime(format: string, date: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  const fields: Record<string, string> = {
    Y: String(date.getFullYear()),
    m: two(date.getMonth() + 1),
    d: two(date.getDate()),
    H: two(date.getHours()),
    M: two(date.getMinutes()),
    S: two(date.getSeconds()),
  };
  return format.replace(/%([YmdHMS])/g, (_spec, field: string) => fields[field]);
}
