/**
 * The limits and timeouts of `HTTPServer`, and the short answers that enforce them.
 *
 * Node's parser enforces the head's size (431) and, through its connections check, the header
 * timeout (408); `HTTPServer` checks the request's framing (400), its URI (414) and its body
 * size (413) once Node has parsed the head. Every answer is a short response with
 * `Connection: close`, after which the connection is closed, and a log line.
 */
import type * as http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { HTTPServerRequest } from "./httputil/request";
import { is_detached } from "./httputil/stream";
import type { HTTPServerOptions } from "./httpserver-options";
import { responses } from "./httputil/util";
import { gen_log } from "./log";

const KIB = 1024;
const DEFAULT_MAX_BUFFER_SIZE = 100 * KIB * KIB;
const DEFAULT_MAX_HEADER_SIZE = 64 * KIB;
const DEFAULT_MAX_URI_SIZE = 16 * KIB;
const DEFAULT_IDLE_TIMEOUT_SECONDS = 3600;
const DEFAULT_HEADER_TIMEOUT_SECONDS = 60;
const DEFAULT_BODY_TIMEOUT_SECONDS = 300;
/**
 * Node looks for expired header timers only every `connectionsCheckingInterval`; a tenth of the
 * timeout (between these bounds) makes a timeout fire within 10% of its setting.
 */
const MIN_CHECKING_INTERVAL_MS = 10;
const MAX_CHECKING_INTERVAL_MS = 1000;
/** How much of an over-long URI a log line quotes. */
const LOGGED_URI_LENGTH = 80;

/** The server's limits, resolved from its options: sizes in bytes, times in milliseconds. */
export interface ServerLimits {
  /** Largest request head (request line and headers). */
  readonly maxHeaderSize: number;
  /** Longest request target; null when only `maxHeaderSize` bounds it. */
  readonly maxUriSize: number | null;
  /** Largest request body. */
  readonly maxBodySize: number;
  /** Time allowed to read a body; null for no limit. */
  readonly bodyTimeoutMs: number | null;
  /** The `node:http` server options that carry the head size and the timeouts. */
  readonly node: http.ServerOptions;
}

/** Seconds to milliseconds, as the whole numbers Node's options require. */
function toMs(seconds: number): number {
  return Math.ceil(seconds * 1000);
}

/**
 * Resolves `HTTPServer`'s options into limits. `idle_connection_timeout` and `max_header_size`
 * of 0 mean their defaults, as in Tornado; `header_timeout`, `body_timeout` and `max_uri_size`
 * of null (or 0) switch that limit off.
 */
export function resolve_limits(options: HTTPServerOptions): ServerLimits {
  const idleMs = toMs(options.idle_connection_timeout || DEFAULT_IDLE_TIMEOUT_SECONDS);
  const header = options.header_timeout === undefined ? DEFAULT_HEADER_TIMEOUT_SECONDS : options.header_timeout;
  // The head of a request must arrive within both timeouts: Tornado's only header timeout is
  // idle_connection_timeout, and a connection that never sends a byte is idle from its start.
  const headersTimeout = header ? Math.min(toMs(header), idleMs) : idleMs;
  const body = options.body_timeout === undefined ? DEFAULT_BODY_TIMEOUT_SECONDS : options.body_timeout;
  const maxUri = options.max_uri_size === undefined ? DEFAULT_MAX_URI_SIZE : options.max_uri_size;
  const maxHeaderSize = options.max_header_size || DEFAULT_MAX_HEADER_SIZE;
  return {
    maxHeaderSize,
    maxUriSize: maxUri || null,
    maxBodySize: options.max_body_size ?? options.max_buffer_size ?? DEFAULT_MAX_BUFFER_SIZE,
    bodyTimeoutMs: body ? toMs(body) : null,
    node: {
      maxHeaderSize,
      // Bodies have their own timer (body_timeout); Node's would also cut long-running handlers.
      requestTimeout: 0,
      headersTimeout,
      connectionsCheckingInterval: Math.min(
        MAX_CHECKING_INTERVAL_MS,
        Math.max(MIN_CHECKING_INTERVAL_MS, Math.round(headersTimeout / 10)),
      ),
      keepAliveTimeout: idleMs,
    },
  };
}

/**
 * Why a request Node has parsed (`req`, and our `request` made from it) must be refused with
 * 400, or null when its framing is sound:
 * a version other than HTTP/1.x (Node takes a request line without one as HTTP/0.9), a
 * `Transfer-Encoding` other than `chunked` or on an HTTP/1.0 request (RFC 9112 §6.1), or more
 * than one `Host` (RFC 9112 §3.2). Node's parser already refuses bad `Content-Length` values,
 * `Content-Length` with `Transfer-Encoding`, obs-folds, bare CRs and invalid header names.
 */
