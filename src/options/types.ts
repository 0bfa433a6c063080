/**
 * The value types of `tornado.options`: how a string from the command line or a config file
 * becomes a value of each type, and which values `set` accepts. Python's `str`, `int`, `float`,
 * `bool`, `datetime` and `timedelta`; a `timedelta` is a number of seconds here.
 */
import { OptionsError } from "./error";

/** The type of an option's values, by Tornado's Python name. */
export type OptionTypeName = "str" | "int" | "float" | "bool" | "datetime" | "timedelta";

/**
 * The `type` of `define`: a Python name, or the JavaScript constructor (`String`, `Number` is
 * `"float"`, `Boolean`, `Date`).
 */
export type OptionType = OptionTypeName | StringConstructor | NumberConstructor | BooleanConstructor | DateConstructor;

const TYPE_NAMES: ReadonlySet<string> = new Set(["str", "int", "float", "bool", "datetime", "timedelta"]);

/**
 * The Python name of `type`; with no type, the type of `defaultValue` (a whole number is an
 * `int`), else `str`, as Tornado's `define` infers it. `multiple` options infer nothing.
 * @throws OptionsError for a type that is none of these.
 */
export function typeName(
  name: string,
  type: OptionType | undefined,
  defaultValue: unknown,
  multiple: boolean,
): OptionTypeName {
  if (type === undefined) return multiple || defaultValue == null ? "str" : inferredType(defaultValue);
  if (type === String) return "str";
  if (type === Number) return "float";
  if (type === Boolean) return "bool";
  if (type === Date) return "datetime";
  if (typeof type === "string" && TYPE_NAMES.has(type)) return type as OptionTypeName;
  throw new OptionsError(`Option '${name}' has an unknown type ${String(type)}: use ${[...TYPE_NAMES].join(", ")}`);
}

function inferredType(value: unknown): OptionTypeName {
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "boolean") return "bool";
  if (value instanceof Date) return "datetime";
  return "str";
}

/** Whether `value` is a value of `type` (null and undefined are always accepted, as Python's None). */
export function isOfType(type: OptionTypeName, value: unknown): boolean {
  if (value == null) return true;
  switch (type) {
    case "str":
      return typeof value === "string";
    case "int":
      return Number.isInteger(value);
    case "float":
    case "timedelta":
      return typeof value === "number";
    case "bool":
      return typeof value === "boolean";
    case "datetime":
      return value instanceof Date && !Number.isNaN(value.getTime());
  }
}

const INT = /^\s*[-+]?\d+(?:_\d+)*\s*$/;
const FLOAT = /^\s*[-+]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*|\d+\.)(?:e[-+]?\d+)?\s*$/i;
const SPECIAL_FLOAT = /^\s*([-+]?)(inf|infinity|nan)\s*$/i;

/**
 * Parses one command-line value of `type`, as Tornado's `_Option.parse` does for one item.
 * @throws OptionsError naming the option and the value when `text` is not of the type.
 */
export function parseValue(name: string, type: OptionTypeName, text: string): unknown {
  switch (type) {
    case "str":
      return text;
    case "bool":
      return !["false", "0", "f"].includes(text.toLowerCase());
    case "int":
      if (!INT.test(text)) throw new OptionsError(`Option '${name}' requires an integer, not '${text}'`);
      return Number(text.trim().replace(/_/g, ""));
    case "float":
      return parseFloatValue(name, text);
    case "datetime":
      return parse_datetime(text);
    case "timedelta":
      return parse_timedelta(text);
  }
}

function parseFloatValue(name: string, text: string): number {
  const special = SPECIAL_FLOAT.exec(text);
  if (special !== null) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!FLOAT.test(text)) throw new OptionsError(`Option '${name}' requires a number, not '${text}'`);
  return Number(text.trim().replace(/_/g, ""));
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY = "(?:mon|tue|wed|thu|fri|sat|sun)";
const MONTH = `(?<b>${MONTHS.join("|")})`;

/**
 * Tornado's accepted date/time formats, in its order, as patterns with named parts. A format
 * with only a time of day gives 1 January 1900, as Python's `strptime` does.
 */
