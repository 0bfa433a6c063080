/**
 * Python's `message % {"name": value}` for translated strings, and the date arithmetic
 * `Locale.format_date` needs (Python's `timedelta` fields, `round`).
 */

const NAMED_CONVERSION = /%(?:\(([^)]*)\)([-0]?)(\d*)([sdi])|%)/g;

/**
 * Fills Python-style named placeholders: `%(name)s` (`String(value)`), `%(name)d` or `%(name)i`
 * (the number truncated to an integer), an optional `-`/`0` flag and width (`%(minute)02d`), and
 * `%%` for a percent sign. Translations use it as Tornado's do with `%`:
 * `percent_format(locale.translate("%(name)s liked this"), { name })`. Throws `Error` naming a
 * placeholder that `values` lacks, and `TypeError` for `%d` of something that is not a number.
 */
export function percent_format(message: string, values: Readonly<Record<string, unknown>>): string {
  return message.replace(
    NAMED_CONVERSION,
    (spec: string, key: string | undefined, flag: string, width: string, conversion: string) => {
      if (key === undefined) return "%";
      if (!Object.hasOwn(values, key))
        throw new Error(`no value for %(${key})${conversion} in ${JSON.stringify(message)}`);
      const text = conversion === "s" ? String(values[key]) : integerText(values[key], spec);
      return pad(text, flag, Number(width));
    },
  );
}

function integerText(value: unknown, spec: string): string {
  if (typeof value === "bigint") return value.toString();
  const number = typeof value === "number" ? value : NaN;
  if (!Number.isFinite(number)) throw new TypeError(`${spec} format: a number is required, not ${String(value)}`);
  return String(Math.trunc(number));
}

function pad(text: string, flag: string, width: number): string {
  if (text.length >= width) return text;
  if (flag === "-") return text.padEnd(width);
  if (flag === "0") {
    const sign = text.startsWith("-") ? "-" : "";
    return sign + text.slice(sign.length).padStart(width - sign.length, "0");
  }
  return text.padStart(width);
}

const DAY_MS = 86_400_000;

/** A duration split as Python's `timedelta` splits it: whole `days` (maybe negative) and `seconds` in [0, 86400). */
export interface Timedelta {
  readonly days: number;
  readonly seconds: number;
}

/** The `timedelta` for a difference in milliseconds. */
export function timedelta(milliseconds: number): Timedelta {
  const days = Math.floor(milliseconds / DAY_MS);
  return { days, seconds: Math.floor((milliseconds - days * DAY_MS) / 1000) };
}

/** Python 3's `round(x)`: to the nearest integer, halves to the even neighbour (`round(2.5) == 2`). */
export function round_half_even(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `Date` for a `format_date` argument: a `Date`, or a Unix timestamp in seconds as Tornado takes. */
export function to_date(date: Date | number): Date {
  const value = typeof date === "number" ? new Date(date * 1000) : date;
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new TypeError(`a valid Date or a timestamp in seconds is required, not ${String(date)}`);
  return value;
}

/** Python's `date.weekday()` for a `Date` read in UTC: Monday is 0, Sunday 6. */
export function weekday(date: Date): number {
  return (date.getUTCDay() + 6) % 7;
}

/** The clock time Tornado prints for a locale: `18:35`, `6:35 pm` (English), `下午6:35` (zh_CN). */
export function clock_time(code: string, local: Date): string {
  const hour = local.getUTCHours();
  const minute = String(local.getUTCMinutes()).padStart(2, "0");
  const twelve = hour % 12 || 12;
  if (code === "zh_CN") return `${hour >= 12 ? "\u4e0b\u5348" : "\u4e0a\u5348"}${twelve}:${minute}`;
  if (code === "en" || code === "en_US") return `${twelve}:${minute} ${hour >= 12 ? "pm" : "am"}`;
  return `${hour}:${minute}`;
}
