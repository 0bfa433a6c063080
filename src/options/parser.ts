/**
 * `OptionParser`: Tornado's collection of options with attribute access (`options.port`),
 * the command-line and config-file parsers, `--help`, and parse callbacks.
 */
import { readFileSync } from "node:fs";
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { OptionsError } from "./error";
import { displayPath, helpText } from "./help";
import { Option } from "./option";
import { typeName, type OptionType } from "./types";

/** What `define` takes besides the name; every field is optional, as in Tornado. */
export interface OptionSpec {
  /** The value until one is set (`[]` for `multiple` without a default). */
  default?: unknown;
  /** The value type; without it, the type of `default`, else `"str"`. */
  type?: OptionType;
  /** One line for `--help`. */
  help?: string;
  /** The placeholder `--help` shows after `=` (`--port=PORT`). */
  metavar?: string;
  /** The value is a list: `--name=a,b`, and for `int` ranges `1:3`. */
  multiple?: boolean;
  /** The `--help` group; default: the file that called `define`. */
  group?: string;
  /** Called with the new value whenever the option is set or parsed. */
  callback?: (value: any) => void;
}

/** This module's directory: `define`'s caller is the first stack frame outside it. */
const OPTIONS_DIR = __dirname + sep;

/** Names a Promise-like check or a serializer asks for, answered "none" rather than an error. */
const PROBED_NAMES: ReadonlySet<string> = new Set(["then"]);

function normalizeName(name: string): string {
  return name.replace(/_/g, "-");
}

const PROXY_HANDLER: ProxyHandler<OptionParser> = {
  get(target, key, receiver) {
    if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
    const option = target._options.get(normalizeName(key));
    if (option !== undefined) return option.value();
    if (PROBED_NAMES.has(key)) return undefined;
    throw new OptionsError(`Unrecognized option '${key}'`);
  },
  set(target, key, value, receiver) {
    if (typeof key === "symbol" || key in target) return Reflect.set(target, key, value, receiver);
    const option = target._options.get(normalizeName(key));
    if (option === undefined) throw new OptionsError(`Unrecognized option '${key}'`);
    option.set(value);
    return true;
  },
  has(target, key) {
    if (typeof key === "string" && target._options.has(normalizeName(key))) return true;
    return key in target;
  },
};

