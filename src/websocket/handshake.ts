/**
 * Parsing of the handshake's request headers (`Origin`, `Connection`, `Sec-WebSocket-Protocol`)
 * and the check of the subprotocol the handler chose. Each runs in time linear in its input, by
 * index loops: these values come from the client and may be as long as the server's header
 * limit allows.
 */
import { isToken } from "../httputil/header-check";
import { HTTPError } from "../web/errors";

const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;

function isSchemeStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** RFC 3986 scheme characters after the first: letters, digits, `+`, `-`, `.`. */
function isSchemeChar(code: number): boolean {
  return isSchemeStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
}

/** Index of the first `/`, `?` or `#` at or after `from`, or the length. */
function authorityEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2f || code === 0x3f || code === 0x23) return i;
  }
  return text.length;
}

/**
 * The network location (host and port) of an absolute URL such as an `Origin` header,
 * `"example.com:8080"` for `"https://example.com:8080/x"`; empty when `origin` has no
 * `scheme://` prefix (as Python's `urlparse(origin).netloc`).
 */
export function netloc(origin: string): string {
  if (origin.length === 0 || !isSchemeStart(origin.charCodeAt(0))) return "";
  let i = 1;
  while (i < origin.length && isSchemeChar(origin.charCodeAt(i))) i++;
  if (!origin.startsWith("://", i)) return "";
  const start = i + 3;
  return origin.slice(start, authorityEnd(origin, start));
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/**
 * Splits a comma-separated header value into its items, each trimmed of spaces and tabs,
 * empty items dropped: `"a, b,,c "` gives `["a", "b", "c"]`.
 */
export function headerList(value: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i < value.length && value.charCodeAt(i) !== COMMA) continue;
    let from = start;
    let to = i;
    while (from < to && isBlank(value.charCodeAt(from))) from++;
    while (to > from && isBlank(value.charCodeAt(to - 1))) to--;
    if (to > from) items.push(value.slice(from, to));
    start = i + 1;
  }
  return items;
}

/** True when the comma-separated `value` holds `token`, compared without regard to case (`Connection: keep-alive, Upgrade`). */
export function hasToken(value: string, token: string): boolean {
  const wanted = token.toLowerCase();
  for (const item of headerList(value)) {
    if (item.length === wanted.length && item.toLowerCase() === wanted) return true;
  }
  return false;
}

/**
 * Checks the subprotocol `select_subprotocol` chose (null or `""` for none, as Tornado's `if
 * selected_subprotocol:`) against the client's `Sec-WebSocket-Protocol` header, before the 101
 * names it. It must be one the client offered (Tornado asserts so) and, like every item of a
 * valid offer, an RFC 9110 token, so that the 101's `Sec-WebSocket-Protocol` is a valid header.
 * @throws Error when it was not offered: the handler's mistake, a 500 as Tornado's `AssertionError`.
 * @throws HTTPError 400 when it was offered but is not a token: the client's header was invalid
 * (`ws` would refuse it with a 400 too).
 */
export function checkSubprotocol(chosen: string | null, offered: string): void {
  if (chosen === null || chosen === "") return;
  if (!headerList(offered).includes(chosen)) {
    throw new Error(`select_subprotocol() returned ${JSON.stringify(chosen)}, which the client did not offer`);
  }
  if (!isToken(chosen)) throw new HTTPError(400, "Invalid Sec-WebSocket-Protocol header");
}
