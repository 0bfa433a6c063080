/**
 * `RequestHandler`'s locale (Tornado's `RequestHandler.locale`): `get_user_locale()` first,
 * else `get_browser_locale()` from the `Accept-Language` header, read once per handler; and
 * the translation functions templates see as `_` and `pgettext`. Functions of the handler
 * (`HandlerCore`); internal.
 */
import { get as getLocale, type Locale } from "../locale";
import type { HandlerCore } from "./handler-state";

/** The `locale` getter: the locale set or found earlier, else `get_user_locale()`, else `get_browser_locale()`. */
export function handlerLocale(h: HandlerCore): Locale {
  if (h._locale === null) h._locale = h.get_user_locale() ?? h.get_browser_locale();
  return h._locale;
}

/** `get_browser_locale()`: the closest loaded locale to the header's languages by quality, else `default_`. */
export function browserLocale(h: HandlerCore, default_: string): Locale {
  const header = h.request.headers.get("Accept-Language");
  if (header !== undefined) {
    const codes = acceptedLanguages(header);
    if (codes.length > 0) return getLocale(...codes);
  }
  return getLocale(default_);
}

/** A language of `Accept-Language`, with its quality and place in the header. */
interface Accepted {
  readonly code: string;
  readonly quality: number;
}

/**
 * The language codes of an `Accept-Language` value, best quality (`q=`) first and in the
 * header's order among equals, as Tornado reads it: a missing `q` is 1, a malformed or negative
 * one 0, and languages of quality 0 (or NaN) are left out. Each code appears once (its first,
 * best place): `locale.get` would pick the same. Linear in the header's length, plus the sort.
 */
export function acceptedLanguages(header: string): string[] {
  const accepted: Accepted[] = [];
  for (const language of header.split(",")) {
    const parts = language.trim().split(";", 2);
    const quality = parts.length > 1 ? qualityOf(parts[1].trim()) : 1;
    if (quality > 0) accepted.push({ code: parts[0], quality });
  }
  accepted.sort(byQualityDescending); // stable: equal qualities keep the header's order
  const codes = new Set<string>();
  for (const { code } of accepted) codes.add(code);
  return [...codes];
}

function byQualityDescending(a: Accepted, b: Accepted): number {
  return b.quality - a.quality;
}

/** Digits as Python's `float()` reads them: underscores only between digits. */
const DIGITS = String.raw`\d(?:_?\d)*`;
/** A number `float()` accepts (`1`, `0.5`, `.5`, `5.`, `1e-1`, `inf`, `nan`; ASCII digits only), whole; no ambiguous repetition. */
const PY_FLOAT = new RegExp(
  String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|nan)$`,
  "i",
);

/**
 * The quality of a language's parameter (`q=0.8`, trimmed): what Python's `float()` makes of
 * the value, 0 when it cannot or it is negative; 1 when the parameter is not `q=`.
 */
function qualityOf(parameter: string): number {
  if (!parameter.startsWith("q=")) return 1;
  const text = parameter.slice(2).trim();
  if (!PY_FLOAT.test(text)) return 0;
  const unsigned = text.replace(/^[+-]/, "").toLowerCase();
  let value: number;
  if (unsigned.startsWith("inf")) value = Infinity;
  else if (unsigned === "nan") value = NaN;
  else value = Number(unsigned.replace(/_/g, ""));
  if (text.startsWith("-")) value = -value;
  return value < 0 ? 0 : value;
}

/** The `_` and `pgettext` templates call for a locale, made once per locale (see `localeFunctions`). */
export interface LocaleFunctions {
  readonly _: Locale["translate"];
  readonly pgettext: Locale["pgettext"];
}

const functionsByLocale = new WeakMap<Locale, LocaleFunctions>();

/** `locale.translate` and `locale.pgettext` as functions for templates, called on `locale` (its own methods, when called). */
export function localeFunctions(locale: Locale): LocaleFunctions {
  let functions = functionsByLocale.get(locale);
  if (functions === undefined) {
    functions = {
      _: (message, plural_message, count) => locale.translate(message, plural_message, count),
      pgettext: (context, message, plural_message, count) => locale.pgettext(context, message, plural_message, count),
    };
    functionsByLocale.set(locale, functions);
  }
  return functions;
}
