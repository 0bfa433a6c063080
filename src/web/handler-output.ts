/**
 * `RequestHandler`'s output: the status, the headers, `write` / `flush` / `finish` with the
 * application's output transforms, the ETag and 304, `redirect`, and how a response that
 * fails on its way out ends. Functions of the handler (`HandlerCore`); internal.
 */
import { json_encode } from "../escape";
import * as headersModule from "../httputil/headers";
import { HTTPOutputError } from "../httputil/errors";
import type { HTTPConnection } from "../httputil/request";
import type { ConnectionStream } from "../httputil/stream";
import { responses } from "../httputil/util";
import { app_log, exc_info } from "../log";
import { isPlainObject } from "../util";
import { version } from "../version";
import * as flags from "./handler-state";
import type { Chunk, HandlerCore } from "./handler-state";
import * as outputHelpers from "./output";
import { closeConnection, sendBareError } from "./response-errors";
import type { OutputTransform } from "./transforms";

// Bound once (see handler-state.ts): read on every request.
const { BROKEN, FINISHED, FINISHING, HEADERS_COMMITTED, HEADERS_SENT } = flags;
const { etagMatches, httpDate, joinChunks, setBodyHeaders, sha1Hex, toBuffer } = outputHelpers;
const { HTTPHeaders } = headersModule;

/** The `Server` header of every response. */
export const SERVER_HEADER = `TornadoServer/${version}`;
const VALID_REASON = /^[\t\x20-\x7e\x80-\xff]+$/;
const RESOLVED = Promise.resolve();
/** What `_transforms` and `_sending` are while the response has no transforms. */
export const NO_TRANSFORMS: readonly OutputTransform[] = Object.freeze([]);
export const NOTHING_SENDING = RESOLVED;
/** The write buffer of a finished response: empty, shared, frozen. */
const NO_OUTPUT = Object.freeze([]) as unknown as Array<string | Buffer>;

/** `clear()`: the default headers, then `set_default_headers()`; an empty body; 200 OK. */
export function resetOutput(h: HandlerCore): void {
  const headers = new HTTPHeaders();
  // Constant, valid values: the check of every stored header (header-check.ts) is skipped here only.
  headers._set_unchecked("Server", SERVER_HEADER);
  headers._set_unchecked("Content-Type", "text/html; charset=UTF-8");
  headers._set_unchecked("Date", httpDate());
  h._headers = headers;
  h.set_default_headers();
  emptyBuffer(h);
  h._status_code = 200;
  h._reason = "OK";
}

/** `set_status()`: the code, and the reason given (if a valid phrase) or the standard one. */
export function setStatus(h: HandlerCore, status_code: number, reason: string | null | undefined): void {
  h._status_code = status_code;
  if (reason !== undefined && reason !== null) {
    h._reason = reason.includes("<") || !VALID_REASON.test(reason) ? "Unknown" : reason;
  } else {
    h._reason = responses[status_code] ?? "Unknown";
  }
}

/** `write()`: queues the chunk (a plain object as JSON, with its `Content-Type`). */
export function writeChunk(h: HandlerCore, chunk: Chunk): void {
  if (h._finished) throw new Error("Cannot write() after finish()");
  if (typeof chunk === "string" || Buffer.isBuffer(chunk)) {
    h._write_buffer.push(chunk);
  } else if (chunk instanceof Uint8Array) {
    h._write_buffer.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  } else if (isPlainObject(chunk)) {
    h._write_buffer.push(json_encode(chunk));
    h.set_header("Content-Type", "application/json; charset=UTF-8");
  } else {
    let message = "write() only accepts bytes, unicode, and dict objects";
    if (Array.isArray(chunk)) {
      message +=
        ". Lists not accepted for security reasons; see https://www.tornadoweb.org/en/stable/web.html#tornado.web.RequestHandler.write";
    }
    throw new TypeError(message);
  }
}

/** `flush()`: the headers the first time, then what was written; through the transforms in order. */
export function flushOutput(h: HandlerCore): Promise<void> {
  const chunk = takeBuffered(h, false);
  const first = !h._headers_written;
  if (first) startResponse(h);
  if (h._transforms.length === 0) {
    const sent = send(h, first, chunk);
    return sent === RESOLVED ? sent : sent.then(undefined, (err) => sendFailed(h, err));
  }
  const finishing = (h._state & FINISHING) !== 0;
  h._sending = h._sending.then(() => transformAndSend(h, first, toBuffer(chunk), finishing));
  return h._sending;
}

