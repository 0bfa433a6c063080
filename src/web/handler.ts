import { randomBytes } from "node:crypto";
import { isUtf8 } from "node:buffer";
import { json_encode, unquote_to_bytes } from "../escape";
import { HTTPHeaders } from "../httputil/headers";
import { HTTPInputError, HTTPOutputError } from "../httputil/errors";
import { responses } from "../httputil/util";
import type { HTTPConnection, HTTPServerRequest, Morsel } from "../httputil/request";
import { app_log, gen_log, exc_info } from "../log";
import { version } from "../version";
import { isPlainObject, isPromiseLike, pyStrip } from "../util";
import { HTTPError, Finish, MissingArgumentError } from "./errors";
import type { Application, Settings } from "./application";
import type { OutputTransform } from "./transforms";
import { create_signed_value, decode_signed_value, get_signature_key_version } from "./signing";
import { decode_xsrf_token, encode_xsrf_token, xsrf_form_html, xsrf_tokens_match } from "./xsrf";
import { Loader, linkify, type BaseLoader } from "../template";
import {
  checkHeaderName,
  convertHeaderValue,
  setBodyHeaders,
  etagMatches,
  httpDate,
  joinChunks,
  sha1Hex,
  toBuffer,
} from "./output";
import { checkClearCookieOptions, formatCookie, type CookieOptions } from "./cookies";
import { loaderFor } from "./loaders";
import { BROKEN, FINISHED, FINISHING, HEADERS_COMMITTED, HEADERS_SENT, OPEN } from "./handler-state";
import { closeConnection, errorPage, sendBareError } from "./response-errors";

export type { CookieOptions } from "./cookies";

/** What `write()` accepts: text, bytes, or a plain object sent as JSON. */
export type Chunk = string | Buffer | Uint8Array | object;

/** Options of `send_error` and `write_error`, Python's keyword arguments. */
export interface ErrorOptions {
  reason?: string;
  /** The exception that caused the error (Python passes `sys.exc_info()`; here it is the error itself). */
  exc_info?: unknown;
  [key: string]: unknown;
}

/** A class that handles requests: `RequestHandler` or a subclass of it. */
export type RequestHandlerClass = new (application: Application, request: HTTPServerRequest) => RequestHandler;

const DEFAULT_SUPPORTED_METHODS: readonly string[] = Object.freeze([
  "GET",
  "HEAD",
  "POST",
  "DELETE",
  "PATCH",
  "PUT",
  "OPTIONS",
]);
const SERVER_HEADER = `TornadoServer/${version}`;
const VALID_REASON = /^[\t\x20-\x7e\x80-\xff]+$/;
const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f]/g;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const RESOLVED = Promise.resolve();
const NO_TRANSFORMS: readonly OutputTransform[] = Object.freeze([]);
/** Shared by every handler whose route captured nothing (frozen: captures are replaced, never edited). */
const NO_PATH_ARGS = Object.freeze([]) as unknown as Array<string | null>;
const NO_PATH_KWARGS: Record<string, string | null> = Object.freeze(Object.create(null));
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Verb method names of the usual methods, without a `toLowerCase()` per request. */
const VERB_NAMES: Record<string, string | undefined> = {
  GET: "get",
  HEAD: "head",
  POST: "post",
  DELETE: "delete",
  PATCH: "patch",
  PUT: "put",
  OPTIONS: "options",
};
const DEFAULT_SIGNED_COOKIE_DAYS = 30;

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/**
 * Base class for HTTP request handlers: subclass it and define the verb methods
 * (`get`, `post`, ...) your route answers. One instance is made per request.
 *
 * Do not override the constructor; put set-up in `initialize(kwargs)`, which receives the
 * third element of the route tuple.
 */
export class RequestHandler {
  /** The methods this handler accepts; any other gets 405. Extend it to allow more. */
  static SUPPORTED_METHODS: readonly string[] = DEFAULT_SUPPORTED_METHODS;
  /** The methods this handler accepts: the class's static `SUPPORTED_METHODS` unless an instance field overrides it. */
  SUPPORTED_METHODS: readonly string[] = (this.constructor as typeof RequestHandler).SUPPORTED_METHODS;

  /** The application that routed the request here. */
  readonly application: Application;
  /** The request being answered. */
  readonly request: HTTPServerRequest;
  /** Positional captures of the route pattern, URL-decoded (null for an unmatched optional group). */
  path_args: Array<string | null> = NO_PATH_ARGS;
  /** Named captures of the route pattern, URL-decoded. */
  path_kwargs: Record<string, string | null> = NO_PATH_KWARGS;

  _headers!: HTTPHeaders;
  _write_buffer: Array<string | Buffer> = [];
  _status_code = 200;
  _reason = "OK";
  /** Internal: the response's state, bit flags of handler-state.ts (OPEN, HEADERS_COMMITTED, HEADERS_SENT, FINISHING, FINISHED, BROKEN). */
  _state = OPEN;
  _auto_finish = true;
  #transforms: readonly OutputTransform[] = NO_TRANSFORMS;
  /**
   * With transforms, the chain of chunks being transformed and sent: each `flush()` waits for
   * the one before, so chunks go out in order even when a transform is async. Resolved otherwise.
   */
  #sending: Promise<void> = RESOLVED;
  /** Cookies set on this response, by name, formatted as `Set-Cookie` values (Tornado's `_new_cookie`); the 101 of a WebSocket upgrade sends them too. */
  _new_cookie: Map<string, string> | null = null;
  #currentUser: unknown = undefined;
  #currentUserLoaded = false;
  #xsrfToken: string | null = null;
  #rawXsrf: { version: number | null; token: Buffer; timestamp: number } | null = null;

