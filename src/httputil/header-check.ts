/**
 * The one check of HTTP header names and values, for every header the server stores or sends:
 * `HTTPHeaders.add`, `set` and `parse` (and through them the handler's `set_header` and
 * `add_header`, whose headers a WebSocket's 101 response also carries). Each value is checked
 * once, where it is stored.
 *
 * The rule, RFC 9110 §5.1 and §5.5 (Tornado's `HTTPHeaders.add`):
 * - a name is a token: one or more of ``!#$%&'*+-.^_`|~``, digits and ASCII letters;
 * - a value is field characters only (HTAB, SP, VCHAR 0x21-0x7E, obs-text 0x80-0xFF: no NUL,
 *   CR, LF or other control character, no DEL, nothing above U+00FF) and does not begin or end
 *   with a space or tab. It is refused, not trimmed: a value is sent as it was given or not at all.
 * Both raise `HTTPInputError` ("Invalid header name ..." / "Invalid header value ..."), as
 * Tornado's `HTTPHeaders.add` does. Each check is one pass over the characters: an anchored
 * regular expression of one character class, which cannot backtrack (measured twice as fast as a
 * `charCodeAt` loop here), and for a value a look at its two ends.
 */
import { HTTPInputError } from "./errors";

/** `tchar` one or more times. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field characters: HTAB, SP, VCHAR, obs-text. */
const FIELD_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A control character but HTAB, or DEL. */
const TEXT_FORBIDDEN = /[\x00-\x08\x0a-\x1f\x7f]/;

const TAB = 0x09;
const SPACE = 0x20;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** True when `text` is an RFC 9110 token (`tchar` one or more times): a valid header name, method or subprotocol. */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** True when `value` is an RFC 9110 field-value whose characters stand for bytes (see the module comment). */
export function isFieldValue(value: string): boolean {
  const length = value.length;
  if (length === 0) return true;
  return !isBlank(value.charCodeAt(0)) && !isBlank(value.charCodeAt(length - 1)) && FIELD_CHARS.test(value);
}

/**
 * True when `value` holds no control character but HTAB, and no DEL: the looser rule for the
 * part headers of a multipart body, which are UTF-8 text rather than bytes.
 */
export function isTextFieldValue(value: string): boolean {
  return !TEXT_FORBIDDEN.test(value);
}

/**
 * Returns `name` when it is a token.
 * @throws HTTPInputError `Invalid header name "..."` otherwise.
 */
export function checkHeaderName(name: string): string {
  if (!isToken(name)) throw new HTTPInputError(`Invalid header name ${JSON.stringify(name)}`);
  return name;
}

/**
 * Returns `value` when it is a field-value (see the module comment).
 * @throws HTTPInputError `Invalid header value "..."` otherwise.
 */
export function checkHeaderValue(value: string): string {
  if (!isFieldValue(value)) throw new HTTPInputError(`Invalid header value ${JSON.stringify(value)}`);
  return value;
}
