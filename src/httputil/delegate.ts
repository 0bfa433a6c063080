/**
 * The message-delegate protocol of Tornado's `tornado.httputil`: what a router hands a request
 * to once it has chosen where the request goes.
 *
 * Tornado's server feeds a delegate the head, then each body chunk, then `finish()`. Ours reads
 * the whole body first, except for a `@stream_request_body` handler of an `Application`
 * (see `Application.headers_received`), so `deliver_request` calls `headers_received` with the
 * head, `data_received` once with the whole body (when there is one), then `finish`; each is
 * optional but `finish`.
 */
import type { HTTPHeaders } from "./headers";
import type { HTTPConnection, HTTPServerRequest } from "./request";
import type { RequestStartLine } from "./util";

/** Receives one request, as Tornado's `HTTPMessageDelegate`: usually writes the response in `finish`. */
export interface HTTPMessageDelegate {
  /** The request's start line and headers arrived. A returned promise is awaited before the body is given. */
  headers_received?(start_line: RequestStartLine, headers: HTTPHeaders): unknown;
  /** A chunk of the body arrived (here: the whole body, once). A returned promise is awaited before `finish`. */
  data_received?(chunk: Buffer): unknown;
  /** The whole request arrived. */
  finish(): unknown;
}

/**
 * Tornado's `HTTPServerConnectionDelegate`: makes a message delegate for each request on a
 * connection. `server_conn` is the `HTTPServer` the request came to (null when unknown);
 * `request_conn` is the request's `HTTPConnection`, the way its response goes out.
 */
export interface HTTPServerConnectionDelegate {
  start_request(server_conn: unknown, request_conn: HTTPConnection): HTTPMessageDelegate;
}

/** True for an object with a `start_request` method (an `HTTPServerConnectionDelegate`). */
export function is_connection_delegate(value: unknown): value is HTTPServerConnectionDelegate {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<HTTPServerConnectionDelegate>).start_request === "function"
  );
}

/**
 * Gives a whole request to `delegate`: `headers_received`, `data_received` (only when the body
 * is not empty) and `finish`, each when the delegate has it. Returns what `finish` returns
 * (a promise when a step went async).
 */
export function deliver_request(delegate: HTTPMessageDelegate, request: HTTPServerRequest): unknown {
  if (delegate.headers_received !== undefined) {
    const started = delegate.headers_received(start_line_of(request), request.headers);
    if (started instanceof Promise) return started.then(() => deliverBody(delegate, request));
  }
  return deliverBody(delegate, request);
}

function deliverBody(delegate: HTTPMessageDelegate, request: HTTPServerRequest): unknown {
  if (delegate.data_received !== undefined && request.body.length > 0) {
    const received = delegate.data_received(request.body);
    if (received instanceof Promise) return received.then(() => delegate.finish());
  }
  return delegate.finish();
}

/** The request's start line as a `RequestStartLine`. */
export function start_line_of(request: HTTPServerRequest): RequestStartLine {
  return { method: request.method, path: request.uri, version: request.version };
}