export function framing_problem(req: http.IncomingMessage, request: HTTPServerRequest): string | null {
  if (req.httpVersionMajor !== 1) return `Unexpected HTTP version ${req.httpVersion}`;
  const coding = request.headers.get("Transfer-Encoding");
  if (coding !== undefined) {
    if (req.httpVersionMinor === 0) return "Transfer-Encoding is not allowed in HTTP/1.0";
    if (coding.toLowerCase() !== "chunked") return `Unsupported Transfer-Encoding ${coding}`;
  }
  // A proxy may have joined repeated Host lines into one value: a comma means more than one.
  if (request.host.includes(",")) return "More than one Host header";
  return null;
}

/** The head and body of an error answer: Tornado's bare 400, or its short error page. */
function errorAnswer(code: number): { head: string[]; body: string } {
  const reason = responses[code];
  const body = code === 400 ? "" : `<html><title>${code}: ${reason}</title><body>${code}: ${reason}</body></html>`;
  const head = body === "" ? [] : ["Content-Type", "text/html; charset=UTF-8"];
  head.push("Content-Length", String(body.length), "Connection", "close");
  return { head, body };
}

/** The same answers as raw bytes, for a socket Node's parser has given up on. */
const RAW_ANSWERS = new Map<number, string>(
  [400, 408, 413, 414, 431, 503].map((code) => {
    const { head, body } = errorAnswer(code);
    let raw = `HTTP/1.1 ${code} ${responses[code]}\r\n`;
    for (let i = 0; i < head.length; i += 2) raw += `${head[i]}: ${head[i + 1]}\r\n`;
    return [code, raw + "\r\n" + body];
  }),
);

/**
 * Answers a request with the short error response for `code` (400, 413, 414, ...) and closes
 * the connection once it is sent (Node does, for a response marked `Connection: close`).
 */
export function refuse_request(res: http.ServerResponse, code: number): void {
  const { head, body } = errorAnswer(code);
  res.shouldKeepAlive = false;
  res.writeHead(code, responses[code], head);
  res.end(body);
}

/** The start of a URI, for a log line that should not carry all of an oversized one. */
export function uri_for_log(uri: string): string {
  return uri.length <= LOGGED_URI_LENGTH ? uri : uri.slice(0, LOGGED_URI_LENGTH) + "...";
}

function destroyStream(this: Duplex): void {
  this.destroy();
}

/** Writes `raw` and closes the socket once it is sent, whether or not the client ever closes its side. */
function answerAndClose(socket: Duplex, raw: string): void {
  socket.end(raw, "latin1");
  socket.once("finish", destroyStream);
}

/** As `refuse_request`, on a socket Node has handed over (an upgrade request). */
export function refuse_on_socket(socket: Duplex, code: number): void {
  answerAndClose(socket, RAW_ANSWERS.get(code)!);
}

type ClientSocket = Duplex &
  Partial<Pick<Socket, "remoteAddress" | "bytesRead">> & { _httpMessage?: http.ServerResponse | null };

/**
 * The server's `clientError` listener (`this` is the server): Node's parser rejected the
 * request, or its head did not arrive within the header timeout. A head over
 * `max_header_size` gets 431, over-long chunk extensions 413, a head that is too slow 408, any
 * other parse error 400; each is logged and the connection closed. A connection that sent
 * nothing before the timeout is closed silently, as Tornado closes an idle one.
 */
export function on_client_error(
  this: http.Server & { maxHeaderSize?: number },
  err: Error & { code?: string },
  socket: ClientSocket,
): void {
  if (is_detached(socket)) return; // the handler that took the socket answers on it, or not
  const code = clientErrorStatus(err, socket);
  if (code === null || !socket.writable) {
    socket.destroy();
    return;
  }
  // Bad bytes pipelined behind a request whose response is under way: the answer follows that
  // response, never interleaves with it.
  const inFlight = socket._httpMessage;
  if (inFlight?.headersSent) {
    // A response that closes the connection itself (a refusal) already says all there is to say.
    const next = inFlight.shouldKeepAlive ? () => answerClientError(this, code, err, socket) : () => socket.destroy();
    if (inFlight.writableFinished) next();
    else inFlight.once("finish", next);
    return;
  }
  answerClientError(this, code, err, socket);
}

function answerClientError(
  server: http.Server & { maxHeaderSize?: number },
  code: number,
  err: Error,
  socket: ClientSocket,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const peer = socket.remoteAddress ?? "unknown";
  if (code === 431)
    gen_log.warning("431 from %s: request head larger than max_header_size (%d bytes)", peer, server.maxHeaderSize);
  else if (code === 413) gen_log.warning("413 from %s: chunk extensions too large", peer);
  else if (code === 408) gen_log.info("Timeout reading request headers from %s", peer);
  else gen_log.info("Malformed HTTP message from %s: %s", peer, err.message);
  answerAndClose(socket, RAW_ANSWERS.get(code)!);
}

/** The status a client error is answered with, or null when the connection is just closed. */
function clientErrorStatus(err: Error & { code?: string }, socket: ClientSocket): number | null {
  switch (err.code) {
    case "ECONNRESET":
      return null;
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return socket.bytesRead === 0 ? null : 408;
    case "HPE_HEADER_OVERFLOW":
      return 431;
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return 413;
    default:
      return 400;
  }
}
