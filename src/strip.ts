/**
 * Whitespace trimming by index loops, shared by the parsers; not part of the public API.
 *
 * A regular expression such as `^\s+|\s+$` is quadratic on a long inner run of whitespace (the
 * second branch is retried from every position of the run), which a client can send in a cookie
 * or a header; these loops look at each character at most once.
 */

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