const DATETIME_FORMATS: readonly RegExp[] = [
  new RegExp(`^${DAY} ${MONTH} (?<d>\\d{1,2}) (?<H>\\d{1,2}):(?<M>\\d{1,2}):(?<S>\\d{1,2}) (?<Y>\\d{4})$`, "i"),
  /^(?<Y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2}) (?<H>\d{1,2}):(?<M>\d{1,2}):(?<S>\d{1,2})$/,
  /^(?<Y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2}) (?<H>\d{1,2}):(?<M>\d{1,2})$/,
  /^(?<Y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})T(?<H>\d{1,2}):(?<M>\d{1,2})$/,
  /^(?<Y>\d{4})(?<m>\d{2})(?<d>\d{2}) (?<H>\d{1,2}):(?<M>\d{1,2}):(?<S>\d{1,2})$/,
  /^(?<Y>\d{4})(?<m>\d{2})(?<d>\d{2}) (?<H>\d{1,2}):(?<M>\d{1,2})$/,
  /^(?<Y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})$/,
  /^(?<Y>\d{4})(?<m>\d{2})(?<d>\d{2})$/,
  /^(?<H>\d{1,2}):(?<M>\d{1,2}):(?<S>\d{1,2})$/,
  /^(?<H>\d{1,2}):(?<M>\d{1,2})$/,
];

/**
 * Parses a local date and time in one of Tornado's formats (`2026-12-07 15:30:00`,
 * `2026-12-07T15:30`, `20261207`, `15:30`, `Mon Dec 07 15:30:00 2026`, ...).
 * @throws OptionsError `Unrecognized date/time format: '...'` for anything else, or a day that does not exist.
 */
export function parse_datetime(text: string): Date {
  for (const format of DATETIME_FORMATS) {
    const match = format.exec(text);
    if (match === null) continue;
    const date = dateFromParts(match);
    if (date !== undefined) return date;
  }
  throw new OptionsError(`Unrecognized date/time format: '${text}'`);
}

function dateFromParts(match: RegExpExecArray): Date | undefined {
  const part = (key: string, fallback: number): number => {
    const text = match.groups?.[key];
    return text === undefined ? fallback : Number(text);
  };
  const name = match.groups?.b;
  const month = name !== undefined ? MONTHS.indexOf(name.toLowerCase()) : part("m", 1) - 1;
  const [year, day, hour, minute, second] = [part("Y", 1900), part("d", 1), part("H", 0), part("M", 0), part("S", 0)];
  if (hour > 23 || minute > 59 || second > 61) return undefined;
  const date = new Date(year, month, day, hour, minute, second);
  // Python refuses a day past the month's end, where Date would roll over into the next month.
  date.setFullYear(year);
  return date.getMonth() === month && date.getDate() === day ? date : undefined;
}

/** Seconds in each unit `parse_timedelta` knows, by Python's `timedelta` keyword and Tornado's abbreviations. */
const UNIT_SECONDS: ReadonlyMap<string, number> = new Map([
  ["weeks", 604800],
  ["w", 604800],
  ["days", 86400],
  ["d", 86400],
  ["hours", 3600],
  ["h", 3600],
  ["minutes", 60],
  ["m", 60],
  ["min", 60],
  ["seconds", 1],
  ["s", 1],
  ["sec", 1],
  ["milliseconds", 0.001],
  ["ms", 0.001],
  ["microseconds", 0.000001],
  ["us", 0.000001],
]);

const TIMEDELTA_PART = /\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(\w*)\s*/y;

/**
 * Parses a duration as Tornado's `_parse_timedelta` does (`"5s"`, `"1h 30m"`, `"1.5 minutes"`,
 * `"300"` is seconds, `""` is 0) and returns it in seconds. Units: w/weeks, d/days, h/hours,
 * m/min/minutes, s/sec/seconds, ms/milliseconds, us/microseconds.
 * @throws OptionsError `Unrecognized duration: '...'` for anything else.
 */
export function parse_timedelta(text: string): number {
  let seconds = 0;
  TIMEDELTA_PART.lastIndex = 0;
  while (TIMEDELTA_PART.lastIndex < text.length) {
    const match = TIMEDELTA_PART.exec(text);
    const unit = match === null ? undefined : UNIT_SECONDS.get(match[2] === "" ? "seconds" : match[2]);
    if (match === null || unit === undefined) throw new OptionsError(`Unrecognized duration: '${text}'`);
    seconds += Number(match[1]) * unit;
  }
  return seconds;
}
