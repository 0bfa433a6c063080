/** One defined option: Tornado's `_Option`, its value, and how a string or a value sets it. */
import { OptionsError } from "./error";
import { type HelpEntry } from "./help";
import { isOfType, parseValue, type OptionTypeName } from "./types";

/** Marks an option whose value was never set, so that `value()` is the default. */
const UNSET: unique symbol = Symbol("unset");

/** What `Option`'s constructor needs; `OptionParser.define` fills it in. */
export interface OptionFields {
  name: string;
  type: OptionTypeName;
  default: unknown;
  help: string | undefined;
  metavar: string | undefined;
  multiple: boolean;
  file_name: string;
  group_name: string;
  callback: ((value: any) => void) | undefined;
}

/** A defined option. `OptionParser` holds one per name; users read values through the parser. */
export class Option implements HelpEntry {
  /** The name as it was defined (dashes and underscores as written). */
  readonly name: string;
  /** The Python name of the value type. */
  readonly type: OptionTypeName;
  /** The value until one is set; `[]` for a `multiple` option defined without a default. */
  readonly default: unknown;
  /** The help text. */
  readonly help: string | undefined;
  /** The placeholder of the help (`--port=PORT`). */
  readonly metavar: string | undefined;
  /** Whether the value is a list of `type`. */
  readonly multiple: boolean;
  /** The file the option was defined in ("" when defined by the options module itself). */
  readonly file_name: string;
  /** The help group: the `group` given to define, else `file_name`. */
  readonly group_name: string;
  /** Called with the new value each time the option is set or parsed. */
  readonly callback: ((value: any) => void) | undefined;
  #value: unknown = UNSET;

  /** Makes the option from `define`'s fields. Never throws. */
  constructor(fields: OptionFields) {
    this.name = fields.name;
    this.type = fields.type;
    this.default = fields.default == null && fields.multiple ? [] : fields.default;
    this.help = fields.help;
    this.metavar = fields.metavar;
    this.multiple = fields.multiple;
    this.file_name = fields.file_name;
    this.group_name = fields.group_name;
    this.callback = fields.callback;
  }

  /** Whether the default is a number of seconds (help shows it as `5s`). */
  get isDuration(): boolean {
    return this.type === "timedelta";
  }

  /** The current value: the last one set or parsed, else the default. */
  value(): any {
    return this.#value === UNSET ? this.default : this.#value;
  }

  /**
   * Sets the value from its command-line spelling: one value of the type, or for `multiple`
   * a comma-separated list where an `int` item may be a range `lo:hi` (both included). Runs
   * the callback. Returns the new value.
   * @throws OptionsError when the text is not of the type; the value is then unchanged.
   */
  parse(text: string): any {
    this.#value = this.multiple ? this.#parseList(text) : parseValue(this.name, this.type, text);
    this.callback?.(this.#value);
    return this.value();
  }

  #parseList(text: string): unknown[] {
    const values: unknown[] = [];
    for (const part of text.split(",")) {
      if (this.type !== "int") {
        values.push(parseValue(this.name, this.type, part));
        continue;
      }
      const colon = part.indexOf(":");
      const lo = parseValue(this.name, "int", colon < 0 ? part : part.slice(0, colon)) as number;
      const hiText = colon < 0 ? "" : part.slice(colon + 1);
      const hi = hiText === "" ? lo : (parseValue(this.name, "int", hiText) as number);
      for (let n = lo; n <= hi; n++) values.push(n);
    }
    return values;
  }

  /**
   * Sets the value (a list of the type for `multiple`; null or undefined are accepted as
   * Python's None) and runs the callback.
   * @throws OptionsError `Option 'x' is required to be ...` for a value of another type.
   */
  set(value: unknown): void {
    if (this.multiple) {
      if (!Array.isArray(value) || !value.every((item) => isOfType(this.type, item)))
        throw new OptionsError(`Option '${this.name}' is required to be a list of ${this.type}`);
    } else if (!isOfType(this.type, value)) {
      throw new OptionsError(`Option '${this.name}' is required to be a ${this.type} (${describeType(value)} given)`);
    }
    this.#value = value;
    this.callback?.(this.#value);
  }
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "Date";
  return typeof value;
}
