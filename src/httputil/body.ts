/**
 * Request body parsing: `application/x-www-form-urlencoded` and
 * `multipart/form-data` forms into argument and file maps.
 */
import { isUtf8 } from "node:buffer";
import { parse_qs_bytes } from "../escape";
import { HTTPInputError } from "./errors";
import { HTTPHeaders } from "./headers";

const PY_EDGE_WHITESPACE_RE =
  /^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function pyStrip(text: string): string {
  return text.replace(PY_EDGE_WHITESPACE_RE, "");
}

/** A file uploaded through a multipart form. */
export class HTTPFile {
  /** The file name the client sent (`filename=` or `filename*=`). */
  filename: string;
  /** The raw content. */
  body: Buffer;
  /** The part's `Content-Type`, `application/unknown` when it had none. */
  content_type: string;

  /** @param init the three fields, as Tornado's keyword arguments. */
  constructor(init: { filename: string; body: Buffer; content_type: string }) {
    this.filename = init.filename;
    this.body = init.body;
    this.content_type = init.content_type;
  }
}

/** Limits on `multipart/form-data` bodies, against denial of service. */
export interface ParseMultipartConfig {
  /** False refuses every multipart body. Default true. */
  enabled: boolean;
  /** Most parts one body may have. Default 100. */
  max_parts: number;
  /** Most bytes of headers one part may have. Default 10 KiB. */
  max_part_header_size: number;
}

/** Body-parsing configuration; today only the multipart limits. */
export interface ParseBodyConfig {
  /** Limits for `multipart/form-data`. */
  multipart: ParseMultipartConfig;
}

function defaultBodyConfig(): ParseBodyConfig {
  return { multipart: { enabled: true, max_parts: 100, max_part_header_size: 10 * 1024 } };
}

let defaultConfig = defaultBodyConfig();

/**
 * Replaces the process-wide default body-parsing configuration (to raise the
 * multipart limits or turn multipart parsing off). Pass null to restore
 * Tornado's defaults.
 */
export function set_parse_body_config(config: ParseBodyConfig | null): void {
  defaultConfig = config ?? defaultBodyConfig();
}

/** Appends to `map[key]`, creating the list as an own property even for `__proto__`. */
function listFor<T>(map: Record<string, T[]>, key: string): T[] {
  if (Object.hasOwn(map, key)) return map[key];
  const list: T[] = [];
  Object.defineProperty(map, key, { value: list, enumerable: true, writable: true, configurable: true });
  return list;
}

function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

function rejectContentEncoding(headers: HTTPHeaders | undefined): void {
  const encoding = headers?.get("Content-Encoding");
  if (encoding !== undefined) throw new HTTPInputError(`Unsupported Content-Encoding: ${encoding}`);
}

function findBoundary(contentType: string): string {
  const fields = contentType.split(";");
  if (pyStrip(fields[0]) !== "multipart/form-data") throw new HTTPInputError("Invalid content type");
  for (const field of fields) {
    const text = pyStrip(field);
    const eq = text.indexOf("=");
    if (eq >= 0 && text.slice(0, eq) === "boundary" && eq + 1 < text.length) return text.slice(eq + 1);
  }
  throw new HTTPInputError("multipart boundary not found");
}

function parseMultipartBody(
  contentType: string,
  body: Buffer,
  args: Record<string, Buffer[]>,
  files: Record<string, HTTPFile[]>,
  config: ParseMultipartConfig,
): void {
  try {
    parse_multipart_form_data(findBoundary(contentType), body, args, files, { config });
  } catch (e) {
    throw new HTTPInputError(`Invalid multipart/form-data: ${(e as Error).message}`);
  }
}

/**
 * Parses a form body into `arguments` (name -> raw values) and `files`
 * (name -> uploads), adding to what they already hold. Handles
 * `application/x-www-form-urlencoded` (blank values kept) and
 * `multipart/form-data`; any other content type is ignored. The content
 * type is matched case-sensitively by prefix, as Tornado does.
 * @param headers the request headers; a `Content-Encoding` among them is refused.
 * @param options.config limits to use instead of the process-wide default.
 * @throws HTTPInputError (`Unsupported Content-Encoding: gzip`,
 * `Invalid multipart/form-data: ...`) when the body cannot be parsed.
 */
export function parse_body_arguments(
  content_type: string,
  body: Buffer,
  arguments_: Record<string, Buffer[]>,
  files: Record<string, HTTPFile[]>,
  headers?: HTTPHeaders,
  options?: { config?: ParseBodyConfig },
): void {
  const config = options?.config ?? defaultConfig;
  if (content_type.startsWith("application/x-www-form-urlencoded")) {
    rejectContentEncoding(headers);
    const parsed = parse_qs_bytes(body, true);
    for (const name in parsed) appendAll(listFor(arguments_, name), parsed[name]);
  } else if (content_type.startsWith("multipart/form-data")) {
    rejectContentEncoding(headers);
    parseMultipartBody(content_type, body, arguments_, files, config.multipart);
  }
}

