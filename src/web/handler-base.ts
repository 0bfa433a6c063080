/**
 * The first half of `RequestHandler` (handler.ts): its fields, the hooks and verb methods users
 * override, output (status, headers, write/flush/finish, ETag, redirect), error pages and
 * arguments. handler.ts adds cookies, users, locale, XSRF, templates and the execution pipeline.
 * Users subclass `RequestHandler`, never this class; the split keeps each file to one reading.
 * The methods are thin: each calls a part module (handler-output, handler-execute, handler-input).
 */
import type { HTTPHeaders } from "../httputil/headers";
import type { HTTPServerRequest } from "../httputil/request";
import type { Locale } from "../locale";
import type { BaseLoader } from "../template";
import type { CookieOptions } from "./cookies";
import { HTTPError } from "./errors";
import type { ApplicationLike, SettingsFor, UIMethod, UIModuleClassLike, UIModuleLike } from "./settings";
import type { OutputTransform } from "./transforms";
import * as outputHelpers from "./output";
import * as stateModule from "./handler-state";
import type {
  Chunk,
  ErrorOptions,
  HandlerCore,
  HeaderValue,
  RawXsrfToken,
  StreamedBody,
  TemplateHelpers,
  UINamespace,
} from "./handler-state";
import * as outputModule from "./handler-output";
import * as inputModule from "./handler-input";
import * as executeModule from "./handler-execute";

// The parts' functions and flags, bound once here: a loader that compiles modules on the fly
// (tsx, as the benchmarks run the servers) reads each imported name through a getter, a cost
// paid on every call of the request path (handler-state.ts says more).
const output = { ...outputModule };
const input = { ...inputModule };
const execute = { ...executeModule };
const { OPEN, HEADERS_COMMITTED, FINISHING, FINISHED, DEFAULT_SUPPORTED_METHODS, NO_PATH_ARGS, NO_PATH_KWARGS } =
  stateModule;
const { checkHeaderName, convertHeaderValue } = outputHelpers;

/**
 * `RequestHandler`'s fields, hooks, output, errors and input; see `RequestHandler`, the class to
 * subclass.
 */
export abstract class RequestHandlerBase implements HandlerCore {
  /** The methods this handler accepts; any other gets 405. Extend it to allow more. */
  static SUPPORTED_METHODS: readonly string[] = DEFAULT_SUPPORTED_METHODS;
  /** The methods this handler accepts: the class's static `SUPPORTED_METHODS` unless an instance field overrides it. */
  SUPPORTED_METHODS: readonly string[] = (this.constructor as typeof RequestHandlerBase).SUPPORTED_METHODS;

  // handler.ts narrows it to the application of `RequestHandler`s (this file cannot name them).
  readonly application: ApplicationLike<any>;
  /** The request being answered. */
  readonly request: HTTPServerRequest;
  /** Positional captures of the route pattern, URL-decoded (null for an unmatched optional group). */
  path_args: Array<string | null> = NO_PATH_ARGS;
  /** Named captures of the route pattern, URL-decoded. */
  path_kwargs: Record<string, string | null> = NO_PATH_KWARGS;

  // Internal fields (the `_` names), read and written by the part modules.
  _headers!: HTTPHeaders;
  _write_buffer: Array<string | Buffer> = [];
  _status_code = 200;
  _reason = "OK";
  /** Internal: the response's state, bit flags of handler-state.ts (OPEN, HEADERS_COMMITTED, HEADERS_SENT, FINISHING, FINISHED, BROKEN). */
  _state = OPEN;
  _auto_finish = true;
  /** Internal: the application's transforms made for this response when its headers are committed. */
  _transforms: readonly OutputTransform[] = output.NO_TRANSFORMS;
  /** Internal: with transforms, the chunks being sent, each `flush()` after the one before (in order, even through an async transform). */
  _sending: Promise<void> = output.NOTHING_SENDING;
  // Defaults on the prototype (below the class), not slots: most handlers never write these six.
  /** Cookies set on this response, by name, formatted as `Set-Cookie` values (Tornado's `_new_cookie`); the 101 of a WebSocket upgrade sends them too. */
  declare _new_cookie: Map<string, string> | null;
  /** Internal: this request's masked XSRF token, and the cookie's token it masks. */
  declare _xsrf_token: string | null;
  declare _raw_xsrf: RawXsrfToken | null;
  /** Internal: the functions this handler's templates call, made on its first render (see `get_template_namespace`). */
  declare _template_helpers: TemplateHelpers | null;
  /** Internal: the `ui` namespace, once read (see `ui`). */
  declare _ui: UINamespace | null;
  /** Internal: the UI modules this handler rendered with, by name, in their order of first use (Tornado's `_active_modules`). */
  declare _active_modules: Map<string, UIModuleLike> | null;
  /** When true, `static_url()` gives absolute URLs (with the request's host) unless its `include_host` says otherwise; false by default. Set it on a subclass or in `initialize`. */
  declare include_host: boolean;
  /** Internal: the locale, once `locale` was read or set. */
  declare _locale: Locale | null;
  /** Internal: the body being streamed to a `@stream_request_body` handler (handler-stream.ts). */
  declare _body_stream: StreamedBody | null;
  /** Internal: the user, once `current_user` was read or set (every request loads it, before `prepare`: a field of its own). */
  _current_user: unknown = undefined;
  _current_user_loaded = false;

