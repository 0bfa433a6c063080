/**
 * `RequestHandler`'s XSRF protection: the masked token (and the `_xsrf` cookie it sets when
 * the request had none), and the check of a sent token against the cookie that `_execute`
 * runs for unsafe methods under the `xsrf_cookies` setting. Functions of the handler
 * (`HandlerCore`); internal.
 */
import { randomBytes } from "node:crypto";
import type { CookieOptions } from "./cookies";
import { HTTPError } from "./errors";
import type { HandlerCore, RawXsrfToken } from "./handler-state";
import { decode_xsrf_token, encode_xsrf_token, xsrf_tokens_match } from "./xsrf";

/** `xsrf_token`: masked afresh once per request, in the `xsrf_cookie_version` format. */
export function xsrfToken(h: HandlerCore): string {
  if (h._xsrf_token === null) {
    const raw = rawXsrfToken(h);
    const outputVersion = Number(h.settings.xsrf_cookie_version ?? 2);
    if (outputVersion !== 1 && outputVersion !== 2) throw new Error(`unknown xsrf cookie version ${outputVersion}`);
    const token = outputVersion === 1 ? raw.token.toString("hex") : encode_xsrf_token(raw.token, raw.timestamp);
    h._xsrf_token = token;
    if (raw.version === null) {
      const options: CookieOptions = { ...(h.settings.xsrf_cookie_kwargs as CookieOptions | undefined) };
      if (h.current_user && options.expires_days === undefined) options.expires_days = 30;
      h.set_cookie(String(h.settings.xsrf_cookie_name ?? "_xsrf"), token, options);
    }
  }
  return h._xsrf_token;
}

/** `check_xsrf_cookie()`: the `_xsrf` argument or header against the cookie. @throws HTTPError 403. */
export function checkXsrfCookie(h: HandlerCore): void {
  const sent =
    h.get_argument("_xsrf", null) || h.request.headers.get("X-Xsrftoken") || h.request.headers.get("X-Csrftoken");
  if (!sent) throw new HTTPError(403, "'_xsrf' argument missing from POST");
  const { token } = decode_xsrf_token(sent);
  if (token === null) throw new HTTPError(403, "'_xsrf' argument has invalid format");
  if (!xsrf_tokens_match(token, rawXsrfToken(h).token))
    throw new HTTPError(403, "XSRF cookie does not match POST argument");
}

/** The token of the request's XSRF cookie, or a new random one (version null: the cookie is to be set). */
function rawXsrfToken(h: HandlerCore): RawXsrfToken {
  if (h._raw_xsrf === null) {
    const cookie = h.get_cookie(String(h.settings.xsrf_cookie_name ?? "_xsrf"));
    const decoded = cookie ? decode_xsrf_token(cookie) : { version: null, token: null, timestamp: null };
    h._raw_xsrf =
      decoded.token === null
        ? { version: null, token: randomBytes(16), timestamp: Math.floor(Date.now() / 1000) }
        : {
            version: decoded.version,
            token: decoded.token,
            timestamp: decoded.timestamp ?? Math.floor(Date.now() / 1000),
          };
  }
  return h._raw_xsrf;
}