/**
 * What was written since the last flush, as one chunk. A flush empties the write buffer in
 * place (one array serves every flush of a response); the last chunk leaves the shared
 * `NO_OUTPUT` instead, as no write can follow `finish()`.
 */
function takeBuffered(h: HandlerCore, last: boolean): string | Buffer {
  const buffer = h._write_buffer;
  if (last) h._write_buffer = NO_OUTPUT;
  if (buffer.length === 0) return "";
  const chunk = joinChunks(buffer);
  if (!last) buffer.length = 0;
  return chunk;
}

/** Empties the write buffer in place; after a `finish()` that sent nothing (its headers were refused) a new one takes `NO_OUTPUT`'s place, for the error page. */
function emptyBuffer(h: HandlerCore): void {
  if (h._write_buffer === NO_OUTPUT) h._write_buffer = [];
  else if (h._write_buffer.length !== 0) h._write_buffer.length = 0;
}

/** Commits the headers: adds the cookies set so far and makes the response's transforms. */
function startResponse(h: HandlerCore): void {
  h._state |= HEADERS_COMMITTED;
  if (h._new_cookie !== null) {
    for (const cookie of h._new_cookie.values()) h._headers.add("Set-Cookie", cookie);
  }
  const transforms = h.application.transforms;
  if (transforms.length > 0) h._transforms = transforms.map((Transform) => new Transform(h.request));
}

/** Writes a chunk, with the status line and headers the first time; HEAD responses send no body. */
function send(h: HandlerCore, first: boolean, chunk: string | Buffer): Promise<void> {
  if ((h._state & BROKEN) !== 0) return RESOLVED;
  const connection = h.request.connection!;
  const body = h.request.method === "HEAD" ? "" : chunk;
  if (first) writeHeaders(h, connection);
  return body.length === 0 ? RESOLVED : connection.write(body);
}

/** Hands the status line and headers over; when the connection refuses them (a value Node cannot send), nothing went out and they count as uncommitted again. */
function writeHeaders(h: HandlerCore, connection: HTTPConnection): void {
  try {
    void connection.write_headers({ version: "", code: h._status_code, reason: h._reason }, h._headers);
  } catch (err) {
    h._state &= ~HEADERS_COMMITTED;
    h._transforms = NO_TRANSFORMS;
    throw err;
  }
  h._state |= HEADERS_SENT;
}

/** Runs a chunk through the response's transforms (in order, each may be async), then sends it. */
async function transformAndSend(h: HandlerCore, first: boolean, chunk: Buffer, finishing: boolean): Promise<void> {
  if ((h._state & BROKEN) !== 0) return;
  let data = chunk;
  try {
    if (first) {
      let status = h._status_code;
      for (const transform of h._transforms) {
        const [transformedStatus, transformed] = transform.transform_first_chunk(status, h._headers, data, finishing);
        status = transformedStatus;
        data = await transformed;
      }
      h._status_code = status;
    } else {
      for (const transform of h._transforms) data = await transform.transform_chunk(data, finishing);
    }
    await send(h, first, data);
  } catch (err) {
    sendFailed(h, err);
  }
}

/** A chunk could not be transformed or sent once the handler had moved on: logged, and the response ended as it can be. */
export function sendFailed(h: HandlerCore, error: unknown): void {
  app_log.error("Could not send the response to %s", h._request_summary(), exc_info(error));
  endBroken(h);
}

/** Ends a response that cannot be completed: a bare 500 while no header has gone out, else a closed connection. */
export function endBroken(h: HandlerCore): void {
  if ((h._state & BROKEN) !== 0) return;
  h._state |= BROKEN;
  const connection = h.request.connection!;
  if ((h._state & HEADERS_SENT) !== 0) return closeConnection(connection);
  h._state |= HEADERS_COMMITTED | HEADERS_SENT;
  h.set_status(500);
  sendBareError(connection, SERVER_HEADER, httpDate(), h.request.method === "HEAD");
}

