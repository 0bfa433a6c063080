/**
 * `RequestHandler`, the class users subclass. Its public methods are thin: they keep the doc
 * comments and call the part modules, each a concern as Tornado's users navigate it. The first
 * half of the class is `RequestHandlerBase` (handler-base.ts): fields, hooks, output
 * (handler-output), error pages and arguments (handler-input). This file adds cookies and
 * signed cookies (handler-cookies), users, locale (handler-locale), XSRF (handler-xsrf),
 * templates, static_url and reverse_url (handler-render) and `_execute` (handler-execute). The
 * parts see the handler as a `HandlerCore` (handler-state.ts) and call back its overridable methods.
 */
import type { Morsel } from "../httputil/request";
import type { ConnectionStream } from "../httputil/stream";
import type { Locale } from "../locale";
import type { BaseLoader } from "../template";
import type { ApplicationLike, HandlerClassFor, SettingsFor } from "./settings";
import { xsrf_form_html } from "./xsrf";
import type { CookieOptions } from "./cookies";
import * as outputModule from "./handler-output";
import * as cookiesModule from "./handler-cookies";
import type { SignedCookieOptions } from "./handler-cookies";
import * as xsrfModule from "./handler-xsrf";
import * as renderModule from "./handler-render";
import * as executeModule from "./handler-execute";
import * as localeModule from "./handler-locale";
import * as uiModule from "./handler-ui";
import type { UINamespace } from "./handler-state";
import type { UIMethod, UIModuleClassLike } from "./settings";
import { RequestHandlerBase } from "./handler-base";
import * as streamModule from "./handler-stream";

export type { CookieOptions } from "./cookies";
export type { Chunk, ErrorOptions } from "./handler-state";

/** A class that handles requests: `RequestHandler` or a subclass of it. */
export type RequestHandlerClass = HandlerClassFor<RequestHandler>;

// Bound once, as in handler-base.ts (a loader's getter per imported name is a cost per call).
const output = { ...outputModule };
const cookies = { ...cookiesModule };
const xsrf = { ...xsrfModule };
const render = { ...renderModule };
const execute = { ...executeModule };
const locales = { ...localeModule };
const ui = { ...uiModule };
const stream = { ...streamModule };

/**
 * Base class for HTTP request handlers: subclass it and define the verb methods
 * (`get`, `post`, ...) your route answers. One instance is made per request.
 *
 * Do not override the constructor; put set-up in `initialize(kwargs)`, which receives the
 * third element of the route tuple.
 */
export class RequestHandler extends RequestHandlerBase {
  /** The application that routed the request here. */
  declare readonly application: ApplicationLike<RequestHandler>;

  /** The application's settings. */
  get settings(): SettingsFor<RequestHandler> {
    return this.application.settings;
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
   * Renders template `template_name` with `kwargs` (plus `get_template_namespace()`), puts in
   * the UI modules' CSS and `html_head` before `</head>` and their JavaScript and `html_body`
   * before `</body>`, and finishes the response with it.
   * @throws Error after `finish()`, or when a module's part has no `</head>` / `</body>` to go
   *   before; template errors name the template file and line.
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
   * `current_user`, `locale`, `_`, `pgettext`, `static_url`, `xsrf_form_html`, `reverse_url`,
   * and the entries of `ui`: the `ui_methods` and `modules` (Tornado's built-in `Template`,
   * `linkify` and `xsrf_form_html`, then the `ui_modules` setting's); the escape functions come
   * from the template itself.
   */
  get_template_namespace(): Record<string, unknown> {
    return render.templateNamespace(this);
  }

  /**
   * The URL of static file `path` (relative to `static_path`) with `?v=<hash>` for caching;
   * `include_host` makes it absolute (default: the handler's `include_host`, false unless set).
   * `include_version: false` leaves the hash out.
   * @throws Error when the `static_path` setting is not set.
   */
  static_url(path: string, include_host: boolean | null = null, options: { include_version?: boolean } = {}): string {
    return render.staticUrl(this, path, include_host ?? this.include_host, options.include_version ?? true);
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

  // ---- UI modules and methods (handler-ui.ts) ----

  /**
   * The application's `ui_methods`, each called with this handler first, and `modules`, its UI
   * modules by name (`this.ui.modules.Entry(entry)` renders as `{% module Entry(entry) %}`).
   * Made on first read; templates see its entries in their namespace.
   */
  get ui(): UINamespace {
    return (this._ui ??= ui.makeUI(this));
  }

  /** Internal: the function `ui.modules[name]` is, rendering with this handler's one instance of `module` (made on first call). */
  _ui_module(name: string, module: UIModuleClassLike): (...args: any[]) => string {
    return ui.uiModuleRenderer(this, name, module);
  }

  /** Internal: the function `ui[name]` is for a UI method: `method` called with this handler first. */
  _ui_method(method: UIMethod): (...args: any[]) => any {
    return ui.uiMethodCaller(this, method);
  }

  /** The `<script src>` tags `render()` puts before `</body>` for the modules' `javascript_files` (relative paths through `static_url`, each URL once); override to change them. */
  render_linked_js(js_files: Iterable<string>): string {
    return ui.linkedJs(this, js_files);
  }

  /** The `<script>` `render()` puts before `</body>` for the modules' `embedded_javascript`; override to change it. */
  render_embed_js(js_embed: Iterable<Buffer>): Buffer {
    return ui.embedJs(js_embed);
  }

  /** The `<link rel="stylesheet">` tags `render()` puts before `</head>` for the modules' `css_files` (as `render_linked_js`); override to change them. */
  render_linked_css(css_files: Iterable<string>): string {
    return ui.linkedCss(this, css_files);
  }

  /** The `<style>` `render()` puts before `</head>` for the modules' `embedded_css`; override to change it. */
  render_embed_css(css_embed: Iterable<Buffer>): Buffer {
    return ui.embedCss(css_embed);
  }

  // ---- Streamed request bodies (handler-stream.ts) ----

  /**
   * Takes one chunk of the request body, for a handler decorated with `@stream_request_body`
   * (Tornado's `data_received`): called after `prepare()` for each chunk as it arrives
   * (decompressed, with `decompress_request`), in order, before the verb method runs. It may
   * return a promise: the body is not read further until it settles, which slows the client
   * down (back-pressure). An exception (or rejection) ends the request with a 500.
   * @throws Error by default: a streaming handler must override it.
   */
  data_received(chunk: Buffer): unknown {
    return stream.dataReceivedNotImplemented(this, chunk);
  }

  /**
   * Takes control of the connection's socket and ends HTTP processing on it: nothing more is
   * written for this request (no log line, no `on_finish`), and the returned stream is the
   * handler's to write raw bytes to and to close. On a request that asked to upgrade, the
   * stream's `socket` can be read too; on a plain request Node's HTTP parser keeps the input.
   * @throws Error once headers were sent, or when the connection cannot be detached.
   */
  detach(): ConnectionStream {
    return output.detachConnection(this);
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
