/**
 * Request body parsing: `application/x-www-form-urlencoded` and
 * `multipart/form-data` forms into argument and file maps.
 */
import { isUtf8 } from "node:buffer";
import { HTTPInputError } from "./errors";
import { listFor, parseUrlencodedBody } from "./form";
import { HTTPHeaders } from "./headers";
import { parseHeaderParams } from "./params";
import { pyStrip } from "../util";

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

/**
 * Limits on `multipart/form-data` bodies, against denial of service (Tornado's
 * `ParseMultipartConfig`). A body past a limit is refused whole: the request
 * is answered 400.
 */
export interface ParseMultipartConfig {
  /** False refuses every multipart body. Default true. */
  enabled: boolean;
  /**
   * Most parts one body may have, counted as Tornado counts them (the text
   * before the first boundary is one). Default 100.
   */
  max_parts: number;
  /** Most bytes of headers one part may have. Default 10 KiB. */
  max_part_header_size: number;
}

/**
 * Limits on `application/x-www-form-urlencoded` bodies. Tornado has none; this
 * one bounds the number of objects a body makes (each field costs a few
 * hundred bytes of heap whatever its size), so that a body of N bytes costs
 * about N bytes.
 */
export interface ParseUrlencodedConfig {
  /**
   * Most fields one body may have, counted as Python's
   * `parse_qs(max_num_fields=...)` counts them: one more than the `&`
   * separators. Default 10,000.
   */
  max_fields: number;
}

/** Body-parsing configuration (Tornado's `ParseBodyConfig`). */
export interface ParseBodyConfig {
  /** Limits for `multipart/form-data`. */
  multipart: ParseMultipartConfig;
  /** Limits for `application/x-www-form-urlencoded`; Tornado has no such field, so it may be left out (defaults apply). */
  urlencoded?: ParseUrlencodedConfig;
}

/** The default of `ParseUrlencodedConfig.max_fields`. */
const DEFAULT_MAX_FIELDS = 10_000;

function defaultBodyConfig(): ParseBodyConfig {
  return {
    multipart: { enabled: true, max_parts: 100, max_part_header_size: 10 * 1024 },
    urlencoded: { max_fields: DEFAULT_MAX_FIELDS },
  };
}

let defaultConfig = defaultBodyConfig();

/**
 * Replaces the process-wide default body-parsing configuration (to raise the
 * limits or turn multipart parsing off). Pass null to restore the defaults.
 */
export function set_parse_body_config(config: ParseBodyConfig | null): void {
  defaultConfig = config ?? defaultBodyConfig();
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
 * type is matched case-sensitively by prefix, as Tornado does. Linear in the
 * size of the body and of the content type.
 * @param headers the request headers; a `Content-Encoding` among them is refused.
 * @param options.config limits to use instead of the process-wide default.
 * @throws HTTPInputError (`Unsupported Content-Encoding: gzip`,
 * `Invalid x-www-form-urlencoded body: Max number of fields exceeded`,
 * `Invalid multipart/form-data: ...`) when the body cannot be parsed or is
 * past a limit of the configuration.
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
    parseUrlencodedBody(body, arguments_, config.urlencoded?.max_fields ?? DEFAULT_MAX_FIELDS);
  } else if (content_type.startsWith("multipart/form-data")) {
    rejectContentEncoding(headers);
    parseMultipartBody(content_type, body, arguments_, files, config.multipart);
  }
}

/**
 * Start offsets and ends of the parts between `--boundary\r\n` delimiters in
 * `data[0:end]`, as Python's `bytes.split` finds them.
 * @throws HTTPInputError as soon as there are more than `maxParts`, so that a
 * body of many tiny parts costs no more than the limit allows.
 */
function splitParts(data: Buffer, delimiter: Buffer, end: number, maxParts: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let start = 0;
  for (let at = data.indexOf(delimiter, 0); at >= 0 && at < end; at = data.indexOf(delimiter, start)) {
    if (at + delimiter.length > end) break;
    parts.push([start, at]);
    if (parts.length >= maxParts) throw new HTTPInputError("multipart/form-data has too many parts");
    start = at + delimiter.length;
  }
  parts.push([start, end]);
  return parts;
}

// Why not @fastify/busboy (the maintained fork, chosen over busboy 1.6.0 had we streamed): the
// body is already whole in memory when Tornado parses it, and busboy's semantics are not
// Tornado's. Fed Tornado's own test cases, busboy 3.2.6 silently skips parts Tornado refuses with
// 400 (no headers, a disposition other than form-data), files a part whose filename is empty
// (Tornado: an argument), strips the directory from file names, decodes field values through
// their charset (Tornado keeps the raw bytes), defaults the type to text/plain (Tornado:
// application/unknown) and delivers files after a tick. Tornado's split, done on the Buffer with
// indexOf and views, is linear here and bounded by the limits below.

/**
 * RFC 2046 (section 5.1.1) allows boundaries of 1 to 70 characters. Tornado
 * does not check; we do, because finding a boundary of m bytes in a body of n
 * takes up to n * m steps: a 8 KB boundary over a 1 MB body of dashes blocks
 * the event loop for seconds, a 70-byte one for about a millisecond.
 */
const MAX_BOUNDARY_LENGTH = 70;

/**
 * Parses a `multipart/form-data` body. Parts with a non-empty filename go
 * to `files` (content type defaulting to `application/unknown`), the others
 * to `arguments` as raw bytes. Bytes after the final boundary are ignored.
 * Works on the Buffer directly; only each part's headers become a string.
 * @param boundary the boundary parameter of the Content-Type, quotes allowed.
 * @param options.config limits to use instead of the process-wide default
 * (by default at most 100 parts and 10 KiB of headers per part).
 * Linear in the size of the body (the boundary is at most 70 characters).
 * @throws HTTPInputError when the boundary is longer than RFC 2046 allows,
 * there is no final boundary, too many parts, a part without headers, headers too large or invalid, a disposition other
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
  if (mark.length > MAX_BOUNDARY_LENGTH) throw new HTTPInputError("multipart boundary is longer than 70 characters");
  const finalIndex = data.lastIndexOf(Buffer.concat([Buffer.from("--"), mark, Buffer.from("--")]));
  if (finalIndex < 0) throw new HTTPInputError("Invalid multipart/form-data: no final boundary found");
  const delimiter = Buffer.concat([Buffer.from("--"), mark, Buffer.from("\r\n")]);
  const parts = splitParts(data, delimiter, finalIndex, config.max_parts);
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

function addPart(
  part: Buffer,
  args: Record<string, Buffer[]>,
  files: Record<string, HTTPFile[]>,
  config: ParseMultipartConfig,
): void {
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