/** `finish()`: the final headers (ETag, 304, `Content-Length`), the last chunk, then `completeResponse`. */
export function finishOutput(h: HandlerCore, chunk: Chunk | null | undefined): Promise<void> {
  if (h._finished) throw new Error("finish() called twice");
  if (chunk !== undefined && chunk !== null) h.write(chunk);
  if (!h._headers_written) prepareFinalHeaders(h);
  const connection = h.request.connection!;
  connection.set_close_callback(null);
  h._state |= FINISHING;
  let sent = RESOLVED;
  try {
    sent = h.application.transforms.length === 0 ? sendLast(h, connection) : flushThenFinish(h, connection);
  } catch (err) {
    h._state &= ~FINISHING;
    if (!h._headers_written) throw err; // nothing went out: the caller's error path sends a real error page
    sendFailed(h, err);
    // Writing past Content-Length is the handler's own mistake: it sees the error, as in Tornado.
    if (err instanceof HTTPOutputError) {
      completeResponse(h);
      throw err;
    }
  }
  completeResponse(h);
  return sent;
}

/** The response is over: timed, access-logged, `on_finish()` called. */
export function completeResponse(h: HandlerCore): void {
  h.request._mark_finished();
  h._state |= FINISHED;
  // Every HandlerCore is a RequestHandler; the interface only keeps this module from importing the class.
  h.application.log_request(h);
  h.on_finish();
}

/** Without transforms the last chunk goes out with the end of the response (and the headers, if unsent): one write. */
function sendLast(h: HandlerCore, connection: HTTPConnection): Promise<void> {
  const chunk = takeBuffered(h, true);
  const body = h.request.method === "HEAD" ? "" : chunk;
  if (!h._headers_written) {
    startResponse(h);
    writeHeaders(h, connection);
  }
  if ((h._state & BROKEN) !== 0) return RESOLVED;
  const sent = connection.finish(body);
  return sent === undefined ? RESOLVED : sent.then(undefined, (err) => sendFailed(h, err));
}

function flushThenFinish(h: HandlerCore, connection: HTTPConnection): Promise<void> {
  return h
    .flush()
    .then(() => {
      if ((h._state & BROKEN) === 0) return connection.finish();
    })
    .then(undefined, (err) => sendFailed(h, err));
}

/** The ETag (through the overridable `set_etag_header` and `check_etag_header`: 304 when the client has it) and the body headers. */
function prepareFinalHeaders(h: HandlerCore): void {
  const method = h.request.method;
  if (h._status_code === 200 && (method === "GET" || method === "HEAD") && !h._headers.has("Etag")) {
    h.set_etag_header();
    if (h.check_etag_header()) {
      emptyBuffer(h);
      h.set_status(304);
    }
  }
  setBodyHeaders(h._status_code, h._headers, h._write_buffer);
}

/** `compute_etag()`'s default: the quoted SHA-1 of the body. */
export function bodyEtag(h: HandlerCore): string {
  return `"${sha1Hex(h._write_buffer)}"`;
}

/** `set_etag_header()`'s default: `Etag` from `compute_etag()`, unless null. */
export function setEtagHeader(h: HandlerCore): void {
  const etag = h.compute_etag();
  if (etag !== null) h.set_header("Etag", etag);
}

/** `check_etag_header()`'s default: the request's `If-None-Match` against the response's `Etag`. */
export function checkEtagHeader(h: HandlerCore): boolean {
  return etagMatches(h._headers.get("Etag") ?? "", h.request.headers.get("If-None-Match") ?? "");
}

/** `redirect()`: the 3xx status, `Location`, `finish()`. */
export function redirectTo(h: HandlerCore, url: string, permanent: boolean, status: number | null | undefined): void {
  if (h._headers_written) throw new Error("Cannot redirect after headers have been written");
  const code = status ?? (permanent ? 301 : 302);
  if (!Number.isInteger(code) || code < 300 || code > 399) throw new Error(`Invalid redirect status ${code}`);
  h.set_status(code);
  h.set_header("Location", Buffer.from(url, "utf8").toString("latin1"));
  void h.finish();
}

/**
 * `detach()`: the connection gives up its socket as a stream, and the response counts as
 * finished without being sent (no log line, no `on_finish`, as in Tornado).
 */
export function detachConnection(h: HandlerCore): ConnectionStream {
  const connection = h.request.connection;
  if (!connection?.detach) throw new Error("This request's connection cannot be detached");
  if (h._headers_written) throw new Error("Cannot detach() after the headers were sent");
  const stream = connection.detach();
  h._state |= flags.FINISHED;
  return stream;
}
