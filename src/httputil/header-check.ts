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
 * Tornado's `HTTPHeaders.add` does. Each check is one pass over the characters.
 */
import { HTTPInputError } from "./errors";

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[c.charCodeAt(0)] = 1;
}

const TAB = 0x09;
const SPACE = 0x20;
const DEL = 0x7f;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** True when `text` is an RFC 9110 token (`tchar` one or more times): a valid header name, method or subprotocol. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TCHAR[code] === 0) return false;
  }
  return true;
}

/** True when `value` is an RFC 9110 field-value whose characters stand for bytes (see the module comment). */
export function isFieldValue(value: string): boolean {
  const length = value.length;
  if (length === 0) return true;
  if (isBlank(value.charCodeAt(0)) || isBlank(value.charCodeAt(length - 1))) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < SPACE ? code !== TAB : code === DEL || code > 0xff) return false;
  }
  return true;
}

/**
 * True when `value` holds no control character but HTAB, and no DEL: the looser rule for the
 * part headers of a multipart body, which are UTF-8 text rather than bytes.
 */
export function isTextFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < SPACE ? code !== TAB : code === DEL) return false;
  }
  return true;
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
