/** Small type checks shared by the modules; not part of the public API. */

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

// Whitespace trimming by index loops: a regular expression such as `^\s+|\s+$` is quadratic on a
// long inner run of whitespace (the second branch is retried from every position of the run),
// which a client can send in a cookie, a header or an argument; these loops read each character once.

/** True for the characters Python's `str.isspace()` accepts, which `str.strip()` removes. */
export function isPythonWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c;
  if (code < 0x85) return false;
  return (
    code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000
  );
}

/** Python's `text.strip()` with no argument: the text without whitespace at either end. */
export function stripPythonWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
