/**
 * Logging for tornado-ts: a small slice of Python's `logging` module, enough for Tornado's
 * three loggers and its `LogFormatter`.
 *
 * - `tornado.access`: one line per finished HTTP request.
 * - `tornado.application`: errors raised by application code (handlers, callbacks).
 * - `tornado.general`: everything else Tornado itself has to say.
 *
 * Loggers form a dotted hierarchy under a root logger. A record passes the level check, then
 * the filters of the logger it was logged on, then reaches the handlers of that logger and of
 * each ancestor until one has `propagate` off. Handlers are plain functions.
 *
 * As in Tornado, nothing is formatted until `enable_pretty_logging()` installs a handler: the
 * root logger starts at WARNING with no handler, so warnings and errors reach stderr as bare
 * messages (Python's `logging.lastResort`) and INFO/DEBUG calls return before building anything.
 */
import { inspect } from "node:util";
import { SizeRotatingFile, TimedRotatingFile, type LogFile } from "./log-file";
import { defineLoggingOptions, type LoggingOptionsParser } from "./log-options";

/** Level of detailed diagnostic records. */
export const DEBUG = 10;
/** Level of routine records, such as access lines for successful requests. */
export const INFO = 20;
/** Level of records about something unexpected that was handled. */
export const WARNING = 30;
/** Level of records about a failure. */
export const ERROR = 40;
/** Level of records about a failure the program may not survive. */
export const CRITICAL = 50;

/** The name of a level, as accepted by `Logger.setLevel`. */
export type LevelName = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** A level: its number, or its name in upper or lower case. */
export type Level = number | LevelName | Lowercase<LevelName>;

const LEVEL_NAMES: Readonly<Record<number, LevelName>> = {
  [DEBUG]: "DEBUG",
  [INFO]: "INFO",
  [WARNING]: "WARNING",
  [ERROR]: "ERROR",
  [CRITICAL]: "CRITICAL",
};

const LEVELS_BY_NAME: ReadonlyMap<string, number> = new Map(
  Object.entries(LEVEL_NAMES).map(([number, name]) => [name, Number(number)]),
);

/** One logged event, as handlers and filters receive it. */
export interface LogRecord {
  /** The name of the logger the record was logged on. */
  name: string;
  /** The level number. */
  levelno: number;
  /** The level name (`"INFO"`), or `"Level N"` for a level without a name. */
  levelname: string;
  /** The message with its arguments already %-formatted in. */
  message: string;
  /** When the record was made, in milliseconds since the Unix epoch. */
  created: number;
  /** The error attached with `exc_info(err)`, if any. */
  exc_info?: unknown;
}

/** Receives every record that reaches the logger it is added to. */
export type LogHandler = (record: LogRecord) => void;

/** Decides whether a record goes on: `false` drops it. */
export type LogFilter = (record: LogRecord) => boolean;

/** Wraps an error so that, passed as a logging call's last argument, it becomes `record.exc_info`. */
export class ExcInfo {
  /** Wraps `error`, the value that was thrown. */
  constructor(
    /** The value that was thrown, logged with its stack when it has one. */
    readonly error: unknown,
  ) {}
}

/**
 * Marks `err` as the error of a logging call, Python's `exc_info=...`:
 * `app_log.error("Exception in callback %s", name, exc_info(err))`. Never throws.
 */
export function exc_info(err: unknown): ExcInfo {
  return new ExcInfo(err);
}

function levelName(level: number): string {
  return LEVEL_NAMES[level] ?? `Level ${level}`;
}

function levelNumber(level: Level): number {
  if (typeof level === "number") return level;
  const number = LEVELS_BY_NAME.get(level.toUpperCase());
  if (number === undefined) throw new Error(`Unknown level: '${level}'`);
  return number;
}

const CONVERSION = /%([-0]*)(\d*)(?:\.(\d+))?([sdirf%])/g;