/** Start offsets and ends of the parts between `--boundary\r\n` delimiters. */
function splitParts(data: Buffer, delimiter: Buffer, end: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let start = 0;
  for (let at = data.indexOf(delimiter, 0); at >= 0 && at < end; at = data.indexOf(delimiter, start)) {
    if (at + delimiter.length > end) break;
    parts.push([start, at]);
    start = at + delimiter.length;
  }
  parts.push([start, end]);
  return parts;
}

/**
 * Parses a `multipart/form-data` body. Parts with a non-empty filename go
 * to `files` (content type defaulting to `application/unknown`), the others
 * to `arguments` as raw bytes. Bytes after the final boundary are ignored.
 * Works on the Buffer directly; only each part's headers become a string.
 * @param boundary the boundary parameter of the Content-Type, quotes allowed.
 * @param options.config limits to use instead of the process-wide default
 * (by default at most 100 parts and 10 KiB of headers per part).
 * @throws HTTPInputError when there is no final boundary, too many parts, a
 * part without headers, headers too large or invalid, a disposition other
 * than `form-data`, a part not ending in CRLF, or a part without a name.
 */
export function parse_multipart_form_data(
  boundary: Buffer | string,
  data: Buffer,
  arguments_: Record<string, Buffer[]>,
  files: Record<string, HTTPFile[]>,
  options?: { config?: ParseMultipartConfig },
): void {
  const config = options?.config ?? defaultConfig.multipart;
  if (!config.enabled) throw new HTTPInputError("multipart/form-data parsing is disabled");
  let mark = Buffer.from(boundary);
  if (mark.length > 0 && mark[0] === 0x22 && mark[mark.length - 1] === 0x22) mark = mark.subarray(1, -1);
  const finalIndex = data.lastIndexOf(Buffer.concat([Buffer.from("--"), mark, Buffer.from("--")]));
  if (finalIndex < 0) throw new HTTPInputError("Invalid multipart/form-data: no final boundary found");
  const parts = splitParts(data, Buffer.concat([Buffer.from("--"), mark, Buffer.from("\r\n")]), finalIndex);
  if (parts.length > config.max_parts) throw new HTTPInputError("multipart/form-data has too many parts");
  for (const [start, end] of parts) {
    if (end > start) addPart(data.subarray(start, end), arguments_, files, config);
  }
}

const HEADER_END = Buffer.from("\r\n\r\n");

/** Parses a part's header block; returns the headers and where they end. */
function readPartHeaders(part: Buffer, config: ParseMultipartConfig): [HTTPHeaders, number] {
  const eoh = part.indexOf(HEADER_END);
  if (eoh < 0) throw new HTTPInputError("multipart/form-data missing headers");
  if (eoh > config.max_part_header_size) throw new HTTPInputError("multipart/form-data part header too large");
  const raw = part.subarray(0, eoh);
  if (!isUtf8(raw)) throw new HTTPInputError("multipart/form-data part headers are not valid UTF-8");
  return [HTTPHeaders.parse(raw.toString("utf8"), { _chars_are_bytes: false }), eoh];
}

function endsWithCrlf(part: Buffer): boolean {
  return part[part.length - 2] === 0x0d && part[part.length - 1] === 0x0a;
}

function addPart(part: Buffer, args: Record<string, Buffer[]>, files: Record<string, HTTPFile[]>, config: ParseMultipartConfig): void {
  const [headers, eoh] = readPartHeaders(part, config);
  const [disposition, params] = parseHeaderParams(headers.get("Content-Disposition", ""));
  if (disposition !== "form-data" || !endsWithCrlf(part)) throw new HTTPInputError("Invalid multipart/form-data");
  const value = part.subarray(eoh + 4, part.length - 2);
  const name = params.get("name");
  if (!name) throw new HTTPInputError("multipart/form-data missing name");
  const filename = params.get("filename");
  if (!filename) {
    listFor(args, name).push(value);
    return;
  }
  const content_type = headers.get("Content-Type", "application/unknown");
  listFor(files, name).push(new HTTPFile({ filename, body: value, content_type }));
}

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
  const [charset, text] = pieces.length > 2 ? [pieces[0], `"${pieces.slice(2).join("'")}"`] : ["us-ascii", `"${joined}"`];
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
function parseHeaderParams(line: string): [string, Map<string, string>] {
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