/** The file of the nearest caller outside this module's directory, or "" if there is none. */
function callerFile(): string {
  const previous = Error.prepareStackTrace;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    Error.captureStackTrace(holder, callerFile);
    for (const site of holder.stack ?? []) {
      let file = site.getFileName() ?? "";
      if (file.startsWith("file://")) file = fileURLToPath(file);
      if (file !== "" && !file.startsWith(OPTIONS_DIR) && !file.startsWith("node:")) return file;
    }
    return "";
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/**
 * A collection of options, Tornado's `OptionParser`: each defined option reads and writes as an
 * attribute (`options.port`, `options.port = 9000`), dashes and underscores alike in names.
 * Reading or writing an option that was not defined throws `options.Error`. Methods win over
 * options of the same name. The global one is `options`; make another for a private set.
 */
export class OptionParser implements Iterable<string> {
  /** Each defined option is an attribute, typed `any` as Tornado's are untyped. */
  [name: string]: any;
  /** The options by normalized name (underscores turned to dashes). @internal */
  readonly _options = new Map<string, Option>();
  /** The callbacks `run_parse_callbacks` calls, in order. @internal */
  readonly _parse_callbacks: (() => void)[] = [];

  /** Makes a parser with only the `help` option. Never throws. */
  constructor() {
    this._options.set("help", helpOption(this));
    return new Proxy(this, PROXY_HANDLER);
  }

  /** The names of the options as defined, in the order they were defined. */
  *[Symbol.iterator](): Iterator<string> {
    for (const option of this._options.values()) yield option.name;
  }

  /** `[name, value]` for every option, in definition order. */
  items(): [string, any][] {
    return [...this._options.values()].map((option) => [option.name, option.value()]);
  }

  /** The set of group names the options are listed under in `--help`. */
  groups(): Set<string> {
    return new Set([...this._options.values()].map((option) => option.group_name));
  }

  /**
   * The names and values of the options in `group` (every option when `group` is ""), e.g. to
   * pass as `Application` settings: `new Application(handlers, options.group_dict("application"))`.
   */
  group_dict(group: string): Record<string, any> {
    const dict: Record<string, any> = {};
    for (const option of this._options.values()) {
      if (!group || group === option.group_name) dict[option.name] = option.value();
    }
    return dict;
  }

  /** The names and values of all options. */
  as_dict(): Record<string, any> {
    return this.group_dict("");
  }

  /** The same as `as_dict()`, so that `JSON.stringify(options)` shows the values. */
  toJSON(): Record<string, any> {
    return this.as_dict();
  }

  /**
   * Defines an option: `define("port", { default: 8888, type: "int", help: "run on this port" })`.
   * Without `type`, the type of `default` (a whole number is an `int`), else `"str"`. The
   * `--help` group defaults to the file that called `define`.
   * @throws OptionsError `Option 'x' already defined in FILE` for a name defined before (dashes
   * and underscores alike), or for an unknown `type`.
   */
  define(name: string, spec: OptionSpec = {}): void {
    const normalized = normalizeName(name);
    const existing = this._options.get(normalized);
    if (existing !== undefined)
      throw new OptionsError(`Option '${normalized}' already defined in ${existing.file_name || "<options>"}`);
    const multiple = spec.multiple ?? false;
    const type = typeName(name, spec.type, spec.default, multiple);
    const file_name = displayPath(callerFile());
    this._options.set(
      normalized,
      new Option({
        name,
        type,
        default: spec.default,
        help: spec.help,
        metavar: spec.metavar,
        multiple,
        file_name,
        group_name: spec.group || file_name,
        callback: spec.callback,
      }),
    );
  }

  /**
   * Parses options from the command line: `--name=value`, `--name value`, `--flag` for a
   * `bool` (`--flag=false` turns it off), `--name=a,b` and `int` ranges `--ports=8000:8003`
   * for `multiple`; one or two leading dashes. Parsing stops at the first argument not starting
   * with `-` or after `--`; the rest is returned. Then, if `final`, runs the parse callbacks
   * (the global parser's turns on pretty logging).
   *
   * `args` are the arguments after the program name (Tornado's `sys.argv` includes the
   * program, so it skips `args[0]`). Without `args`, `process.argv.slice(2)` is read and an
   * error is a command-line error: the message (and the help, for an unknown option) is
   * written to stderr and the process exits with status 2.
   * @throws OptionsError for an unknown option, a value of the wrong type, or a missing value (when `args` is given).
   */
  parse_command_line(args?: readonly string[], final = true): string[] {
    if (args !== undefined) return parseArgs(this, args, final);
    try {
      return parseArgs(this, process.argv.slice(2), final);
    } catch (err) {
      if (!(err instanceof OptionsError)) throw err;
      const help = err instanceof UnknownOptionError ? helpText(this._options.values(), programName()) : "";
      process.stderr.write(`${help}Error: ${err.message}\n`);
      process.exit(2);
    }
  }

  /**
   * Sets options from a config file, then, if `final`, runs the parse callbacks. A `.json`
   * file holds an object; any other file is loaded with `require` (a `.js` module, or `.ts`
   * under tsx) and its exports are the values (a module with only a default export: that
   * object). Names that are not options are ignored, as Tornado ignores the file's other
   * globals. A string value of a non-`str` or `multiple` option is parsed as on the command line.
   * @throws OptionsError for a value of the wrong type; an Error if the file cannot be read.
   */
  parse_config_file(path: string, final = true): void {
    const config = loadConfig(resolve(path));
    for (const [name, value] of Object.entries(config)) {
      const option = this._options.get(normalizeName(name));
      if (option === undefined) continue;
      if (option.multiple && !Array.isArray(value) && typeof value !== "string")
        throw new OptionsError(
          `Option '${option.name}' is required to be a list of ${option.type} or a comma-separated string`,
        );
      if (typeof value === "string" && (option.type !== "str" || option.multiple)) option.parse(value);
      else option.set(value);
    }
    if (final) this.run_parse_callbacks();
  }

  /** Writes the help of every option, grouped as Tornado does, to `stream` (default stderr). */
  print_help(stream: NodeJS.WritableStream = process.stderr): void {
    stream.write(helpText(this._options.values(), programName()));
  }

  /** Adds `callback`, run (in the order added) when parsing is done with `final` on. */
  add_parse_callback(callback: () => void): void {
    this._parse_callbacks.push(callback);
  }

  /** Runs the parse callbacks in the order they were added. Their errors propagate. */
  run_parse_callbacks(): void {
    for (const callback of this._parse_callbacks) callback();
  }

  /**
   * A stand-in for tests, Tornado's `mockable()`: setting an option on it sets it on this
   * parser and remembers the old value; `delete mock.name` puts the old value back.
   * @throws Error when the same option is set twice on one mockable ("don't reuse mockable objects").
   */
  mockable(): Record<string, any> {
    return makeMockable(this);
  }
}

/** An unknown option on the command line: the real command line shows the help before the message. */
class UnknownOptionError extends OptionsError {}

function parseArgs(parser: OptionParser, args: readonly string[], final: boolean): string[] {
  let remaining: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-")) {
      remaining = args.slice(i);
      break;
    }
    if (arg === "--") {
      remaining = args.slice(i + 1);
      break;
    }
    const body = arg.replace(/^-+/, "");
    const equals = body.indexOf("=");
    const name = normalizeName(equals < 0 ? body : body.slice(0, equals));
    const option = parser._options.get(name);
    if (option === undefined) throw new UnknownOptionError(`Unrecognized command line option: '${name}'`);
    if (equals >= 0) option.parse(body.slice(equals + 1));
    else if (option.type === "bool") option.parse("true");
    else if (i + 1 < args.length) option.parse(args[++i]);
    else throw new OptionsError(`Option '${name}' requires a value`);
  }
  if (final) parser.run_parse_callbacks();
  return remaining;
}

