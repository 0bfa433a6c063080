/** Small helpers shared by the modules (type checks, Python's strip); not part of the public API. */

/** True for objects made by `{}` literals or `Object.create(null)`: what Python calls a dict. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for promises and other thenables: what a hook returns when it is async. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Python's `str.isspace()` for one UTF-16 code unit (all such characters are in the BMP). */
function isPyWhitespace(c: number): boolean {
  if (c <= 0x20) return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/**
 * Python's `str.strip()`: removes leading and trailing whitespace as Python
 * defines it. An index loop, not a `^\s+|\s+$` regular expression, which
 * takes quadratic time on a run of spaces followed by anything else.
 */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPyWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPyWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