/**
 * Python's `msg % args` for the conversions Tornado uses: `%s` (`String(x)`), `%d`/`%i`
 * (integer, truncated), `%r` (strings as JSON, anything else as `util.inspect` shows it),
 * `%f` (6 decimals, or `%.Nf`), `%%`; an optional `-`/`0` flag and width pad the result.
 * A conversion without an argument is left as written and extra arguments are ignored, where
 * Python would raise. Never throws.
 */
export function percent_format(msg: string, args: readonly unknown[]): string {
  let next = 0;
  return msg.replace(
    CONVERSION,
    (spec: string, flags: string, width: string, precision: string | undefined, conversion: string) => {
      if (conversion === "%") return "%";
      if (next >= args.length) return spec;
      return pad(convert(conversion, args[next++], precision), flags, Number(width), conversion);
    },
  );
}

function convert(conversion: string, value: unknown, precision: string | undefined): string {
  try {
    if (conversion === "f") return toFixed(Number(value), Math.min(Number(precision ?? 6), 99));
    if (conversion === "d" || conversion === "i")
      return typeof value === "bigint" ? value.toString() : String(Math.trunc(Number(value)));
    const text = conversion === "r" ? repr(value) : String(value);
    return precision === undefined ? text : text.slice(0, Number(precision));
  } catch {
    return inspect(value);
  }
}

/** `x.toFixed(digits)`, except that an exact tie rounds to even, as Python's `%f` does. */
function toFixed(x: number, digits: number): string {
  const exact = Math.abs(x).toFixed(100);
  const cut = exact.indexOf(".") + 1 + digits;
  if (!/^50*$/.test(exact.slice(cut))) return x.toFixed(digits);
  const truncated = exact.slice(0, digits === 0 ? cut - 1 : cut);
  if (Number(truncated[truncated.length - 1]) % 2 === 1) return x.toFixed(digits);
  return (x < 0 ? "-" : "") + truncated;
}

function repr(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : inspect(value);
}

function pad(text: string, flags: string, width: number, conversion: string): string {
  if (text.length >= width) return text;
  if (flags.includes("-")) return text.padEnd(width);
  if (!flags.includes("0") || conversion === "s" || conversion === "r") return text.padStart(width);
  const sign = text.startsWith("-") ? "-" : "";
  return sign + text.slice(sign.length).padStart(width - sign.length, "0");
}

function makeRecord(name: string, level: number, msg: string, args: readonly unknown[]): LogRecord {
  const last = args[args.length - 1];
  const formatArgs = last instanceof ExcInfo ? args.slice(0, -1) : args;
  const record: LogRecord = {
    name,
    levelno: level,
    levelname: levelName(level),
    message: formatArgs.length === 0 ? msg : percent_format(msg, formatArgs),
    created: Date.now(),
  };
  if (last instanceof ExcInfo) record.exc_info = last.error;
  return record;
}

/** Runs a handler or filter; an exception is reported on stderr, as Python does, and swallowed. */
function guarded<T>(fn: (record: LogRecord) => T, record: LogRecord): T | undefined {
  try {
    return fn(record);
  } catch (err) {
    reportLoggingError(err);
    return undefined;
  }
}