function helpOption(parser: OptionParser): Option {
  return new Option({
    name: "help",
    type: "bool",
    default: undefined,
    help: "show this help information",
    metavar: undefined,
    multiple: false,
    file_name: "",
    group_name: "",
    callback: (value: boolean) => {
      if (!value) return;
      parser.print_help();
      process.exit(0);
    },
  });
}

function programName(): string {
  return displayPath(process.argv[1] ?? "");
}

function loadConfig(path: string): Record<string, unknown> {
  if (path.endsWith(".json")) return asConfigObject(path, JSON.parse(readFileSync(path, "utf8")));
  // A fresh load each time, as Tornado executes the file anew.
  if (require.cache !== undefined) delete require.cache[require.resolve(path)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a config file is loaded by path at run time
  const loaded: unknown = require(path);
  const module = loaded as Record<string, unknown> | null;
  const names = module === null || typeof module !== "object" ? [] : Object.keys(module);
  const onlyDefault = names.every((name) => name === "default" || name === "__esModule");
  return asConfigObject(path, onlyDefault && module !== null && "default" in module ? module.default : module);
}

function asConfigObject(path: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new OptionsError(`Config file ${path} must hold an object of option values`);
  return value as Record<string, unknown>;
}

function makeMockable(parser: OptionParser): Record<string, any> {
  const originals = new Map<string, unknown>();
  return new Proxy({} as Record<string, any>, {
    get: (_target, key) => (typeof key === "symbol" ? undefined : parser[key]),
    set: (_target, key, value) => {
      if (typeof key === "symbol") return false;
      if (originals.has(key)) throw new Error("don't reuse mockable objects");
      originals.set(key, parser[key]);
      parser[key] = value;
      return true;
    },
    deleteProperty: (_target, key) => {
      if (typeof key === "symbol" || !originals.has(key)) return true;
      parser[key] = originals.get(key);
      originals.delete(key);
      return true;
    },
  });
}
