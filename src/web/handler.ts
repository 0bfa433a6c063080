/**
 * `RequestHandler`, the class users subclass. Its public methods are thin: they keep the doc
 * comments and call the part modules, each a concern as Tornado's users navigate it:
 * handler-output (status, headers, write/flush/finish, ETag, redirect), handler-input
 * (arguments), handler-cookies (cookies, signed cookies), handler-xsrf, handler-locale, handler-render
 * (templates, static_url, reverse_url) and handler-execute (`_execute`, error pages). The parts
 * see the handler as a `HandlerCore` (handler-state.ts) and call back its overridable methods.
 */
import type { HTTPHeaders } from "../httputil/headers";
import type { HTTPServerRequest, Morsel } from "../httputil/request";
import type { Locale } from "../locale";
import type { BaseLoader } from "../template";
import { HTTPError } from "./errors";
import type { ApplicationLike, HandlerClassFor, SettingsFor } from "./settings";
import type { OutputTransform } from "./transforms";
import { xsrf_form_html } from "./xsrf";
import * as outputHelpers from "./output";
import type { CookieOptions } from "./cookies";
import * as stateModule from "./handler-state";
import type { Chunk, ErrorOptions, HandlerCore, HeaderValue, RawXsrfToken, TemplateHelpers } from "./handler-state";
import * as outputModule from "./handler-output";
import * as inputModule from "./handler-input";
import * as cookiesModule from "./handler-cookies";
import type { SignedCookieOptions } from "./handler-cookies";
import * as xsrfModule from "./handler-xsrf";
import * as renderModule from "./handler-render";
import * as executeModule from "./handler-execute";
import * as localeModule from "./handler-locale";

export type { CookieOptions } from "./cookies";
export type { Chunk, ErrorOptions } from "./handler-state";

/** A class that handles requests: `RequestHandler` or a subclass of it. */
export type RequestHandlerClass = HandlerClassFor<RequestHandler>;

// The parts' functions and flags, bound once here: a loader that compiles modules on the fly
// (tsx, as the benchmarks run the servers) reads each imported name through a getter, a cost
// paid on every call of the request path (handler-state.ts says more).
const output = { ...outputModule };
const input = { ...inputModule };
const cookies = { ...cookiesModule };
const xsrf = { ...xsrfModule };
const render = { ...renderModule };
const execute = { ...executeModule };
const locales = { ...localeModule };
const { OPEN, HEADERS_COMMITTED, FINISHING, FINISHED, DEFAULT_SUPPORTED_METHODS, NO_PATH_ARGS, NO_PATH_KWARGS } =
  stateModule;
const { checkHeaderName, convertHeaderValue } = outputHelpers;

/**
 * Base class for HTTP request handlers: subclass it and define the verb methods
 * (`get`, `post`, ...) your route answers. One instance is made per request.
 *
 * Do not override the constructor; put set-up in `initialize(kwargs)`, which receives the
 * third element of the route tuple.
 */
export class RequestHandler implements HandlerCore {
  /** The methods this handler accepts; any other gets 405. Extend it to allow more. */
  static SUPPORTED_METHODS: readonly string[] = DEFAULT_SUPPORTED_METHODS;
  /** The methods this handler accepts: the class's static `SUPPORTED_METHODS` unless an instance field overrides it. */
  SUPPORTED_METHODS: readonly string[] = (this.constructor as typeof RequestHandler).SUPPORTED_METHODS;

  /** The application that routed the request here. */
  readonly application: ApplicationLike<RequestHandler>;
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
  // Defaults on the prototype (below the class), not slots: most handlers never write these five.
  /** Cookies set on this response, by name, formatted as `Set-Cookie` values (Tornado's `_new_cookie`); the 101 of a WebSocket upgrade sends them too. */
  declare _new_cookie: Map<string, string> | null;
  /** Internal: this request's masked XSRF token, and the cookie's token it masks. */
  declare _xsrf_token: string | null;
  declare _raw_xsrf: RawXsrfToken | null;
  /** Internal: the functions this handler's templates call, made on its first render (see `get_template_namespace`). */
  declare _template_helpers: TemplateHelpers | null;
  /** Internal: the locale, once `locale` was read or set. */
  declare _locale: Locale | null;
  /** Internal: the user, once `current_user` was read or set (every request loads it, before `prepare`: a field of its own). */
  _current_user: unknown = undefined;
  _current_user_loaded = false;

