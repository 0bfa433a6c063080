/**
 * What `RequestHandler.set_cookie` does with its arguments, kept apart from the class: the
 * options object, the expiry arithmetic and the checks made when the cookie is set (so that a
 * bad cookie fails at the call, not later while the response's headers are being written).
 * Internal: `CookieOptions` is re-exported by `handler.ts`.
 */
import { CookieError, format_set_cookie } from "../httputil/cookies";

/** Options of `set_cookie`, Python's keyword arguments. */
export interface CookieOptions {
  domain?: string | null;
  /** An absolute expiry: a Date, seconds since the epoch, or a preformatted string. */
  expires?: Date | number | string | null;
  path?: string | null;
  /** Days from now until the cookie expires; ignored when `expires` is given. */
  expires_days?: number | null;
  /** Seconds the cookie lives (the `Max-Age` attribute). */
  max_age?: number | null;
  httponly?: boolean;
  secure?: boolean;
  samesite?: string | null;
}

const DAY_MS = 24 * 3600 * 1000;

/** True when every code unit of `text` fits in Latin-1, the only characters a header line carries. */
function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * Refuses what `format_set_cookie` lets through but a header cannot carry: characters above
 * U+00FF in the value or an attribute, and a `Max-Age` or expiry that is not a finite number.
 */
function checkEncodable(name: string, value: string, options: CookieOptions): void {
  if (!isLatin1(value))
    throw new CookieError(`Invalid cookie '${name}': value holds a character above U+00FF (encode it first)`);
  for (const attribute of ["domain", "path", "samesite", "expires"] as const) {
    const text = options[attribute];
    if (typeof text === "string" && !isLatin1(text)) {
      throw new CookieError(
        `Invalid cookie attribute ${attribute} for cookie '${name}': it holds a character above U+00FF`,
      );
    }
  }
  for (const attribute of ["max_age", "expires_days", "expires"] as const) {
    const number = options[attribute];
    if (typeof number === "number" && !Number.isFinite(number))
      throw new CookieError(`Invalid cookie attribute ${attribute}=${number} for cookie '${name}'`);
  }
  if (options.expires instanceof Date && Number.isNaN(options.expires.getTime())) {
    throw new CookieError(`Invalid cookie attribute expires (an invalid Date) for cookie '${name}'`);
  }
}

/**
 * The `Set-Cookie` header value for `set_cookie(name, value, options)`: `expires_days` turned
 * into an expiry from now, the path defaulting to `/`, everything checked first.
 * @throws CookieError naming the cookie and the problem: an illegal or reserved name, a value
 *   with a space, a control character or a character above U+00FF, an attribute with `;`, a
 *   space or a control character, a non-finite `max_age` or expiry.
 */
export function formatCookie(name: string, value: string | Buffer, options: CookieOptions): string {
  const text = typeof value === "string" ? value : value.toString("utf8");
  checkEncodable(name, text, options);
  let expires = options.expires ?? null;
  if (expires === null && options.expires_days !== undefined && options.expires_days !== null) {
    expires = new Date(Date.now() + options.expires_days * DAY_MS);
  }
  return format_set_cookie(name, text, {
    domain: options.domain ?? undefined,
    expires: expires ?? undefined,
    path: options.path === undefined ? "/" : options.path,
    max_age: options.max_age ?? undefined,
    httponly: options.httponly,
    secure: options.secure,
    samesite: options.samesite ?? undefined,
  });
}

/**
 * Checks the options of `clear_cookie`, which sets its own expiry.
 * @throws TypeError, as Python's for an unexpected keyword argument, when given `expires`, `max_age` or `expires_days`.
 */
export function checkClearCookieOptions(options: CookieOptions): void {
  for (const excluded of ["expires", "max_age", "expires_days"] as const) {
    if (options[excluded] !== undefined)
      throw new TypeError(`clear_cookie() got an unexpected keyword argument '${excluded}'`);
  }
}
