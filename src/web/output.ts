/**
 * What a `RequestHandler` needs to build a response, kept apart from the class: header value
 * conversion, the cached HTTP date, the ETag hash and its `If-None-Match` matching, and
 * small helpers over the chunks of the write buffer. Internal: not exported by the package.
 */
import * as crypto from "node:crypto";
import type { HTTPHeaders } from "../httputil/headers";

const STAR = 0x2a;
const QUOTE = 0x22;
const LETTER_W = 0x57;

/**
 * `set_header`'s and `add_header`'s name, passed on as it is: `HTTPHeaders.set` and `add`
 * check it where they store it (httputil/header-check.ts, the one check of every header), so a
 * check here would be a second one. Kept under this name for `RequestHandler`'s calls.
 */
export function checkHeaderName(name: string): string {
  return name;
}

/**
 * A header value as text: numbers as decimals, Dates as HTTP dates, Buffers as Latin-1. The
 * text is checked by `HTTPHeaders.set`/`add` when stored (header-check.ts), not here.
 * @throws TypeError for other types and non-finite numbers.
 */
export function convertHeaderValue(value: string | number | Date | Buffer): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`Unsupported header value ${value}`);
    return String(value);
  }
  if (value instanceof Date) return value.toUTCString();
  if (!Buffer.isBuffer(value)) throw new TypeError(`Unsupported header value ${String(value)}`);
  return value.toString("latin1");
}

let cachedDateSecond = -1;
let cachedDate = "";

/** The current time as an HTTP date, formatted at most once a second. */
export function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== cachedDateSecond) {
    cachedDateSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
}

/** Node's one-shot `crypto.hash` (Node 20.12 and later): a third of `createHash`'s cost for one chunk. */
const oneShotHash = (crypto as Partial<typeof crypto>).hash;

/** The SHA-1 of the chunks (strings as UTF-8), in hex: the body's ETag. */
export function sha1Hex(chunks: ReadonlyArray<string | Buffer>): string {
  if (chunks.length === 1 && oneShotHash !== undefined) return oneShotHash("sha1", chunks[0], "hex");
  const hash = crypto.createHash("sha1");
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}

/** True when an `If-None-Match` header matches `etag` (weakly: `W/` ignored on both sides; `*` matches any). */
export function etagMatches(etag: string, ifNoneMatch: string): boolean {
  if (!etag) return false;
  const target = withoutWeakPrefix(etag);
  // One pass, nothing allocated per tag: the tokens are `*` and `"..."` or `W/"..."`, as
  // /\*|(?:W\/)?"[^"]*"/g would find them left to right; `*` counts only as the first token.
  let first = true;
  for (let i = 0; i < ifNoneMatch.length;) {
    const c = ifNoneMatch.charCodeAt(i);
    if (c === STAR) {
      if (first) return true;
      i++;
      continue;
    }
    const quote = c === QUOTE ? i : c === LETTER_W && ifNoneMatch.startsWith('W/"', i) ? i + 2 : -1;
    if (quote < 0) {
      i++;
      continue;
    }
    const end = ifNoneMatch.indexOf('"', quote + 1);
    // No closing quote: no tag can follow, only a `*`.
    if (end < 0) return first && ifNoneMatch.indexOf("*", i + 1) >= 0;
    if (end + 1 - quote === target.length && ifNoneMatch.startsWith(target, quote)) return true;
    first = false;
    i = end + 1;
  }
  return false;
}

function withoutWeakPrefix(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/** A chunk as bytes (strings as UTF-8). */
export function toBuffer(chunk: string | Buffer): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk) : chunk;
}

/** A chunk's length in bytes. */
export function chunkLength(chunk: string | Buffer): number {
  return typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
}

/** The chunks as one: a string when all are strings, else bytes. */
export function joinChunks(chunks: Array<string | Buffer>): string | Buffer {
  if (chunks.length === 1) return chunks[0];
  let strings = 0;
  for (const chunk of chunks) if (typeof chunk === "string") strings++;
  if (strings === chunks.length) return chunks.join("");
  // All bytes: concatenated as they are, without an array of conversions.
  if (strings === 0) return Buffer.concat(chunks as Buffer[]);
  return Buffer.concat(chunks.map(toBuffer));
}

/** An exception's stack (or name and message, or its text) for an error page. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The body headers of a finished response: a status without a body (1xx, 204, 304) loses
 * `Content-Encoding`, `Content-Language` and `Content-Type`; any other gets a `Content-Length`
 * from the chunks unless one was set.
 * @throws Error when a status without a body has body chunks.
 */
export function setBodyHeaders(status: number, headers: HTTPHeaders, chunks: ReadonlyArray<string | Buffer>): void {
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    if (chunks.some((c) => chunkLength(c) > 0)) throw new Error(`Cannot send body with ${status}`);
    headers.delete("Content-Encoding");
    headers.delete("Content-Language");
    headers.delete("Content-Type");
  } else if (!headers.has("Content-Length")) {
    let length = 0;
    for (const part of chunks) length += chunkLength(part);
    // A decimal: nothing to check.
    headers._set_unchecked("Content-Length", String(length));
  }
}
