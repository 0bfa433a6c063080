/**
 * Parameters of `Content-Type`/`Content-Disposition`-style header values
 * (`form-data; name="a"; filename*=UTF-8''x.txt`), as Tornado's
 * `_parse_header`, and Python's `str.strip()`. Every loop here is linear in
 * its input: these run over client bytes on every multipart request, for
 * every route, before any handler code.
 */
import { pyStrip } from "../util";

/** Counts `needle` in `text[from:to]`, scanning only that slice; a negative `from` counts from the end. */
function countIn(text: string, needle: string, from: number, to: number): number {
  let count = 0;
  const last = to - needle.length;
  for (let i = from < 0 ? Math.max(0, text.length + from) : from; i <= last; i++) {
    if (text.startsWith(needle, i)) {
      count++;
      i += needle.length - 1;
    }
  }
  return count;
}

/**
 * Splits `;param; param="a;b"` on the semicolons that are outside double
 * quotes, in linear time; the input starts with `;`.
 */
function splitParams(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (s.indexOf(";", start) === start) {
    start += 1;
    let end = s.indexOf(";", start);
    let ind = start;
    let diff = 0;
    while (end > 0) {
      diff += countIn(s, '"', ind, end) - countIn(s, '\\"', ind, end);
      if (diff % 2 === 0) break;
      [end, ind] = [ind, s.indexOf(";", end + 1)];
    }
    if (end < 0) end = s.length;
    out.push(pyStrip(s.slice(start, end)));
    start = end;
  }
  return out;
}

/** `"..."` loses its quotes and `\\`/`\"` escapes; `<...>` loses its brackets. */
function emailUnquote(text: string): string {
  if (text.length > 1 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replaceAll("\\\\", "\\").replaceAll('\\"', '"');
  }
  if (text.length > 1 && text.startsWith("<") && text.endsWith(">")) return text.slice(1, -1);
  return text;
}

function emailQuote(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}

const RFC2231_NAME_RE = /^([A-Za-z0-9_]+)\*(?:([0-9]+)\*?)?$/;

interface Continuation {
  num: number | null;
  value: string;
  encoded: boolean;
}

function compareContinuations(a: Continuation, b: Continuation): number {
  const byNum = (a.num ?? -1) - (b.num ?? -1);
  if (byNum !== 0) return byNum;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return Number(a.encoded) - Number(b.encoded);
}

/** Python's `raw-unicode-escape` encoding: Latin-1 bytes, `\uXXXX` for wider characters. */
function rawUnicodeEscape(text: string): Buffer {
  const escaped = text.replace(/[^\x00-\xff]/gu, (c) => {
    const cp = c.codePointAt(0) as number;
    return cp > 0xffff ? "\\U" + cp.toString(16).padStart(8, "0") : "\\u" + cp.toString(16).padStart(4, "0");
  });
  return Buffer.from(escaped, "latin1");
}

function decodeCharset(bytes: Buffer, charset: string): string | undefined {
  const label = charset.toLowerCase().replaceAll("_", "-");
  if (label === "utf-8" || label === "utf8") return bytes.toString("utf8");
  if (label === "latin-1" || label === "latin1" || label === "iso-8859-1") return bytes.toString("latin1");
  if (label === "us-ascii" || label === "ascii") return bytes.toString("latin1").replace(/[\x80-\xff]/g, "\ufffd");
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Joins the RFC 2231 continuations of one parameter and decodes its charset. */
function collapseRfc2231(continuations: Continuation[]): string {
  continuations.sort(compareContinuations);
  const extended = continuations.some((c) => c.encoded);
  const joined = emailQuote(continuations.map((c) => (c.encoded ? percentDecodeLatin1(c.value) : c.value)).join(""));
  if (!extended) return emailUnquote(`"${joined}"`);
  const pieces = joined.split("'");
  const [charset, text] =
    pieces.length > 2 ? [pieces[0], `"${pieces.slice(2).join("'")}"`] : ["us-ascii", `"${joined}"`];
  return decodeCharset(rawUnicodeEscape(text), charset) ?? emailUnquote(text);
}

function percentDecodeLatin1(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replaceAll("%", ""), "hex").toString("latin1"));
}

function stripQuotes(value: string): string {
  return value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"' ? value.slice(1, -1) : value;
}

/**
 * Parses a `Content-Disposition`-style header into its main value and its
 * parameters, as Tornado's `_parse_header`: quoted values are unescaped,
 * parameter names lower-cased, RFC 2231 (`filename*=UTF-8''%C3%A1b.txt`,
 * continuations `name*0*=`) decoded and preferred over the plain form.
 */
export function parseHeaderParams(line: string): [string, Map<string, string>] {
  const [key, ...parts] = splitParams(";" + line);
  const params = new Map<string, string>();
  const continuations = new Map<string, Continuation[]>();
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = pyStrip(part.slice(0, eq)).toLowerCase();
    const value = emailUnquote(pyStrip(part.slice(eq + 1)));
    const rfc2231 = RFC2231_NAME_RE.exec(name);
    if (rfc2231 === null) {
      params.set(name, stripQuotes(value));
      continue;
    }
    const num = rfc2231[2] === undefined ? null : Number(rfc2231[2]);
    const list = continuations.get(rfc2231[1]) ?? [];
    list.push({ num, value, encoded: name.endsWith("*") });
    continuations.set(rfc2231[1], list);
  }
  for (const [name, list] of continuations) params.set(name, stripQuotes(collapseRfc2231(list)));
  return [key, params];
}