function reportLoggingError(err: unknown): void {
  try {
    process.stderr.write(`--- Logging error ---\n${describe(err)}\n`);
  } catch {
    // stderr itself failed: there is nowhere left to report to.
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? value : inspect(value);
}

/** Records at this level or above reach stderr even when no handler is configured. */
const LAST_RESORT_LEVEL = WARNING;

/**
 * Python's `logging.lastResort`: the bare message (and the attached error on the next lines),
 * no prefix, color or date, to whatever `process.stderr` is at the time.
 */
function lastResort(record: LogRecord): void {
  const text =
    record.exc_info === undefined
      ? record.message
      : `${record.message.replace(/\n$/, "")}\n${describe(record.exc_info)}`;
  process.stderr.write(`${text}\n`);
}

/** A named channel of log records, Python's `logging.Logger`. Get one with `getLogger(name)`. */
export class Logger {
  /** The threshold of this logger; 0 means "use the parent's". */
  level = 0;
  /** Whether records go on to the parent's handlers after this logger's own. */
  propagate = true;
  /** The handlers of this logger, in the order they are called. */
  readonly handlers: LogHandler[] = [];
  /** The filters of this logger, in the order they are asked. */
  readonly filters: LogFilter[] = [];

  /**
   * Makes a logger outside the `getLogger` registry (as Python's `logging.Logger(name)`):
   * handy for tests. `parent` is where records propagate to.
   */
  constructor(
    /** The dotted name, as given to `getLogger` (`"tornado.access"`); "" for the root logger. */
    readonly name: string,
    /** The logger records propagate to after this one's handlers; null for the root. */
    public parent: Logger | null = null,
  ) {}

  /**
   * Sets this logger's threshold.
   * @throws Error `Unknown level: 'X'` for a name that is not a level.
   */
  setLevel(level: Level): void {
    this.level = levelNumber(level);
  }

  /** The threshold in force: this logger's level, else the nearest ancestor's; 0 if none is set. */
  getEffectiveLevel(): number {
    for (let logger: Logger | null = this; logger !== null; logger = logger.parent) {
      if (logger.level !== 0) return logger.level;
    }
    return 0;
  }

  /** Whether a record at `level` would pass the threshold. Cheap: call it before costly formatting. */
  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
  }

  /** Adds `handler` (once: adding it again does nothing). */
  addHandler(handler: LogHandler): void {
    if (!this.handlers.includes(handler)) this.handlers.push(handler);
  }

  /** Removes `handler`; does nothing if it was not added. */
  removeHandler(handler: LogHandler): void {
    const index = this.handlers.indexOf(handler);
    if (index !== -1) this.handlers.splice(index, 1);
  }

  /** Adds `filter` (once). It sees only records logged on this very logger, not on its children. */
  addFilter(filter: LogFilter): void {
    if (!this.filters.includes(filter)) this.filters.push(filter);
  }

  /** Removes `filter`; does nothing if it was not added. */
  removeFilter(filter: LogFilter): void {
    const index = this.filters.indexOf(filter);
    if (index !== -1) this.filters.splice(index, 1);
  }

  /**
   * Whether a record at `level` logged here would reach anything: it passes the threshold, and a
   * filter of this logger, a handler up the tree or the last resort (WARNING and above, when
   * there is no handler) would see it. Cheap: the logging methods ask it before they build anything.
   */
  wouldLog(level: number): boolean {
    if (level < this.getEffectiveLevel()) return false;
    return level >= LAST_RESORT_LEVEL || this.filters.length > 0 || this.hasHandlers();
  }

  /** Whether this logger or an ancestor it propagates to has a handler, Python's `hasHandlers()`. */
  hasHandlers(): boolean {
    for (let logger: Logger | null = this; logger !== null; logger = logger.propagate ? logger.parent : null) {
      if (logger.handlers.length > 0) return true;
    }
    return false;
  }

  // The logging methods below declare `...args` but read `arguments`, and only once `wouldLog`
  // said yes: a rest parameter would allocate its array on every call, even a disabled one.

  /**
   * Logs `msg % args` at `level`. A last argument made by `exc_info(err)` is not a format
   * argument: it becomes `record.exc_info`. Nothing is formatted or built unless `wouldLog(level)`.
   * With no handler up the tree, a WARNING or worse is written to stderr as the bare message
   * (Python's `logging.lastResort`). Never throws.
   */
  log(level: number, msg: string, ...args: unknown[]): void;
  log(level: number, msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(level)) this.#emit(level, msg, arguments, 2);
  }

  /** Logs at DEBUG; see `log`. */
  debug(msg: string, ...args: unknown[]): void;
  debug(msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(DEBUG)) this.#emit(DEBUG, msg, arguments, 1);
  }

  /** Logs at INFO; see `log`. */
  info(msg: string, ...args: unknown[]): void;
  info(msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(INFO)) this.#emit(INFO, msg, arguments, 1);
  }

  /** Logs at WARNING; see `log`. */
  warning(msg: string, ...args: unknown[]): void;
  warning(msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(WARNING)) this.#emit(WARNING, msg, arguments, 1);
  }

  /** Logs at ERROR; see `log`. */
  error(msg: string, ...args: unknown[]): void;
  error(msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(ERROR)) this.#emit(ERROR, msg, arguments, 1);
  }

  /** Logs at CRITICAL; see `log`. */
  critical(msg: string, ...args: unknown[]): void;
  critical(msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(CRITICAL)) this.#emit(CRITICAL, msg, arguments, 1);
  }

  /**
   * Logs at ERROR, as `error`. JavaScript has no "current exception", so pass the error
   * explicitly as the last argument: `logger.exception("failed", exc_info(err))`.
   */
  exception(msg: string, ...args: unknown[]): void;
  exception(msg: string): void {
    // eslint-disable-next-line prefer-rest-params -- read after the check: a disabled call allocates nothing
    if (this.wouldLog(ERROR)) this.#emit(ERROR, msg, arguments, 1);
  }

  #emit(level: number, msg: string, args: IArguments, first: number): void {
    const record = makeRecord(this.name, level, msg, Array.prototype.slice.call(args, first));
    for (const filter of this.filters) {
      if (guarded(filter, record) === false) return;
    }
    this.#callHandlers(record);
  }

  #callHandlers(record: LogRecord): void {
    let found = false;
    for (let logger: Logger | null = this; logger !== null; logger = logger.propagate ? logger.parent : null) {
      for (const handler of logger.handlers) {
        found = true;
        guarded(handler, record);
      }
    }
    if (!found && record.levelno >= LAST_RESORT_LEVEL) guarded(lastResort, record);
  }
}

