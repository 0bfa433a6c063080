/** `Locale` and its two kinds, `CSVLocale` and `GettextLocale` (Tornado's `tornado.locale` classes). */
import { gen_log } from "../log";
import { LOCALE_NAMES } from "./data";
import { clock_time, percent_format, round_half_even, timedelta, to_date, weekday } from "./format";
import { state, type CsvTranslations, type GettextTranslations } from "./state";

/** What separates a context from its message in a gettext catalogue's keys (`"law\x04right"`). */
export const CONTEXT_SEPARATOR = "\x04";

const MINUTE_MS = 60_000;
const RTL_PREFIXES = ["fa", "ar", "he"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** `format_date`'s keyword arguments, as Tornado names them. */
export interface FormatDateOptions {
  /** Minutes the user's clock is behind UTC (`new Date().getTimezoneOffset()` in a browser); default 0. */
  gmt_offset?: number;
  /** "2 minutes ago", "yesterday at 3:00 pm" for recent dates; default true. */
  relative?: boolean;
  /** Leave the time out: "yesterday", "April 28"; default false. */
  shorter?: boolean;
  /** Always the full date, "April 28, 2013 at 6:35 pm"; default false. */
  full_format?: boolean;
}

/** `format_day`'s keyword arguments. */
export interface FormatDayOptions {
  /** Minutes the user's clock is behind UTC; default 0. */
  gmt_offset?: number;
  /** Start with the day of the week ("Sunday, April 28"); default true. */
  dow?: boolean;
}

function requireCount(count: number | undefined): number {
  if (count === undefined) throw new Error("count is required with plural_message");
  return count;
}

/**
 * A language: its code, its name, its direction, and translation and formatting in it. Get one
 * with `locale.get(...)` or `Locale.get_closest(...)` after loading translations.
 */
export abstract class Locale {
  /** The locales made so far, by code (Tornado's `Locale._cache`). */
  static readonly _cache = new Map<string, Locale>();

  /** The locale code, as `es_LA`. */
  readonly code: string;
  /** The language's name in itself ("Español"), or "Unknown". */
  readonly name: string;
  /** Whether the language is written right to left (Farsi, Arabic, Hebrew). */
  readonly rtl: boolean;
  private months: readonly string[] | undefined;
  private weekdays: readonly string[] | undefined;

  /**
   * The first of `codes` that is supported, exactly (`es_LA`) or by its language (`es`), else
   * the default locale. Codes may use `-` (`es-LA`, as browsers send them) and any case; codes
   * with more than two parts, and empty ones, are skipped.
   */
  static get_closest(...codes: readonly (string | null | undefined)[]): Locale {
    for (const given of codes) {
      if (!given) continue;
      const parts = given.replace(/-/g, "_").split("_");
      if (parts.length > 2) continue;
      const code = parts.length === 2 ? `${parts[0].toLowerCase()}_${parts[1].toUpperCase()}` : parts[0];
      if (state.supported.has(code)) return Locale.get(code);
      const language = parts[0].toLowerCase();
      if (state.supported.has(language)) return Locale.get(language);
    }
    return Locale.get(state.default_locale);
  }

  /**
   * The locale for exactly `code`: a `GettextLocale` after `load_gettext_translations`, else a
   * `CSVLocale`. Throws `Error` if `code` is not supported (see `get_supported_locales`).
   */
  static get(code: string): Locale {
    let found = Locale._cache.get(code);
    if (found === undefined) {
      if (!state.supported.has(code)) throw new Error(`unsupported locale ${JSON.stringify(code)}`);
      const translations = state.translations.get(code);
      if (translations === undefined) found = new CSVLocale(code, new Map());
      else if (state.use_gettext) found = new GettextLocale(code, translations as GettextTranslations);
      else found = new CSVLocale(code, translations as CsvTranslations);
      Locale._cache.set(code, found);
    }
    return found;
  }

  /** A locale for `code`; prefer `Locale.get`, which reuses them. */
  constructor(code: string) {
    this.code = code;
    this.name = Object.hasOwn(LOCALE_NAMES, code) ? LOCALE_NAMES[code].name : "Unknown";
    this.rtl = RTL_PREFIXES.some((prefix) => code.startsWith(prefix));
  }

  /**
   * The translation of `message` in this locale. With `plural_message`, `count` is required:
   * the plural form is used when `count` is not 1. Returns the message itself when there is no
   * translation. Throws `Error` for `plural_message` without `count`.
   */
  abstract translate(message: string, plural_message?: string, count?: number): string;

  /**
   * `translate` for a message in a context (`pgettext("law", "right")` and
   * `pgettext("good", "right")` may differ), with plurals as `translate` has them.
   */
  abstract pgettext(context: string, message: string, plural_message?: string, count?: number): string;

  /** The twelve month names, translated. */
  get _months(): readonly string[] {
    return (this.months ??= MONTHS.map((month) => this.translate(month)));
  }

  /** The weekday names from Monday to Sunday, translated. */
  get _weekdays(): readonly string[] {
    return (this.weekdays ??= WEEKDAYS.map((day) => this.translate(day)));
  }

  /**
   * Formats a date for people: "2 minutes ago", "yesterday at 3:00 pm", "Monday at 9:05 am",
   * "April 28 at 6:35 pm", then "April 28, 2013 at 6:35 pm" past eleven months or with
   * `full_format` (and for dates more than a minute in the future). `date` is a `Date` or Unix
   * seconds; `gmt_offset` is in minutes behind UTC. Times use a 24-hour clock except in English
   * and Chinese. Options may be positional, as in Tornado, or one object. Throws `TypeError` for
   * an invalid date.
   */
  format_date(
    date: Date | number,
    gmt_offset: number | FormatDateOptions = 0,
    relative = true,
    shorter = false,
    full_format = false,
  ): string {
    const options: Required<FormatDateOptions> =
      typeof gmt_offset === "object"
        ? {
            gmt_offset: gmt_offset.gmt_offset ?? 0,
            relative: gmt_offset.relative ?? true,
            shorter: gmt_offset.shorter ?? false,
            full_format: gmt_offset.full_format ?? false,
          }
        : { gmt_offset, relative, shorter, full_format };
    return formatDate(this, to_date(date), options);
  }

  /**
   * The day of `date` as "Sunday, April 28", or "April 28" with `dow` false; `gmt_offset` in
   * minutes behind UTC. Options may be positional or one object.
   */
  format_day(date: Date | number, gmt_offset: number | FormatDayOptions = 0, dow = true): string {
    const options =
      typeof gmt_offset === "object"
        ? { gmt_offset: gmt_offset.gmt_offset ?? 0, dow: gmt_offset.dow ?? true }
        : { gmt_offset, dow };
    const local = new Date(to_date(date).getTime() - options.gmt_offset * MINUTE_MS);
    const values = {
      month_name: this._months[local.getUTCMonth()],
      weekday: this._weekdays[weekday(local)],
      day: String(local.getUTCDate()),
    };
    return percent_format(
      this.translate(options.dow ? "%(weekday)s, %(month_name)s %(day)s" : "%(month_name)s %(day)s"),
      values,
    );
  }

  /** The parts as one phrase: "A, B and C", "A and B", "A", or "" for none. */
  list(parts: readonly string[]): string {
    if (parts.length === 0) return "";
    if (parts.length === 1) return parts[0];
    const comma = this.code.startsWith("fa") ? " \u0648 " : ", ";
    return percent_format(this.translate("%(commas)s and %(last)s"), {
      commas: parts.slice(0, -1).join(comma),
      last: parts[parts.length - 1],
    });
  }

  /** The integer with thousands separated by commas in English ("1,000,000"); as written in other locales. */
  friendly_number(value: number | bigint): string {
    const text = String(value);
    if (this.code !== "en" && this.code !== "en_US") return text;
    const groups: string[] = [];
    for (let end = text.length; end > 0; end -= 3) groups.unshift(text.slice(Math.max(0, end - 3), end));
    return groups.join(",");
  }
}

/** The relative phrase ("2 minutes ago") for a difference under a day, as Tornado words it. */
function relativePhrase(locale: Locale, seconds: number): string {
  if (seconds < 50) {
    return percent_format(locale.translate("1 second ago", "%(seconds)d seconds ago", seconds), { seconds });
  }
  if (seconds < 50 * 60) {
    const minutes = round_half_even(seconds / 60);
    return percent_format(locale.translate("1 minute ago", "%(minutes)d minutes ago", minutes), { minutes });
  }
  const hours = round_half_even(seconds / 3600);
  return percent_format(locale.translate("1 hour ago", "%(hours)d hours ago", hours), { hours });
}

/** The message `format_date` fills, or undefined for the full format; follows Tornado's branches. */
function dateMessage(
  locale: Locale,
  days: number,
  sameDayAsYesterday: boolean,
  options: Required<FormatDateOptions>,
): string | undefined {
  const _ = (message: string): string => locale.translate(message);
  const { relative, shorter } = options;
  if (days === 0) return _("%(time)s");
  if (days === 1 && sameDayAsYesterday && relative) return shorter ? _("yesterday") : _("yesterday at %(time)s");
  if (days < 5) return shorter ? _("%(weekday)s") : _("%(weekday)s at %(time)s");
  if (days < 334) return shorter ? _("%(month_name)s %(day)s") : _("%(month_name)s %(day)s at %(time)s");
  return undefined;
}

function formatDate(locale: Locale, given: Date, options: Required<FormatDateOptions>): string {
  const now = Date.now();
  let date = given.getTime();
  let full_format = options.full_format;
  if (date > now) {
    // Clock skew puts some dates slightly in the future: Tornado reads those as now.
    if (options.relative && timedelta(date - now).seconds < 60) date = now;
    else full_format = true;
  }
  const offset = options.gmt_offset * MINUTE_MS;
  const local = new Date(date - offset);
  const yesterday = new Date(now - offset - 86_400_000);
  const { days, seconds } = timedelta(now - date);
  let message: string | undefined;
  if (!full_format) {
    if (options.relative && days === 0) return relativePhrase(locale, seconds);
    message = dateMessage(locale, days, local.getUTCDate() === yesterday.getUTCDate(), options);
  }
  message ??= locale.translate(
    options.shorter ? "%(month_name)s %(day)s, %(year)s" : "%(month_name)s %(day)s, %(year)s at %(time)s",
  );
  return percent_format(message, {
    month_name: locale._months[local.getUTCMonth()],
    weekday: locale._weekdays[weekday(local)],
    day: String(local.getUTCDate()),
    year: String(local.getUTCFullYear()),
    time: clock_time(locale.code, local),
  });
}

/** A locale whose strings come from Tornado's CSV files (`load_translations`). */
export class CSVLocale extends Locale {
  /** For each plural indicator (`plural`, `singular`, `unknown`), message to translation. */
  readonly translations: CsvTranslations;

  /** A locale for `code` with these strings; prefer `Locale.get`. */
  constructor(code: string, translations: CsvTranslations) {
    super(code);
    this.translations = translations;
  }

  /** See `Locale.translate`: the `singular`/`plural` rows with a count, the `unknown` rows without. */
  translate(message: string, plural_message?: string, count?: number): string {
    let table: ReadonlyMap<string, string> | undefined;
    let text = message;
    if (plural_message !== undefined) {
      if (requireCount(count) !== 1) {
        text = plural_message;
        table = this.translations.get("plural");
      } else table = this.translations.get("singular");
    } else table = this.translations.get("unknown");
    return table?.get(text) ?? text;
  }

  /** CSV files have no contexts: logs a warning (when translations are loaded) and translates without it. */
  pgettext(context: string, message: string, plural_message?: string, count?: number): string {
    if (this.translations.size > 0) gen_log.warning("pgettext is not supported by CSVLocale");
    return this.translate(message, plural_message, count);
  }
}

/** A locale whose strings come from a gettext catalogue (`load_gettext_translations`). */
export class GettextLocale extends Locale {
  /** The catalogue this locale reads. */
  readonly translations: GettextTranslations;

  /** A locale for `code` reading this catalogue; prefer `Locale.get`. */
  constructor(code: string, translations: GettextTranslations) {
    super(code);
    this.translations = translations;
  }

  /** See `Locale.translate`; plural forms follow the catalogue's `Plural-Forms` rule. */
  translate(message: string, plural_message?: string, count?: number): string {
    if (plural_message === undefined) return this.translations.gettext(message);
    return this.translations.ngettext(message, plural_message, requireCount(count));
  }

  /**
   * See `Locale.pgettext`: looks up `context + "\x04" + message` (as `xgettext
   * --keyword=pgettext:1c,2` writes it), falling back to the message without context.
   */
  pgettext(context: string, message: string, plural_message?: string, count?: number): string {
    if (plural_message === undefined) {
      const result = this.translations.gettext(context + CONTEXT_SEPARATOR + message);
      return result.includes(CONTEXT_SEPARATOR) ? message : result;
    }
    const n = requireCount(count);
    const result = this.translations.ngettext(
      context + CONTEXT_SEPARATOR + message,
      context + CONTEXT_SEPARATOR + plural_message,
      n,
    );
    return result.includes(CONTEXT_SEPARATOR) ? this.translations.ngettext(message, plural_message, n) : result;
  }
}
