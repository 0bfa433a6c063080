/**
 * `RequestHandler`'s cookies: setting and clearing them on the response (`_new_cookie`, sent
 * with the headers), and signed cookies in Tornado's format under the `cookie_secret`
 * setting. Functions of the handler (`HandlerCore`); internal.
 */
import { checkClearCookieOptions, formatCookie, type CookieOptions } from "./cookies";
import type { HandlerCore } from "./handler-state";
import { create_signed_value, decode_signed_value, get_signature_key_version } from "./signing";

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const DEFAULT_SIGNED_COOKIE_DAYS = 30;

/** Options of the signed-cookie setters: a cookie's, plus the signature format `version`. */
export type SignedCookieOptions = CookieOptions & { version?: number | null };

/** `set_cookie()`: formats the cookie now (errors at the call), replacing one set earlier under the name. */
export function setCookie(h: HandlerCore, name: string, value: string | Buffer, options: CookieOptions): void {
  const formatted = formatCookie(name, value, options);
  if (h._new_cookie === null) h._new_cookie = new Map();
  h._new_cookie.delete(name);
  h._new_cookie.set(name, formatted);
}

/** `clear_cookie()`: the cookie set empty, expired a year ago. */
export function clearCookie(h: HandlerCore, name: string, options: CookieOptions): void {
  checkClearCookieOptions(options);
  h.set_cookie(name, "", { ...options, expires: new Date(Date.now() - ONE_YEAR_MS) });
}

/** `clear_all_cookies()`: `clear_cookie` for each cookie of the request. */
export function clearAllCookies(h: HandlerCore, options: CookieOptions): void {
  for (const name in h.request.cookies) h.clear_cookie(name, options);
}

/** `set_signed_cookie()`: `expires_days` 30 unless given (null for a session cookie). */
export function setSignedCookie(
  h: HandlerCore,
  name: string,
  value: string | Buffer,
  options: SignedCookieOptions,
): void {
  const { version, ...cookieOptions } = options;
  if (cookieOptions.expires_days === undefined) cookieOptions.expires_days = DEFAULT_SIGNED_COOKIE_DAYS;
  h.set_cookie(name, h.create_signed_value(name, value, version ?? null), cookieOptions);
}

/** `get_signed_cookie()`: the verified value, or null. */
export function getSignedCookie(
  h: HandlerCore,
  name: string,
  value: string | null,
  max_age_days: number,
  min_version: number | null,
): Buffer | null {
  h.require_setting("cookie_secret", "secure cookies");
  return decode_signed_value(cookieSecret(h), name, value ?? h.get_cookie(name), max_age_days, null, min_version);
}

/** `get_signed_cookie_key_version()`. */
export function signedCookieKeyVersion(h: HandlerCore, name: string, value: string | null): number | null {
  h.require_setting("cookie_secret", "secure cookies");
  const cookie = value ?? h.get_cookie(name);
  return cookie === null ? null : get_signature_key_version(cookie);
}

/** `create_signed_value()`: signs with `cookie_secret` (and `key_version` for a key object). */
export function createSignedValue(
  h: HandlerCore,
  name: string,
  value: string | Buffer,
  version: number | null,
): string {
  h.require_setting("cookie_secret", "secure cookies");
  const secret = cookieSecret(h);
  let keyVersion: number | null = null;
  if (typeof secret === "object") {
    if (h.settings.key_version === undefined || h.settings.key_version === null) {
      throw new Error("key_version setting must be used for secret_key dicts");
    }
    keyVersion = Number(h.settings.key_version);
  }
  return create_signed_value(secret, name, value, version, null, keyVersion).toString("utf8");
}

function cookieSecret(h: HandlerCore): string | Record<number, string> {
  return h.settings.cookie_secret as string | Record<number, string>;
}