  constructor(application: Application, request: HTTPServerRequest) {
    this.application = application;
    this.request = request;
    this.clear();
  }

  /** Internal: true once the status and headers are fixed (committed by the first `flush()` or by `finish()`). */
  get _headers_written(): boolean {
    return (this._state & HEADERS_COMMITTED) !== 0;
  }

  /** Internal: true once the response is over. */
  get _finished(): boolean {
    return (this._state & FINISHED) !== 0;
  }

  /** Internal: true from when `finish()` sends the last chunk (transforms close their streams then). */
  get _finishing(): boolean {
    return (this._state & FINISHING) !== 0;
  }

  /** Internal: marks the response over without sending it (a WebSocket upgrade, which answered with its own 101 or 400). */
  _mark_response_finished(): void {
    this._state |= FINISHED;
  }

  /** The application's settings. */
  get settings(): Settings {
    return this.application.settings;
  }

  /** Hook for per-route set-up: receives the route's `initKwargs`. Called once per request, before `prepare`. */
  initialize(kwargs: Record<string, unknown>): void {}

  /** Called before the verb method; may be async. Calling `finish()` here skips the verb method. */
  prepare(): unknown {
    return undefined;
  }

  /** Called after the response has been sent; it cannot write. Use it for clean-up and logging. */
  on_finish(): void {}

  /** Called when the client closes the connection before the response is finished. */
  on_connection_close(): void {}

  /** Sets headers every response of this handler carries; runs at the start and again before an error page. */
  set_default_headers(): void {}

  /** Answers GET. Not defined by default: 405. */
  get(...args: any[]): unknown {
    throw new HTTPError(405);
  }
  /** Answers HEAD. Not defined by default (GET is not used for it): 405. */
  head(...args: any[]): unknown {
    throw new HTTPError(405);
  }
  /** Answers POST. Not defined by default: 405. */
  post(...args: any[]): unknown {
    throw new HTTPError(405);
  }
  /** Answers DELETE. Not defined by default: 405. */
  delete(...args: any[]): unknown {
    throw new HTTPError(405);
  }
  /** Answers PATCH. Not defined by default: 405. */
  patch(...args: any[]): unknown {
    throw new HTTPError(405);
  }
  /** Answers PUT. Not defined by default: 405. */
  put(...args: any[]): unknown {
    throw new HTTPError(405);
  }
  /** Answers OPTIONS. Not defined by default: 405. */
  options(...args: any[]): unknown {
    throw new HTTPError(405);
  }

  // ---- Output ----

  /** Resets headers and body to their defaults: `Server`, `Content-Type: text/html; charset=UTF-8`, `Date`, then `set_default_headers()`. */
  clear(): void {
    const headers = new HTTPHeaders();
    headers.set("Server", SERVER_HEADER);
    headers.set("Content-Type", "text/html; charset=UTF-8");
    headers.set("Date", httpDate());
    this._headers = headers;
    this.set_default_headers();
    this._write_buffer = [];
    this._status_code = 200;
    this._reason = "OK";
  }

  /**
   * Sets the response status. `reason` defaults to the standard phrase ("Unknown" for a code
   * without one); a reason that is not a valid phrase, or that holds `<`, becomes "Unknown".
   */
  set_status(status_code: number, reason?: string | null): void {
    this._status_code = status_code;
    if (reason !== undefined && reason !== null) {
      this._reason = reason.includes("<") || !VALID_REASON.test(reason) ? "Unknown" : reason;
    } else {
      this._reason = responses[status_code] ?? "Unknown";
    }
  }

  /** The response status code. */
  get_status(): number {
    return this._status_code;
  }

  /**
   * Sets a response header, replacing any earlier value. Values may be strings, numbers or Dates.
   * @throws Error for an invalid header name or a value holding CR, LF or other control characters.
   */
  set_header(name: string, value: string | number | Date | Buffer): void {
    this._headers.set(checkHeaderName(name), convertHeaderValue(value));
  }

  /** Adds a response header; unlike `set_header` it may be repeated. Same checks as `set_header`. */
  add_header(name: string, value: string | number | Date | Buffer): void {
    this._headers.add(checkHeaderName(name), convertHeaderValue(value));
  }

  /** Removes a response header (set by `set_header` or `add_header`); does nothing if it is absent. */
  clear_header(name: string): void {
    this._headers.delete(name);
  }

  /**
   * Queues output. A plain object is sent as JSON and sets `Content-Type: application/json;
   * charset=UTF-8`. Nothing reaches the client until `flush()` or `finish()`.
   * @throws Error after `finish()`; TypeError for arrays (JSON hijacking) and other types.
   */
  write(chunk: Chunk): void {
    if (this._finished) throw new Error("Cannot write() after finish()");
    if (typeof chunk === "string" || Buffer.isBuffer(chunk)) {
      this._write_buffer.push(chunk);
    } else if (chunk instanceof Uint8Array) {
      this._write_buffer.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } else if (isPlainObject(chunk)) {
      this._write_buffer.push(json_encode(chunk));
      this.set_header("Content-Type", "application/json; charset=UTF-8");
    } else {
      let message = "write() only accepts bytes, unicode, and dict objects";
      if (Array.isArray(chunk)) {
        message +=
          ". Lists not accepted for security reasons; see https://www.tornadoweb.org/en/stable/web.html#tornado.web.RequestHandler.write";
      }
      throw new TypeError(message);
    }
  }