  constructor(application: ApplicationLike<any>, request: HTTPServerRequest) {
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

  // ---- Output (handler-output.ts) ----

  /** Resets headers and body to their defaults: `Server`, `Content-Type: text/html; charset=UTF-8`, `Date`, then `set_default_headers()`. */
  clear(): void {
    output.resetOutput(this);
  }

  /**
   * Sets the response status. `reason` defaults to the standard phrase ("Unknown" for a code
   * without one); a reason that is not a valid phrase, or that holds `<`, becomes "Unknown".
   */
  set_status(status_code: number, reason?: string | null): void {
    output.setStatus(this, status_code, reason);
  }

  /** The response status code. */
  get_status(): number {
    return this._status_code;
  }

  /**
   * Sets a response header, replacing any earlier value. Values may be strings, numbers or Dates.
   * @throws Error for an invalid header name or a value holding CR, LF or other control characters.
   */
  set_header(name: string, value: HeaderValue): void {
    this._headers.set(checkHeaderName(name), convertHeaderValue(value));
  }

  /** Adds a response header; unlike `set_header` it may be repeated. Same checks as `set_header`. */
  add_header(name: string, value: HeaderValue): void {
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
    output.writeChunk(this, chunk);
  }

  /**
   * Sends the headers (the first time) and everything written so far. With no `Content-Length`
   * set the response is chunked. Resolves when the data is handed to the socket; never rejects
   * (a send that fails later is logged and the connection closed).
   * @throws Error when the connection refuses the headers (they count as unsent: an error page can follow) or the chunk.
   */
  flush(): Promise<void> {
    return output.flushOutput(this);
  }

  /**
   * Ends the response: computes `Etag` (answering 304 when the client has it) and
   * `Content-Length`, sends everything, logs the request and calls `on_finish()`. A failure of
   * the connection once the headers are out is logged and closes it; the returned promise never rejects.
   * @throws Error when called twice, or when the headers cannot be built (nothing was sent);
   *   `HTTPOutputError` when the body passes its declared `Content-Length` (the connection is closed).
   */
  finish(chunk?: Chunk | null): Promise<void> {
    return output.finishOutput(this, chunk);
  }

  /**
   * Redirects to `url`: 302, or 301 when `permanent`, or the given 3xx `status`; finishes the response.
   * @throws Error when headers were already sent or the status is not 3xx.
   */
  redirect(url: string, permanent = false, status?: number | null): void {
    output.redirectTo(this, url, permanent, status);
  }

  /** The ETag for the response: a quoted SHA-1 of the body. Return null to turn ETags off. */
  compute_etag(): string | null {
    return output.bodyEtag(this);
  }

  /** Sets the `Etag` header from `compute_etag()`, unless that returns null. */
  set_etag_header(): void {
    output.setEtagHeader(this);
  }

  /** True when the request's `If-None-Match` matches the response's `Etag` (weakly; `*` matches any). */
  check_etag_header(): boolean {
    return output.checkEtagHeader(this);
  }

  // ---- Errors (handler-execute.ts) ----

  /**
   * Sends an error page for `status_code` through `write_error`, after clearing headers and
   * body. If headers were already sent it logs that and closes the connection: finishing would
   * make the truncated body look complete to the client.
   */
  send_error(status_code = 500, kwargs: ErrorOptions = {}): void {
    execute.sendError(this, status_code, kwargs);
  }

  /**
   * Writes the error page; override it for custom error pages. The default is Tornado's small
   * HTML page; when the `serve_traceback` (or `debug`) setting is on, the page also shows the
   * exception's stack.
   */
  write_error(status_code: number, kwargs: ErrorOptions): void {
    execute.writeErrorPage(this, status_code, kwargs);
  }

  /**
   * Logs an exception raised while handling the request: an `HTTPError` with a log message as
   * a warning (no stack), anything else as an error with its stack.
   */
  log_exception(error: unknown): void {
    execute.logException(this, error);
  }

  // ---- Input (handler-input.ts) ----

  /**
   * The last value of argument `name` from the query or the form body (the body wins),
   * decoded, control characters replaced by spaces, stripped unless `strip` is false.
   * Without a `default_` (undefined) the argument is required.
   * @throws MissingArgumentError (400) when it is missing and required; HTTPError 400 on invalid UTF-8.
   */
  get_argument(name: string): string;
  get_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_argument(name: string, default_?: unknown, strip = true): unknown {
    return input.lastArgument(this, name, default_, this.request.arguments, strip);
  }

  /** Every value of argument `name`: query values first, then body values. */
  get_arguments(name: string, strip = true): string[] {
    return input.decodeArguments(this, name, this.request.arguments, strip);
  }

  /** Like `get_argument`, reading the query string only. */
  get_query_argument(name: string): string;
  get_query_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_query_argument(name: string, default_?: unknown, strip = true): unknown {
    return input.lastArgument(this, name, default_, this.request.query_arguments, strip);
  }

  /** Like `get_arguments`, reading the query string only. */
  get_query_arguments(name: string, strip = true): string[] {
    return input.decodeArguments(this, name, this.request.query_arguments, strip);
  }

  /** Like `get_argument`, reading the form body only. */
  get_body_argument(name: string): string;
  get_body_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_body_argument(name: string, default_?: unknown, strip = true): unknown {
    return input.lastArgument(this, name, default_, this.request.body_arguments, strip);
  }

  /** Like `get_arguments`, reading the form body only. */
  get_body_arguments(name: string, strip = true): string[] {
    return input.decodeArguments(this, name, this.request.body_arguments, strip);
  }

  /**
   * Decodes an argument or path capture from bytes; override to use another encoding.
   * @throws HTTPError 400 `Invalid unicode in NAME` when the bytes are not UTF-8.
   */
  decode_argument(value: Buffer, name?: string | null): string {
    return input.decodeUtf8Argument(value, name);
  }

  // What handler.ts defines, which the part modules called from here reach (through `HandlerCore`).
  abstract readonly settings: SettingsFor<any>;
  abstract current_user: unknown;
  abstract locale: Locale;
  abstract readonly xsrf_token: string;
  abstract get_current_user(): unknown;
  abstract get_user_locale(): Locale | null | undefined;
  abstract get_browser_locale(default_?: string): Locale;
  abstract get_cookie(name: string, default_?: string | null): string | null;
  abstract set_cookie(name: string, value: string | Buffer, options?: CookieOptions): void;
  abstract clear_cookie(name: string, options?: CookieOptions): void;
  abstract create_signed_value(name: string, value: string | Buffer, version?: number | null): string;
  abstract require_setting(name: string, feature?: string): void;
  abstract check_xsrf_cookie(): void;
  abstract xsrf_form_html(): string;
  abstract render_string(template_name: string, kwargs?: Record<string, unknown>): Buffer;
  abstract get_template_namespace(): Record<string, unknown>;
  abstract get_template_path(): string | null;
  abstract create_template_loader(template_path: string): BaseLoader;
  abstract static_url(path: string, include_host?: boolean | null, options?: { include_version?: boolean }): string;
  abstract reverse_url(name: string, ...args: unknown[]): string;
  abstract get ui(): UINamespace;
  abstract _ui_module(name: string, module: UIModuleClassLike): (...args: any[]) => string;
  abstract _ui_method(method: UIMethod): (...args: any[]) => any;
  abstract render_linked_js(js_files: Iterable<string>): string;
  abstract render_embed_js(js_embed: Iterable<Buffer>): Buffer;
  abstract render_linked_css(css_files: Iterable<string>): string;
  abstract render_embed_css(css_embed: Iterable<Buffer>): Buffer;
  abstract _request_summary(): string;
  abstract _handle_request_exception(error: unknown): void;
  abstract data_received(chunk: Buffer): unknown;
}

// The defaults of the fields declared without an initializer above: an instance gets its own
// field only when it writes one.
Object.assign(RequestHandlerBase.prototype, {
  _new_cookie: null,
  _xsrf_token: null,
  _raw_xsrf: null,
  _template_helpers: null,
  _ui: null,
  _active_modules: null,
  _locale: null,
  _body_stream: null,
  include_host: false,
});
