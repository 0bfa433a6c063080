/**
 * Tornado's logging options, as `tornado.log.define_logging_options` defines them; `log.ts`
 * adds the parse callback that applies them. A `--logging` or `--log_rotate_mode` value that
 * cannot work is refused when it is parsed, as a command-line error (exit status 2), rather
 * than later by the parse callback.
 */
import { OptionsError } from "./options/error";

const LEVELS = ["debug", "info", "warning", "error", "critical", "none"];
const ROTATE_MODES = ["size", "time"];

/** A callback refusing a value outside `allowed` (any case; null passes). */
function oneOf(name: string, allowed: readonly string[]): (value: string | null) => void {
  return (value) => {
    if (value != null && !allowed.includes(value.toLowerCase()))
      throw new OptionsError(`Option '${name}' must be one of ${allowed.join(", ")}, not '${value}'`);
  };
}

/** What `define_logging_options` needs of an options parser (`OptionParser` of `tornado-ts/options`). */
export interface LoggingOptionsParser {
  /** Defines one option. */
  define(
    name: string,
    spec: {
      default?: unknown;
      type?: "str" | "int" | "bool";
      help?: string;
      metavar?: string;
      callback?: (value: any) => void;
    },
  ): void;
  /** Adds a callback run once parsing is done. */
  add_parse_callback(callback: () => void): void;
}

/** Defines the eight logging options on `options`; see `log.define_logging_options`. */
export function defineLoggingOptions(options: LoggingOptionsParser): void {
  options.define("logging", {
    default: "info",
    help: "Set the log level. If 'none', tornado won't touch the logging configuration.",
    metavar: "debug|info|warning|error|none",
    callback: oneOf("logging", LEVELS),
  });
  options.define("log_to_stderr", {
    type: "bool",
    default: null,
    help: "Send log output to stderr (colorized if possible). By default use stderr if --log_file_prefix is not set and no other logging is configured.",
  });
  options.define("log_file_prefix", {
    type: "str",
    default: null,
    metavar: "PATH",
    help: "Path prefix for log files. Note that if you are running multiple tornado processes, log_file_prefix must be different for each of them (e.g. include the port number)",
  });
  options.define("log_file_max_size", { type: "int", default: 100e6, help: "max size of log files before rollover" });
  options.define("log_file_num_backups", { type: "int", default: 10, help: "number of log files to keep" });
  options.define("log_rotate_when", {
    type: "str",
    default: "midnight",
    help: "specify the type of TimedRotatingFileHandler interval other options:('S', 'M', 'H', 'D', 'W0'-'W6')",
  });
  options.define("log_rotate_interval", { type: "int", default: 1, help: "The interval value of timed rotating" });
  options.define("log_rotate_mode", {
    type: "str",
    default: "size",
    help: "The mode of rotating files(time or size)",
    callback: oneOf("log_rotate_mode", ROTATE_MODES),
  });
}