const root = new Logger("root");
const registry = new Map<string, Logger>();

/**
 * The logger called `name`, made on first use along with its dotted ancestors
 * (`tornado.access` -> `tornado` -> root). No name (or `""`) gives the root logger. Never throws.
 */
export function getLogger(name = ""): Logger {
  if (name === "") return root;
  let logger = registry.get(name);
  if (logger === undefined) {
    const dot = name.lastIndexOf(".");
    logger = new Logger(name, dot > 0 ? getLogger(name.slice(0, dot)) : root);
    registry.set(name, logger);
  }
  return logger;
}

/** Per-request lines of the HTTP server (`tornado.access`). */
export const access_log = getLogger("tornado.access");
/** Errors from application code: handlers, callbacks (`tornado.application`). */
export const app_log = getLogger("tornado.application");
/** Everything else Tornado reports (`tornado.general`). */
export const gen_log = getLogger("tornado.general");

const COLOR_CODES: Readonly<Record<number, number>> = {
  [DEBUG]: 4, // blue
  [INFO]: 2, // green
  [WARNING]: 3, // yellow
  [ERROR]: 1, // red
  [CRITICAL]: 5, // magenta
};
const END_COLOR = "\x1b[0m";

const two = (n: number): string => String(n).padStart(2, "0");
const DATE_FIELDS: Readonly<Record<string, (date: Date) => string>> = {
  y: (date) => two(date.getFullYear() % 100),
  Y: (date) => String(date.getFullYear()),
  m: (date) => two(date.getMonth() + 1),
  d: (date) => two(date.getDate()),
  H: (date) => two(date.getHours()),
  M: (date) => two(date.getMinutes()),
  S: (date) => two(date.getSeconds()),
  "%": () => "%",
};

function strftime(format: string, date: Date): string {
  return format.replace(/%([yYmdHMS%])/g, (_spec, field: string) => DATE_FIELDS[field](date));
}

