/**
 * Cookie parsing (`Cookie:` request headers) and formatting (`Set-Cookie:`
 * response headers) as Tornado does them.
 */
import { format_timestamp } from "./util";
import { pyStrip } from "../util";

/** Raised for a cookie that cannot be written safely: a bad name, value or attribute. */
export class CookieError extends Error {
  /** @param message names the cookie and the offending part. */
  constructor(message: string) {
    super(message);
    this.name = "CookieError";
  }
}

const COOKIE_ESCAPE_RE = /\\(?:([0-3][0-7][0-7])|([^\n]))/g;

function unescapeCookieChar(_match: string, octal: string | undefined, char: string | undefined): string {
  return octal === undefined ? String(char) : String.fromCharCode(parseInt(octal, 8));
}

/** Undoes the double quotes and backslash escapes of a quoted cookie value. */
function unquoteCookie(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  return value.slice(1, -1).replace(COOKIE_ESCAPE_RE, unescapeCookieChar);
}

/**
 * Parses a `Cookie` request header into `name -> value` the way browsers
 * read `document.cookie`, not by the RFCs: pairs are split on every `;`
 * (even inside quotes), name and value on the first `=`, both are stripped,
 * a chunk without `=` is a value with an empty name, and a later duplicate
 * name wins. Double-quoted values lose their quotes and backslash escapes
 * (`\"`, `\\`, octal `\ooo`). The result has a null prototype.
 */
export function parse_cookie(header: string): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  for (const chunk of header.split(";")) {
    const eq = chunk.indexOf("=");
    const name = pyStrip(eq < 0 ? "" : chunk.slice(0, eq));
    const value = pyStrip(eq < 0 ? chunk : chunk.slice(eq + 1));
    if (name !== "" || value !== "") cookies[name] = unquoteCookie(value);
  }
  return cookies;
}

/** The optional attributes of a `Set-Cookie` header. */
export interface CookieAttributes {
  /** `Domain=`; omitted when empty. */
  domain?: string | null;
  /** `expires=`: a Date, seconds since the epoch, or a preformatted HTTP date; omitted when falsy. */
  expires?: Date | number | string | null;
  /** `Path=`; defaults to `/`; null or "" omits it. */
  path?: string | null;
  /** `Max-Age=` in seconds; omitted when 0 or absent. */
  max_age?: number | null;
  /** Adds `HttpOnly`. */
  httponly?: boolean;
  /** Adds `Secure`. */
  secure?: boolean;
  /** `SameSite=` (`Strict`, `Lax`, `None`); omitted when empty. */
  samesite?: string | null;
}

const LEGAL_KEY_RE = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/;
const MUST_OCTAL_ESCAPE_RE = /[\x00-\x1f\x7f-\xff,;]/g;
const RESERVED_ATTRIBUTE_NAMES = new Set([
  "expires",
  "path",
  "comment",
  "domain",
  "max-age",
  "secure",
  "httponly",
  "version",
  "samesite",
]);
const VALUE_FORBIDDEN_RE = /[\x00-\x20]/;
const ATTRIBUTE_FORBIDDEN_RE = /[\x00-\x20;\x7f]/;
const EXPIRES_FORBIDDEN_RE = /[\x00-\x1f;\x7f]/;

/**
 * True when Python's `SimpleCookie` accepts `name` for a cookie: a legal token that is not an
 * attribute name (`path`, `domain`, ...). Tornado drops request cookies with other names.
 * @internal shared with `HTTPServerRequest.cookies`; not part of the public API.
 */
export function isMorselName(name: string): boolean {
  return LEGAL_KEY_RE.test(name) && !RESERVED_ATTRIBUTE_NAMES.has(name.toLowerCase());
}

function octalEscape(char: string): string {
  return "\\" + char.charCodeAt(0).toString(8).padStart(3, "0");
}

/**
 * Writes a cookie value as Python's cookie library does: legal token
 * characters pass bare, anything else is double-quoted with `"` and `\`
 * backslash-escaped and other unsafe Latin-1 characters as `\ooo`.
 */
function quoteCookieValue(value: string): string {
  if (LEGAL_KEY_RE.test(value)) return value;
  const escaped = value.replace(/["\\]/g, (c) => "\\" + c).replace(MUST_OCTAL_ESCAPE_RE, octalEscape);
  return `"${escaped}"`;
}

function checkCookie(name: string, value: string, attrs: CookieAttributes): void {
  if (VALUE_FORBIDDEN_RE.test(value)) throw new CookieError(`Invalid cookie '${name}': '${value}'`);
  const checked: Array<[string, string | null | undefined]> = [
    ["name", name],
    ["domain", attrs.domain],
    ["path", attrs.path],
    ["samesite", attrs.samesite],
  ];
  for (const [attrName, attrValue] of checked) {
    if (typeof attrValue === "string" && ATTRIBUTE_FORBIDDEN_RE.test(attrValue)) {
      throw new CookieError(`Invalid cookie attribute ${attrName}='${attrValue}' for cookie '${name}'`);
    }
  }
  if (typeof attrs.expires === "string" && EXPIRES_FORBIDDEN_RE.test(attrs.expires)) {
    throw new CookieError(`Invalid cookie attribute expires='${attrs.expires}' for cookie '${name}'`);
  }
  if (RESERVED_ATTRIBUTE_NAMES.has(name.toLowerCase()))
    throw new CookieError(`Attempt to set a reserved key '${name}'`);
  if (!LEGAL_KEY_RE.test(name)) throw new CookieError(`Illegal key '${name}'`);
}

function formatExpires(expires: Date | number | string): string {
  return typeof expires === "string" ? expires : format_timestamp(expires);
}

/** The attribute parts, already in Python's sorted-key order. */
function attributeParts(attrs: CookieAttributes): string[] {
  const path = attrs.path === undefined ? "/" : attrs.path;
  const parts: string[] = [];
  if (attrs.domain) parts.push(`Domain=${attrs.domain}`);
  if (attrs.expires) parts.push(`expires=${formatExpires(attrs.expires)}`);
  if (attrs.httponly) parts.push("HttpOnly");
  if (attrs.max_age) parts.push(`Max-Age=${attrs.max_age}`);
  if (path) parts.push(`Path=${path}`);
  if (attrs.samesite) parts.push(`SameSite=${attrs.samesite}`);
  if (attrs.secure) parts.push("Secure");
  return parts;
}

/**
 * Builds the value of a `Set-Cookie` header exactly as Tornado's
 * `set_cookie` does through Python's `Morsel.OutputString()`:
 * `name=value` (the value quoted if it needs to be), then the attributes in
 * the order `Domain`, `expires`, `HttpOnly`, `Max-Age`, `Path`, `SameSite`,
 * `Secure`, joined by `; `. For example `equals="a=b"; Path=/`.
 * @throws CookieError naming the cookie if the value holds a space or a
 * control character, if the name or an attribute holds a space, `;` or a
 * control character, or if the name is empty, reserved (`path`,
 * `expires`, ...) or not a cookie token.
 */
export function format_set_cookie(name: string, value: string, attrs: CookieAttributes = {}): string {
  checkCookie(name, value, attrs);
  return [`${name}=${quoteCookieValue(value)}`, ...attributeParts(attrs)].join("; ");
}