  /**
   * Sends the headers (the first time) and everything written so far. With no `Content-Length`
   * set the response is chunked. Resolves when the data is handed to the socket; never rejects
   * (a send that fails later is logged and the connection closed).
   * @throws Error when the connection refuses the headers (they count as unsent: an error page can follow) or the chunk.
   */
  flush(): Promise<void> {
    const chunk = this.#takeBuffered();
    const first = !this._headers_written;
    if (first) this.#startResponse();
    if (this.#transforms.length === 0) {
      const sent = this.#send(first, chunk);
      return sent === RESOLVED ? sent : sent.then(undefined, (err) => this.#sendFailed(err));
    }
    const finishing = this._finishing;
    this.#sending = this.#sending.then(() => this.#transformAndSend(first, toBuffer(chunk), finishing));
    return this.#sending;
  }

  #takeBuffered(): string | Buffer {
    const chunk = this._write_buffer.length === 0 ? "" : joinChunks(this._write_buffer);
    this._write_buffer = [];
    return chunk;
  }

  /** Marks the headers as sent: adds the cookies set so far and makes the response's transforms. */
  #startResponse(): void {
    this._state |= HEADERS_COMMITTED;
    if (this._new_cookie !== null) {
      for (const cookie of this._new_cookie.values()) this._headers.add("Set-Cookie", cookie);
    }
    const transforms = this.application.transforms;
    if (transforms.length > 0) this.#transforms = transforms.map((Transform) => new Transform(this.request));
  }

  /** Writes a chunk, with the status line and headers the first time; HEAD responses send no body. */
  #send(first: boolean, chunk: string | Buffer): Promise<void> {
    if ((this._state & BROKEN) !== 0) return RESOLVED;
    const connection = this.request.connection!;
    const body = this.request.method === "HEAD" ? "" : chunk;
    if (first) this.#writeHeaders(connection);
    return body.length === 0 ? RESOLVED : connection.write(body);
  }

  /** Hands the status line and headers over; when the connection refuses them (a value Node cannot send), nothing went out and they count as unwritten again. */
  #writeHeaders(connection: HTTPConnection): void {
    try {
      void connection.write_headers({ version: "", code: this._status_code, reason: this._reason }, this._headers);
    } catch (err) {
      this._state &= ~HEADERS_COMMITTED;
      this.#transforms = NO_TRANSFORMS;
      throw err;
    }
    this._state |= HEADERS_SENT;
  }

  /** Runs a chunk through the application's transforms (in order, each may be async), then sends it. */
  async #transformAndSend(first: boolean, chunk: Buffer, finishing: boolean): Promise<void> {
    if ((this._state & BROKEN) !== 0) return;
    let data = chunk;
    try {
      if (first) {
        let status = this._status_code;
        for (const transform of this.#transforms) {
          const [transformedStatus, transformed] = transform.transform_first_chunk(
            status,
            this._headers,
            data,
            finishing,
          );
          status = transformedStatus;
          data = await transformed;
        }
        this._status_code = status;
      } else {
        for (const transform of this.#transforms) data = await transform.transform_chunk(data, finishing);
      }
      await this.#send(first, data);
    } catch (err) {
      this.#sendFailed(err);
    }
  }

  /** A chunk could not be transformed or sent once the handler had moved on: logged, and the response ended as it can be. */
  #sendFailed(error: unknown): void {
    app_log.error("Could not send the response to %s", this._request_summary(), exc_info(error));
    this.#endBroken();
  }

  /** Ends a response that cannot be completed: a bare 500 while no header has gone out, else a closed connection. */
  #endBroken(): void {
    if ((this._state & BROKEN) !== 0) return;
    this._state |= BROKEN;
    const connection = this.request.connection!;
    if ((this._state & HEADERS_SENT) !== 0) return closeConnection(connection);
    this._state |= HEADERS_COMMITTED | HEADERS_SENT;
    this.set_status(500);
    sendBareError(connection, SERVER_HEADER, httpDate(), this.request.method === "HEAD");
  }

  /**
   * Ends the response: computes `Etag` (answering 304 when the client has it) and
   * `Content-Length`, sends everything, logs the request and calls `on_finish()`. A failure of
   * the connection once the headers are out is logged and closes it; the returned promise never rejects.
   * @throws Error when called twice, or when the headers cannot be built (nothing was sent);
   *   `HTTPOutputError` when the body passes its declared `Content-Length` (the connection is closed).
   */
  finish(chunk?: Chunk | null): Promise<void> {
    if (this._finished) throw new Error("finish() called twice");
    if (chunk !== undefined && chunk !== null) this.write(chunk);
    if (!this._headers_written) this.#prepareFinalHeaders();
    const connection = this.request.connection!;
    connection.set_close_callback(null);
    this._state |= FINISHING;
    let sent = RESOLVED;
    try {
      sent = this.application.transforms.length === 0 ? this.#sendLast(connection) : this.#flushThenFinish(connection);
    } catch (err) {
      this._state &= ~FINISHING;
      if (!this._headers_written) throw err; // nothing went out: the caller's error path sends a real error page
      this.#sendFailed(err);
      // Writing past Content-Length is the handler's own mistake: it sees the error, as in Tornado.
      if (err instanceof HTTPOutputError) {
        this.#completed();
        throw err;
      }
    }
    this.#completed();
    return sent;
  }

  /** The response is over: timed, access-logged, `on_finish()` called. */
  #completed(): void {
    this.request._mark_finished();
    this._state |= FINISHED;
    this.application.log_request(this);
    this.on_finish();
  }

  /** Without transforms the last chunk goes out with the end of the response (and the headers, if unsent): one write. */
  #sendLast(connection: HTTPConnection): Promise<void> {
    const chunk = this.#takeBuffered();
    const body = this.request.method === "HEAD" ? "" : chunk;
    if (!this._headers_written) {
      this.#startResponse();
      this.#writeHeaders(connection);
    }
    if ((this._state & BROKEN) !== 0) return RESOLVED;
    const sent = connection.finish(body);
    return sent === undefined ? RESOLVED : sent.then(undefined, (err) => this.#sendFailed(err));
  }

  #flushThenFinish(connection: HTTPConnection): Promise<void> {
    return this.flush()
      .then(() => {
        if ((this._state & BROKEN) === 0) return connection.finish();
      })
      .then(undefined, (err) => this.#sendFailed(err));
  }

  #prepareFinalHeaders(): void {
    const status = this._status_code;
    const method = this.request.method;
    if (status === 200 && (method === "GET" || method === "HEAD") && !this._headers.has("Etag")) {
      this.set_etag_header();
      if (this.check_etag_header()) {
        this._write_buffer = [];
        this.set_status(304);
      }
    }
    setBodyHeaders(this._status_code, this._headers, this._write_buffer);
  }

  /**
   * Redirects to `url`: 302, or 301 when `permanent`, or the given 3xx `status`; finishes the response.
   * @throws Error when headers were already sent or the status is not 3xx.
   */
  redirect(url: string, permanent = false, status?: number | null): void {
    if (this._headers_written) throw new Error("Cannot redirect after headers have been written");
    const code = status ?? (permanent ? 301 : 302);
    if (!Number.isInteger(code) || code < 300 || code > 399) throw new Error(`Invalid redirect status ${code}`);
    this.set_status(code);
    this.set_header("Location", Buffer.from(url, "utf8").toString("latin1"));
    this.finish();
  }

  /**
   * Sends an error page for `status_code` through `write_error`, after clearing headers and
   * body. If headers were already sent it logs that and closes the connection: finishing would
   * make the truncated body look complete to the client.
   */
  send_error(status_code = 500, kwargs: ErrorOptions = {}): void {
    if (this._headers_written) {
      // Finishing would make a truncated body look complete to the client: close the connection instead.
      gen_log.error("Cannot send error response after headers written");
      if (!this._finished) this.#abandon();
      return;
    }
    this.clear();
    let reason = kwargs.reason;
    if (kwargs.exc_info instanceof HTTPError && kwargs.exc_info.reason) reason = kwargs.exc_info.reason;
    this.set_status(status_code, reason);
    try {
      if (status_code !== 304) this.write_error(status_code, kwargs);
    } catch (err) {
      app_log.error("Uncaught exception in write_error", exc_info(err));
    }
    if (!this._finished) this.finish();
  }

  /**
   * Writes the error page; override it for custom error pages. The default is Tornado's small
   * HTML page; when the `serve_traceback` (or `debug`) setting is on, the page also shows the
   * exception's stack.
   */
  write_error(status_code: number, kwargs: ErrorOptions): void {
    this.finish(errorPage(status_code, this._reason, this.settings.serve_traceback ? kwargs.exc_info : undefined));
  }

  /**
   * Logs an exception raised while handling the request: an `HTTPError` with a log message as
   * a warning (no stack), anything else as an error with its stack.
   */
  log_exception(error: unknown): void {
    if (error instanceof HTTPError) {
      if (error.log_message) {
        gen_log.warning("%d %s: " + error.log_message, error.status_code, this._request_summary(), ...error.args);
      }
      return;
    }
    app_log.error("Uncaught exception %s\n%s", this._request_summary(), String(this.request), exc_info(error));
  }

  // ---- ETags ----

  /** The ETag for the response: a quoted SHA-1 of the body. Return null to turn ETags off. */
  compute_etag(): string | null {
    return `"${sha1Hex(this._write_buffer)}"`;
  }

  /** Sets the `Etag` header from `compute_etag()`, unless that returns null. */
  set_etag_header(): void {
    const etag = this.compute_etag();
    if (etag !== null) this.set_header("Etag", etag);
  }

  /** True when the request's `If-None-Match` matches the response's `Etag` (weakly; `*` matches any). */
  check_etag_header(): boolean {
    return etagMatches(this._headers.get("Etag") ?? "", this.request.headers.get("If-None-Match") ?? "");
  }

  // ---- Input ----

  /**
   * The last value of argument `name` from the query or the form body (the body wins),
   * decoded, control characters replaced by spaces, stripped unless `strip` is false.
   * Without a `default_` (undefined) the argument is required.
   * @throws MissingArgumentError (400) when it is missing and required; HTTPError 400 on invalid UTF-8.
   */
  get_argument(name: string): string;
  get_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_argument(name: string, default_?: unknown, strip = true): unknown {
    return this.#lastArgument(name, default_, this.request.arguments, strip);
  }

  /** Every value of argument `name`: query values first, then body values. */
  get_arguments(name: string, strip = true): string[] {
    return this.#decodeArguments(name, this.request.arguments, strip);
  }

  /** Like `get_argument`, reading the query string only. */
  get_query_argument(name: string): string;
  get_query_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_query_argument(name: string, default_?: unknown, strip = true): unknown {
    return this.#lastArgument(name, default_, this.request.query_arguments, strip);
  }

  /** Like `get_arguments`, reading the query string only. */
  get_query_arguments(name: string, strip = true): string[] {
    return this.#decodeArguments(name, this.request.query_arguments, strip);
  }

  /** Like `get_argument`, reading the form body only. */
  get_body_argument(name: string): string;
  get_body_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_body_argument(name: string, default_?: unknown, strip = true): unknown {
    return this.#lastArgument(name, default_, this.request.body_arguments, strip);
  }

  /** Like `get_arguments`, reading the form body only. */
  get_body_arguments(name: string, strip = true): string[] {
    return this.#decodeArguments(name, this.request.body_arguments, strip);
  }

  /**
   * Decodes an argument or path capture from bytes; override to use another encoding.
   * @throws HTTPError 400 `Invalid unicode in NAME` when the bytes are not UTF-8.
   */
  decode_argument(value: Buffer, name?: string | null): string {
    if (!isUtf8(value)) {
      throw new HTTPError(
        400,
        "Invalid unicode in %s: %s",
        name ?? "url",
        JSON.stringify(value.subarray(0, 40).toString("latin1")),
      );
    }
    return value.toString("utf8");
  }

  #lastArgument(name: string, default_: unknown, source: Record<string, Buffer[]>, strip: boolean): unknown {
    const values = this.#decodeArguments(name, source, strip);
    if (values.length > 0) return values[values.length - 1];
    if (default_ === undefined) throw new MissingArgumentError(name);
    return default_;
  }

  #decodeArguments(name: string, source: Record<string, Buffer[]>, strip: boolean): string[] {
    const raw = source[name];
    if (raw === undefined) return [];
    return raw.map((value) => {
      const text = this.decode_argument(value, name).replace(CONTROL_CHARS, " ");
      return strip ? pyStrip(text) : text;
    });
  }

  // ---- Cookies ----

  /** The request's cookies, as `Morsel`s (`.value`). */
  get cookies(): Record<string, Morsel> {
    return this.request.cookies;
  }

  /** The value of the request cookie `name`, or `default_`. */
  get_cookie(name: string, default_: string | null = null): string | null {
    const morsel = this.request.cookies[name];
    return morsel === undefined ? default_ : morsel.value;
  }

  /**
   * Sets a cookie on the response (sent with the headers; setting the same name again replaces it).
   * @throws CookieError, at the call, naming the cookie and the problem: an illegal or reserved
   *   name, a value or attribute holding a character a cookie or a header cannot carry.
   */
  set_cookie(name: string, value: string | Buffer, options: CookieOptions = {}): void {
    const formatted = formatCookie(name, value, options);
    if (this._new_cookie === null) this._new_cookie = new Map();
    this._new_cookie.delete(name);
    this._new_cookie.set(name, formatted);
  }

  /**
   * Deletes cookie `name` in the browser: sets it empty with an expiry a year ago. Pass the
   * same `path` and `domain` it was set with.
   * @throws TypeError when given `expires` or `max_age`.
   */
  clear_cookie(name: string, options: CookieOptions = {}): void {
    checkClearCookieOptions(options);
    this.set_cookie(name, "", { ...options, expires: new Date(Date.now() - ONE_YEAR_MS) });
  }

  /** Deletes every cookie the request carried (see `clear_cookie`). */
  clear_all_cookies(options: CookieOptions = {}): void {
    for (const name in this.request.cookies) this.clear_cookie(name, options);
  }

  // ---- Users and application ----

  /** The user for this request, from `get_current_user()` (loaded before `prepare` when it is overridden); settable (e.g. in an async `prepare`). */
  get current_user(): unknown {
    if (!this.#currentUserLoaded) this.current_user = this.get_current_user();
    return this.#currentUser;
  }

  set current_user(user: unknown) {
    this.#currentUser = user;
    this.#currentUserLoaded = true;
  }

  /**
   * Override to identify the user (from a signed cookie, say); the default is no user (null).
   * An override is called once per request, before the XSRF check and `prepare()`; a promise it
   * returns (an `async` method, or a decorated one) is awaited first.
   */
  get_current_user(): unknown {
    return null;
  }

  /** The URL `authenticated` redirects to: the `login_url` setting. @throws Error when it is not set. */
  get_login_url(): string {
    this.require_setting("login_url", "@authenticated");
    return String(this.settings.login_url);
  }

  // ---- Signed cookies ----

  /**
   * Sets a cookie signed with the `cookie_secret` setting, in Tornado's format (version 2 by
   * default), so Python Tornado reads it too. `expires_days` defaults to 30 when left out;
   * `expires_days: null` makes a session cookie (Python's `expires_days=None`).
   * @throws Error when `cookie_secret` is not set.
   */
  set_signed_cookie(
    name: string,
    value: string | Buffer,
    options: CookieOptions & { version?: number | null } = {},
  ): void {
    const { version, ...cookieOptions } = options;
    if (cookieOptions.expires_days === undefined) cookieOptions.expires_days = DEFAULT_SIGNED_COOKIE_DAYS;
    this.set_cookie(name, this.create_signed_value(name, value, version ?? null), cookieOptions);
  }

  /** Tornado's older name for `set_signed_cookie`. */
  set_secure_cookie(
    name: string,
    value: string | Buffer,
    options: CookieOptions & { version?: number | null } = {},
  ): void {
    this.set_signed_cookie(name, value, options);
  }

  /**
   * The value of a signed cookie (or of `value`, if given) when its signature is valid and it
   * is at most `max_age_days` old; null when missing, tampered, expired or signed with another key.
   * @throws Error when `cookie_secret` is not set.
   */
  get_signed_cookie(
    name: string,
    value: string | null = null,
    max_age_days = 31,
    min_version: number | null = null,
  ): Buffer | null {
    this.require_setting("cookie_secret", "secure cookies");
    return decode_signed_value(
      this.#cookieSecret(),
      name,
      value ?? this.get_cookie(name),
      max_age_days,
      null,
      min_version,
    );
  }

  /** Tornado's older name for `get_signed_cookie`. */
  get_secure_cookie(
    name: string,
    value: string | null = null,
    max_age_days = 31,
    min_version: number | null = null,
  ): Buffer | null {
    return this.get_signed_cookie(name, value, max_age_days, min_version);
  }

  /** The key version a signed cookie was signed with, or null. */
  get_signed_cookie_key_version(name: string, value: string | null = null): number | null {
    this.require_setting("cookie_secret", "secure cookies");
    const cookie = value ?? this.get_cookie(name);
    return cookie === null ? null : get_signature_key_version(cookie);
  }

  /**
   * Signs `value` for cookie `name` with the `cookie_secret` setting (a `{version: secret}`
   * object needs the `key_version` setting).
   * @throws Error when `cookie_secret` is not set, or `key_version` is missing for a key object.
   */
  create_signed_value(name: string, value: string | Buffer, version: number | null = null): string {
    this.require_setting("cookie_secret", "secure cookies");
    const secret = this.#cookieSecret();
    let keyVersion: number | null = null;
    if (typeof secret === "object") {
      if (this.settings.key_version === undefined || this.settings.key_version === null) {
        throw new Error("key_version setting must be used for secret_key dicts");
      }
      keyVersion = Number(this.settings.key_version);
    }
    return create_signed_value(secret, name, value, version, null, keyVersion).toString("utf8");
  }

  #cookieSecret(): string | Record<number, string> {
    return this.settings.cookie_secret as string | Record<number, string>;
  }

  // ---- XSRF ----

  /**
   * The XSRF token for this request, masked afresh each request (Tornado's format, version 2
   * unless the `xsrf_cookie_version` setting says 1). Reading it sets the `_xsrf` cookie
   * (named by `xsrf_cookie_name`) when the request had none.
   */
  get xsrf_token(): string {
    if (this.#xsrfToken === null) {
      const raw = this.#rawXsrfToken();
      const outputVersion = Number(this.settings.xsrf_cookie_version ?? 2);
      if (outputVersion !== 1 && outputVersion !== 2) throw new Error(`unknown xsrf cookie version ${outputVersion}`);
      this.#xsrfToken = outputVersion === 1 ? raw.token.toString("hex") : encode_xsrf_token(raw.token, raw.timestamp);
      if (raw.version === null) {
        const options: CookieOptions = { ...(this.settings.xsrf_cookie_kwargs as CookieOptions | undefined) };
        if (this.current_user && options.expires_days === undefined) options.expires_days = 30;
        this.set_cookie(String(this.settings.xsrf_cookie_name ?? "_xsrf"), this.#xsrfToken, options);
      }
    }
    return this.#xsrfToken;
  }

  /** An HTML hidden input carrying `xsrf_token`, for forms: `<input type="hidden" name="_xsrf" value="..."/>`. */
  xsrf_form_html(): string {
    return xsrf_form_html(this.xsrf_token);
  }

  /**
   * Checks the request's XSRF token (the `_xsrf` argument, or the `X-Xsrftoken` / `X-Csrftoken`
   * header) against the `_xsrf` cookie. Runs before `prepare()` for POST, PUT, PATCH and DELETE
   * when the `xsrf_cookies` setting is on.
   * @throws HTTPError 403 when the token is missing, malformed or does not match.
   */
  check_xsrf_cookie(): void {
    const sent =
      this.get_argument("_xsrf", null) ||
      this.request.headers.get("X-Xsrftoken") ||
      this.request.headers.get("X-Csrftoken");
    if (!sent) throw new HTTPError(403, "'_xsrf' argument missing from POST");
    const { token } = decode_xsrf_token(sent);
    if (token === null) throw new HTTPError(403, "'_xsrf' argument has invalid format");
    if (!xsrf_tokens_match(token, this.#rawXsrfToken().token))
      throw new HTTPError(403, "XSRF cookie does not match POST argument");
  }

  #rawXsrfToken(): { version: number | null; token: Buffer; timestamp: number } {
    if (this.#rawXsrf === null) {
      const cookie = this.get_cookie(String(this.settings.xsrf_cookie_name ?? "_xsrf"));
      const decoded = cookie ? decode_xsrf_token(cookie) : { version: null, token: null, timestamp: null };
      this.#rawXsrf =
        decoded.token === null
          ? { version: null, token: randomBytes(16), timestamp: Math.floor(Date.now() / 1000) }
          : {
              version: decoded.version,
              token: decoded.token,
              timestamp: decoded.timestamp ?? Math.floor(Date.now() / 1000),
            };
    }
    return this.#rawXsrf;
  }

  // ---- Templates and static files ----

  /**
   * Renders template `template_name` with `kwargs` (plus `get_template_namespace()`) and
   * finishes the response with it.
   * @throws Error after `finish()`; template errors name the template file and line.
   */
  render(template_name: string, kwargs: Record<string, unknown> = {}): Promise<void> {
    if (this._finished) throw new Error("Cannot render() after finish()");
    return this.finish(this.render_string(template_name, kwargs));
  }

  /** Renders template `template_name` with `kwargs` (plus `get_template_namespace()`) and returns the bytes. */
  render_string(template_name: string, kwargs: Record<string, unknown> = {}): Buffer {
    const loader = loaderFor(this.application, this.get_template_path() ?? process.cwd(), (path) =>
      this.create_template_loader(path),
    );
    return loader.load(template_name).generate({ ...this.get_template_namespace(), ...kwargs });
  }

  /**
   * The names every template rendered by this handler sees: `handler`, `request`,
   * `current_user`, `static_url`, `xsrf_form_html`, `reverse_url`, and Tornado's built-in
   * modules `modules.Template` (render another template in place), `modules.linkify` and
   * `modules.xsrf_form_html`; the escape functions come from the template itself.
   */
  get_template_namespace(): Record<string, unknown> {
    return {
      handler: this,
      request: this.request,
      current_user: this.current_user,
      static_url: (path: string, include_host?: boolean | null, options?: { include_version?: boolean }) =>
        this.static_url(path, include_host, options),
      xsrf_form_html: () => this.xsrf_form_html(),
      reverse_url: (name: string, ...args: unknown[]) => this.reverse_url(name, ...args),
      modules: {
        Template: (name: string, kwargs: Record<string, unknown> = {}) =>
          this.render_string(name, kwargs).toString("utf8"),
        linkify: (text: string) => linkify(text),
        xsrf_form_html: () => this.xsrf_form_html(),
      },
    };
  }

  /**
   * The URL of static file `path` (relative to `static_path`) with `?v=<hash>` for caching;
   * `include_host` makes it absolute. `include_version: false` leaves the hash out.
   * @throws Error when the `static_path` setting is not set.
   */
  static_url(path: string, include_host: boolean | null = null, options: { include_version?: boolean } = {}): string {
    this.require_setting("static_path", "static_url");
    const base = include_host ? `${this.request.protocol}://${this.request.host}` : "";
    return base + this.application._make_static_url(path, options.include_version ?? true);
  }

  /** The directory templates are loaded from: the `template_path` setting (the working directory when unset). */
  get_template_path(): string | null {
    return (this.settings.template_path as string | undefined) ?? null;
  }

  /** Makes the template loader for `template_path`: the `template_loader` setting if given, else a `Loader` honouring `autoescape` and `template_whitespace`. */
  create_template_loader(template_path: string): BaseLoader {
    const settings = this.settings;
    if (settings.template_loader) return settings.template_loader as BaseLoader;
    const options: { autoescape?: string | null; whitespace?: string | null } = {};
    if ("autoescape" in settings) options.autoescape = settings.autoescape as string | null;
    if ("template_whitespace" in settings) options.whitespace = settings.template_whitespace as string;
    return new Loader(template_path, options);
  }

  /** The URL path of the route named `name`, with `args` in place of its groups (see `Application.reverse_url`). */
  reverse_url(name: string, ...args: unknown[]): string {
    return this.application.reverse_url(name, ...args);
  }

  /**
   * Checks that setting `name` is set.
   * @throws Error naming the setting and the feature that needs it.
   */
  require_setting(name: string, feature = "this feature"): void {
    if (!this.settings[name]) {
      throw new Error(`You must define the '${name}' setting in your application to use ${feature}`);
    }
  }

  // ---- Execution ----

  /** `METHOD URI (remote_ip)`, as the logs show a request. */
  _request_summary(): string {
    return `${this.request.method} ${this.request.uri} (${this.request.remote_ip})`;
  }

  /**
   * Runs the request: method check, body parsing, path argument decoding, `get_current_user()`,
   * the XSRF check, `prepare()`, the verb method, `finish()`. Every exception ends as an error
   * response and a log line. Returns a promise (that never rejects) when a hook went async,
   * nothing when all of it ran synchronously: most requests cost no promise.
   */
  _execute(rawArgs: Array<string | null>, rawKwargs: Record<string, string | null>): Promise<void> | undefined {
    let user: unknown;
    try {
      const method = this.request.method;
      if (!this.SUPPORTED_METHODS.includes(method)) throw new HTTPError(405);
      this.#parseBody();
      if (rawArgs.length > 0) this.path_args = rawArgs.map((arg) => this.#decodePathArgument(arg, null));
      if (hasKeys(rawKwargs)) this.path_kwargs = this.#decodePathKwargs(rawKwargs);
      user = this.get_current_user();
    } catch (err) {
      this.#handleExecuteError(err);
      return this.#watchConnection();
    }
    return this.#watchConnection(this.#runSteps(0, user));
  }

  /**
   * Runs `EXECUTE_STEPS` from `index`, each given what the one before returned (resolved;
   * `value` is what goes to the first).
   * It stays synchronous while the steps return plain values and awaits only a promise, so a
   * handler whose hooks are all synchronous is answered before `_execute` returns.
   */
  #runSteps(index: number, value: unknown): Promise<void> | undefined {
    try {
      for (let i = index; ; i++) {
        if (isPromiseLike(value)) return this.#resumeSteps(value, i);
        if (i === EXECUTE_STEPS.length) break;
        value = EXECUTE_STEPS[i](this, value);
      }
    } catch (err) {
      this.#handleExecuteError(err);
    }
    return undefined;
  }

  /** Waits for a step that went async, then runs the rest. */
  async #resumeSteps(pending: PromiseLike<unknown>, next: number): Promise<void> {
    let value: unknown;
    try {
      value = await pending;
    } catch (err) {
      this.#handleExecuteError(err);
      return;
    }
    await this.#runSteps(next, value);
  }

  /**
   * When the response outlives `_execute`'s synchronous part, asks the connection to call
   * `on_connection_close` if the client leaves first. (A response finished synchronously
   * cannot see the client leave, so it costs no listener.) Returns `pending`, if given.
   */
  #watchConnection(pending?: Promise<void>): Promise<void> | undefined {
    if (!this._finished) this.request.connection?.set_close_callback(() => this.#connectionClosed());
    return pending;
  }

  /** Step: takes the user `get_current_user()` gave, checks the XSRF token, calls `prepare()`. */
  static _afterUser(handler: RequestHandler, user: unknown): unknown {
    handler.current_user = user;
    handler.#checkXsrf();
    return handler.prepare();
  }

  /** Step: the verb method, unless `prepare()` finished the response. */
  static _verb(handler: RequestHandler): unknown {
    return handler._finished ? undefined : handler.#callVerb(hasKeys(handler.path_kwargs));
  }

  /** Step: finishes the response unless it is finished or `_auto_finish` is off. */
  static _autoFinish(handler: RequestHandler): unknown {
    if (handler._auto_finish && !handler._finished) handler.finish();
    return undefined;
  }

  #checkXsrf(): void {
    if (this.settings.xsrf_cookies && !SAFE_METHODS.has(this.request.method)) this.check_xsrf_cookie();
  }

  #callVerb(named: boolean): unknown {
    const method = this.request.method;
    const verb = (this as unknown as Record<string, unknown>)[VERB_NAMES[method] ?? method.toLowerCase()];
    if (typeof verb !== "function") throw new HTTPError(405);
    return named ? verb.call(this, this.path_kwargs) : verb.apply(this, this.path_args);
  }

  #handleExecuteError(error: unknown): void {
    try {
      this._handle_request_exception(error);
    } catch (inner) {
      app_log.error("Exception in exception handler", exc_info(inner));
      if (!this._finished) this.#abandon();
    }
  }

  /** Ends a response no error page can be written for (bare 500 or closed connection, see `#endBroken`); logs it. */
  #abandon(): void {
    try {
      this.#endBroken();
      this.#completed();
    } catch (err) {
      app_log.error("Exception ending a failed response", exc_info(err));
    }
  }

  /** Turns an exception into the response: `Finish` finishes, anything else is logged and becomes an error page. */
  _handle_request_exception(error: unknown): void {
    if (error instanceof Finish) {
      if (!this._finished) this.finish(...(error.args as [Chunk?]));
      return;
    }
    try {
      this.log_exception(error);
    } catch (err) {
      app_log.error("Error in exception logger", exc_info(err));
    }
    if (this._finished) return;
    const status = error instanceof HTTPError ? error.status_code : 500;
    this.send_error(status, { exc_info: error });
  }

  #parseBody(): void {
    try {
      this.request._parse_body();
    } catch (err) {
      if (err instanceof HTTPInputError) throw new HTTPError(400, "Invalid body: %s", err.message);
      throw err;
    }
  }

  #decodePathArgument(raw: string | null, name: string | null): string | null {
    return raw === null ? null : this.decode_argument(unquote_to_bytes(raw, false), name);
  }

  #decodePathKwargs(raw: Record<string, string | null>): Record<string, string | null> {
    const decoded: Record<string, string | null> = {};
    for (const name in raw) decoded[name] = this.#decodePathArgument(raw[name], name);
    return decoded;
  }

  #connectionClosed(): void {
    try {
      this.on_connection_close();
    } catch (err) {
      app_log.error("Exception in on_connection_close", exc_info(err));
    }
  }
}

/** What `_execute` runs after the user is loaded, in order; each step gets the resolved result of the one before. */
const EXECUTE_STEPS: ReadonlyArray<(handler: RequestHandler, value: unknown) => unknown> = [
  RequestHandler._afterUser,
  RequestHandler._verb,
  RequestHandler._autoFinish,
];