function isTTY(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Options of `LogFormatter`. */
export interface LogFormatterOptions {
  /** Color the `[L date name]` prefix by level with ANSI codes. Default: whether stderr is a TTY. */
  color?: boolean;
  /** strftime-style date format, in local time: `%y %Y %m %d %H %M %S %%`. Default `%y%m%d %H:%M:%S`. */
  datefmt?: string;
}

/**
 * Tornado's log line: `[I 261125 18:34:21 tornado.access] 200 GET / (127.0.0.1) 0.52ms`.
 * The level's initial, the local date, then the logger name (where Python shows module:lineno).
 */
export class LogFormatter {
  /** The date format in use. */
  readonly datefmt: string;
  /** Whether the prefix is colored. */
  readonly color: boolean;

  /** Makes a formatter; see `LogFormatterOptions` for the defaults. Never throws. */
  constructor(options: LogFormatterOptions = {}) {
    this.datefmt = options.datefmt ?? "%y%m%d %H:%M:%S";
    this.color = options.color ?? process.stderr.isTTY === true;
  }

  /**
   * Formats `record` as one line, followed by the attached error (for an Error, its stack and
   * any cause, as `util.inspect` shows it) on the next lines. Every line after the first is
   * indented four spaces. Never throws.
   */
  format(record: LogRecord): string {
    const prefix = `[${record.levelname.charAt(0)} ${strftime(this.datefmt, new Date(record.created))} ${record.name}]`;
    const code = this.color ? COLOR_CODES[record.levelno] : undefined;
    let text = `${code === undefined ? prefix : `\x1b[3${code}m${prefix}${END_COLOR}`} ${record.message}`;
    if (record.exc_info !== undefined) text = `${text.trimEnd()}\n${describe(record.exc_info)}`;
    return text.replace(/\n/g, "\n    ");
  }
}

/**
 * Options of `enable_pretty_logging`: ours (`level`, `logger`, `stream`) and Tornado's logging
 * options, so that the global `options` of `tornado-ts/options` can be passed as it is.
 */
export interface PrettyLoggingOptions {
  /** The threshold to set (default INFO); `"none"` (any case) or null leaves logging untouched, as `--logging=none`. */
  level?: Level | "none" | "NONE" | null;
  /** Tornado's name for `level` (`--logging=debug`); wins over `level` when given. */
  logging?: Level | "none" | "NONE" | null;
  /** The logger to configure (default the root logger). */
  logger?: Logger;
  /** Where lines go (default process.stderr); colored when it is a TTY. */
  stream?: NodeJS.WritableStream;
  /** Also write uncolored lines to this file (`--log_file_prefix`), rotated as `log_rotate_mode` says. */
  log_file_prefix?: string | null;
  /** `"size"` (default) or `"time"`. */
  log_rotate_mode?: string;
  /** Size rotation: the file rotates before it would reach this many bytes (default 100 MB). */
  log_file_max_size?: number;
  /** How many rotated files are kept (default 10). */
  log_file_num_backups?: number;
  /** Time rotation: `S`, `M`, `H`, `D`, `midnight` (default) or `W0`-`W6`. */
  log_rotate_when?: string;
  /** Time rotation: how many `log_rotate_when` units between rotations (default 1). */
  log_rotate_interval?: number;
  /**
   * Whether lines also go to `stream`: true always, false never, null (Tornado's default, as
   * the global options pass it) only when the logger has no other handler; absent: unless
   * `log_file_prefix` is given.
   */
  log_to_stderr?: boolean | null;
}

const prettyHandlers = new WeakMap<Logger, LogHandler>();
const fileHandlers = new WeakMap<Logger, { handler: LogHandler; file: LogFile }>();

/** `options[key]`, or undefined when `options` has no such key (the options parser throws on unknown names). */
function field<K extends keyof PrettyLoggingOptions>(options: PrettyLoggingOptions, key: K): PrettyLoggingOptions[K] {
  return key in options ? options[key] : undefined;
}

/**
 * Sends `LogFormatter` lines of `logger` to `stream` (and to `log_file_prefix`, when given) and
 * sets its level. Calling it again replaces the handlers it installed before (idempotent); other
 * handlers are left alone. Until a program calls it (`parse_command_line()` does), only WARNING
 * and worse is written, as the bare message. Call it once at startup, as `log.enable_pretty_logging()`.
 * @throws Error `Unknown level: 'X'` for an unknown level name, or for a `log_rotate_mode`
 * other than "size" and "time".
 */
export function enable_pretty_logging(options: PrettyLoggingOptions = {}): void {
  const level = "logging" in options ? field(options, "logging") : field(options, "level");
  if (level === null || (level !== undefined && isNone(level))) return;
  const logger = field(options, "logger") ?? root;
  logger.setLevel(level ?? INFO);
  const prefix = field(options, "log_file_prefix");
  installFileHandler(logger, prefix ? openLogFile(prefix, options) : undefined);
  const toStderr = field(options, "log_to_stderr");
  const others = logger.handlers.filter((handler) => handler !== prettyHandlers.get(logger));
  if (toStderr === true || (toStderr === null && others.length === 0) || (toStderr === undefined && !prefix))
    installPrettyHandler(logger, field(options, "stream") ?? process.stderr);
  else removePrettyHandler(logger);
}

function openLogFile(path: string, options: PrettyLoggingOptions): LogFile {
  const mode = field(options, "log_rotate_mode") ?? "size";
  const backups = field(options, "log_file_num_backups") ?? 10;
  if (mode === "size") return new SizeRotatingFile(path, field(options, "log_file_max_size") ?? 100e6, backups);
  if (mode === "time")
    return new TimedRotatingFile(
      path,
      field(options, "log_rotate_when") ?? "midnight",
      field(options, "log_rotate_interval") ?? 1,
      backups,
    );
  throw new Error(`The value of log_rotate_mode option should be "size" or "time", not "${mode}".`);
}

function isNone(level: Level | "none" | "NONE"): level is "none" | "NONE" {
  return typeof level === "string" && level.toLowerCase() === "none";
}

function removePrettyHandler(logger: Logger): void {
  const previous = prettyHandlers.get(logger);
  if (previous !== undefined) logger.removeHandler(previous);
  prettyHandlers.delete(logger);
}

function installPrettyHandler(logger: Logger, stream: NodeJS.WritableStream): void {
  removePrettyHandler(logger);
  const formatter = new LogFormatter({ color: isTTY(stream) });
  const handler: LogHandler = (record) => {
    stream.write(`${formatter.format(record)}\n`);
  };
  prettyHandlers.set(logger, handler);
  logger.addHandler(handler);
}

function installFileHandler(logger: Logger, file: LogFile | undefined): void {
  const previous = fileHandlers.get(logger);
  if (previous !== undefined) {
    logger.removeHandler(previous.handler);
    previous.file.close();
    fileHandlers.delete(logger);
  }
  if (file === undefined) return;
  const formatter = new LogFormatter({ color: false });
  const handler: LogHandler = (record) => file.write(`${formatter.format(record)}\n`);
  fileHandlers.set(logger, { handler, file });
  logger.addHandler(handler);
}

export { type LoggingOptionsParser };

/**
 * Defines Tornado's logging options on `options` (`logging`, `log_to_stderr`,
 * `log_file_prefix`, `log_file_max_size`, `log_file_num_backups`, `log_rotate_when`,
 * `log_rotate_interval`, `log_rotate_mode`) and a parse callback that runs
 * `enable_pretty_logging(options)`. The global `options` has them already; call it for an
 * `OptionParser` of your own.
 * @throws Error (`options.Error`) when one of them is defined on `options` already.
 */
export function define_logging_options(options: LoggingOptionsParser): void {
  defineLoggingOptions(options);
  options.add_parse_callback(() => enable_pretty_logging(options as PrettyLoggingOptions));
}

// Python's default: the root logger lets WARNING and worse through, and has no handler until
// `enable_pretty_logging()` gives it one; until then only the last resort writes anything.
root.setLevel(WARNING);
