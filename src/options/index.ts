/**
 * Command-line parsing, Python's `tornado.options`: options are defined where they are used,
 * parsed once at startup, and read as attributes of the global `options`.
 *
 * ```ts
 * import { define, options, parse_command_line } from "tornado-ts/options";
 *
 * define("port", { default: 8888, help: "run on the given port", type: "int" });
 * parse_command_line(); // --port=9000, --help; also turns on pretty logging
 * app.listen(options.port);
 * ```
 *
 * The global parser has Tornado's logging options (`--logging`, `--log_file_prefix`, ...),
 * defined by `log.define_logging_options`; parsing runs `log.enable_pretty_logging(options)`.
 */
import { define_logging_options } from "../log";
import { OptionParser, type OptionSpec } from "./parser";

export { OptionsError as Error } from "./error";
export { OptionParser, type OptionSpec } from "./parser";
export { parse_datetime, parse_timedelta, type OptionType, type OptionTypeName } from "./types";

/** The global options: every option `define` defines is an attribute of it (`options.port`). */
export const options: OptionParser = new OptionParser();

/** Defines an option on the global `options`; see `OptionParser.define`. */
export function define(name: string, spec: OptionSpec = {}): void {
  options.define(name, spec);
}

/** Parses the global options from the command line; see `OptionParser.parse_command_line`. */
export function parse_command_line(args?: readonly string[], final = true): string[] {
  return options.parse_command_line(args, final);
}

/** Sets the global options from a config file; see `OptionParser.parse_config_file`. */
export function parse_config_file(path: string, final = true): void {
  options.parse_config_file(path, final);
}

/** Writes the help of the global options to `stream` (default stderr); see `OptionParser.print_help`. */
export function print_help(stream?: NodeJS.WritableStream): void {
  options.print_help(stream);
}

/** Adds a callback run when the global options are parsed; see `OptionParser.add_parse_callback`. */
export function add_parse_callback(callback: () => void): void {
  options.add_parse_callback(callback);
}

/** A stand-in over the global options for tests; see `OptionParser.mockable`. */
export function mockable(): Record<string, any> {
  return options.mockable();
}

define_logging_options(options);