  constructor(application: ApplicationLike<RequestHandler>, request: HTTPServerRequest) {
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
  get settings(): SettingsFor<RequestHandler> {
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

  // ---- Cookies (handler-cookies.ts) ----

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
    cookies.setCookie(this, name, value, options);
  }

  /**
   * Deletes cookie `name` in the browser: sets it empty with an expiry a year ago. Pass the
   * same `path` and `domain` it was set with.
   * @throws TypeError when given `expires` or `max_age`.
   */
  clear_cookie(name: string, options: CookieOptions = {}): void {
    cookies.clearCookie(this, name, options);
  }

  /** Deletes every cookie the request carried (see `clear_cookie`). */
  clear_all_cookies(options: CookieOptions = {}): void {
    cookies.clearAllCookies(this, options);
  }

  /**
   * Sets a cookie signed with the `cookie_secret` setting, in Tornado's format (version 2 by
   * default), so Python Tornado reads it too. `expires_days` defaults to 30 when left out;
   * `expires_days: null` makes a session cookie (Python's `expires_days=None`).
   * @throws Error when `cookie_secret` is not set.
   */
  set_signed_cookie(name: string, value: string | Buffer, options: SignedCookieOptions = {}): void {
    cookies.setSignedCookie(this, name, value, options);
  }

  /** Tornado's older name for `set_signed_cookie`. */
  set_secure_cookie(name: string, value: string | Buffer, options: SignedCookieOptions = {}): void {
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
    return cookies.getSignedCookie(this, name, value, max_age_days, min_version);
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
    return cookies.signedCookieKeyVersion(this, name, value);
  }

  /**
   * Signs `value` for cookie `name` with the `cookie_secret` setting (a `{version: secret}`
   * object needs the `key_version` setting).
   * @throws Error when `cookie_secret` is not set, or `key_version` is missing for a key object.
   */
  create_signed_value(name: string, value: string | Buffer, version: number | null = null): string {
    return cookies.createSignedValue(this, name, value, version);
  }

  // ---- Users and application ----

  /** The user for this request, from `get_current_user()` (loaded before `prepare`; awaited there when it returns a promise); settable (e.g. in an async `prepare`). */
  get current_user(): unknown {
    if (!this._current_user_loaded) this.current_user = this.get_current_user();
    return this._current_user;
  }

  set current_user(user: unknown) {
    this._current_user = user;
    this._current_user_loaded = true;
  }

  /**
   * Override to identify the user (from a signed cookie, say); the default is no user (null).
   * It is called once per request, before the XSRF check and `prepare()` (unless `current_user`
   * was assigned already, in `initialize` say); a promise it returns (an `async` method, or a
   * decorated one) is awaited first.
   */
  get_current_user(): unknown {
    return null;
  }

  /** This request's `Locale`: `get_user_locale()`'s, else `get_browser_locale()`'s, found on first read; settable (e.g. in an async `prepare`). */
  get locale(): Locale {
    return locales.handlerLocale(this);
  }

  set locale(value: Locale) {
    this._locale = value;
  }

  /** Override to choose the locale (from the user's settings, say; synchronous); null, the default, falls back to the browser's. */
  get_user_locale(): Locale | null | undefined {
    return null;
  }

  /** The closest loaded locale to the `Accept-Language` header's languages, best `q` first; `locale.get(default_)` without the header. */
  get_browser_locale(default_ = "en_US"): Locale {
    return locales.browserLocale(this, default_);
  }

  /** The URL `authenticated` redirects to: the `login_url` setting. @throws Error when it is not set. */
  get_login_url(): string {
    this.require_setting("login_url", "@authenticated");
    return String(this.settings.login_url);
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

  // ---- XSRF (handler-xsrf.ts) ----

  /**
   * The XSRF token for this request, masked afresh each request (Tornado's format, version 2
   * unless the `xsrf_cookie_version` setting says 1). Reading it sets the `_xsrf` cookie
   * (named by `xsrf_cookie_name`) when the request had none.
   */
  get xsrf_token(): string {
    return xsrf.xsrfToken(this);
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
    xsrf.checkXsrfCookie(this);
  }

  // ---- Templates and static files (handler-render.ts) ----

  /**
   * Renders template `template_name` with `kwargs` (plus `get_template_namespace()`) and
   * finishes the response with it.
   * @throws Error after `finish()`; template errors name the template file and line.
   */
  render(template_name: string, kwargs: Record<string, unknown> = {}): Promise<void> {
    return render.render(this, template_name, kwargs);
  }

  /** Renders template `template_name` with `kwargs` (plus `get_template_namespace()`) and returns the bytes. */
  render_string(template_name: string, kwargs: Record<string, unknown> = {}): Buffer {
    return render.renderString(this, template_name, kwargs);
  }

  /**
   * The names every template rendered by this handler sees: `handler`, `request`,
   * `current_user`, `static_url`, `xsrf_form_html`, `reverse_url`, and Tornado's built-in
   * modules `modules.Template` (render another template in place), `modules.linkify` and
   * `modules.xsrf_form_html`; the escape functions come from the template itself.
   */
  get_template_namespace(): Record<string, unknown> {
    return render.templateNamespace(this);
  }

  /**
   * The URL of static file `path` (relative to `static_path`) with `?v=<hash>` for caching;
   * `include_host` makes it absolute. `include_version: false` leaves the hash out.
   * @throws Error when the `static_path` setting is not set.
   */
  static_url(path: string, include_host: boolean | null = null, options: { include_version?: boolean } = {}): string {
    return render.staticUrl(this, path, include_host, options.include_version ?? true);
  }

  /** The directory templates are loaded from: the `template_path` setting (the working directory when unset). */
  get_template_path(): string | null {
    return (this.settings.template_path as string | undefined) ?? null;
  }

  /** Makes the template loader for `template_path`: the `template_loader` setting if given, else a `Loader` honouring `autoescape` and `template_whitespace`. */
  create_template_loader(template_path: string): BaseLoader {
    return render.createTemplateLoader(this, template_path);
  }

  /** The URL path of the route named `name`, with `args` in place of its groups (see `Application.reverse_url`). */
  reverse_url(name: string, ...args: unknown[]): string {
    return this.application.reverse_url(name, ...args);
  }

  // ---- Execution (handler-execute.ts) ----

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
    return execute.execute(this, rawArgs, rawKwargs);
  }

  /** Turns an exception into the response: `Finish` finishes, anything else is logged and becomes an error page. */
  _handle_request_exception(error: unknown): void {
    execute.handleRequestException(this, error);
  }
}

// The defaults of the fields declared without an initializer above: an instance gets its own
// field only when it writes one.
Object.assign(RequestHandler.prototype, {
  _new_cookie: null,
  _xsrf_token: null,
  _raw_xsrf: null,
  _template_helpers: null,
  _locale: null,
});
