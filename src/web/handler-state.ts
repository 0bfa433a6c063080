/**
 * The state of a `RequestHandler`'s response, as one field of bit flags (`_state`), and the
 * shape the handler's part modules (handler-output, handler-input, ...) see it by. Internal:
 * not exported by the package.
 *
 * A response moves OPEN → HEADERS_COMMITTED (status and headers fixed, cookies added) →
 * HEADERS_SENT (handed to the connection) → FINISHING (`finish()` sends the last chunk) →
 * FINISHED (logged, `on_finish` called). BROKEN is set beside any of them when the response
 * failed on its way out; later output is dropped. A refused header write clears
 * HEADERS_COMMITTED again (nothing went out, an error page can follow).
 *
 * The modules of the request path bind the names they import from each other once, at load
 * (`const { BROKEN } = flags`, `const output = { ...outputModule }`): tsx, which the
 * benchmarks run the servers with, compiles each import into a getter read on every use, and
 * those reads cost about a fifth of the in-process time of a small request (bench/micro.ts
 * `/hello`, CPU time: 4.4 µs with the imports read through, 3.6 µs bound).
 */

import type { HTTPHeaders } from "../httputil/headers";
import type { HTTPServerRequest } from "../httputil/request";
import type { Locale } from "../locale";
import type { BaseLoader } from "../template";
import type { ApplicationLike, SettingsFor, UIMethod, UIModuleClassLike, UIModuleLike } from "./settings";
import type { CookieOptions } from "./cookies";
import type { OutputTransform } from "./transforms";

/** Nothing sent, `finish()` not called. */
export const OPEN = 0;
/** Status and headers are fixed (`_headers_written`): set on the first `flush()` or in `finish()`. */
export const HEADERS_COMMITTED = 1;
/** The status line and headers were handed to the connection. */
export const HEADERS_SENT = 2;
/** `finish()` is sending the last chunk (transforms close their streams then); stays set. */
export const FINISHING = 4;
/** The response is over (`_finished`): no more output. */
export const FINISHED = 8;
/** The response failed on its way out: later output is dropped. */
export const BROKEN = 16;

/** What `write()` accepts: text, bytes, or a plain object sent as JSON. */
export type Chunk = string | Buffer | Uint8Array | object;

/** Options of `send_error` and `write_error`, Python's keyword arguments. */
export interface ErrorOptions {
  reason?: string;
  /** The exception that caused the error (Python passes `sys.exc_info()`; here it is the error itself). */
  exc_info?: unknown;
  [key: string]: unknown;
}

/** The XSRF token the request's cookie carried (or a new one), unmasked. */
export interface RawXsrfToken {
  version: number | null;
  token: Buffer;
  timestamp: number;
}

/** What a streamed body's wait resolves to when the body will never be complete: the verb method is not run. */
export const ABANDONED: unique symbol = Symbol("tornado.body-abandoned");

/** The body on its way to a `@stream_request_body` handler, as `_execute` sees it (handler-stream.ts's `BodyStream`). */
export interface StreamedBody {
  /**
   * Says `prepare()` has run, so the body may be read; resolves once the body is complete
   * (undefined), or to `ABANDONED` when it never will be (the client left, a limit was hit,
   * `data_received` failed).
   */
  _prepared(): Promise<undefined | typeof ABANDONED>;
}

/** What the value of a header may be given as. */
export type HeaderValue = string | number | Date | Buffer;

/**
 * A `RequestHandler` as its part modules see it: its fields (the `_` ones internal) and the
 * overridable methods the parts call back, so that a subclass's override always takes effect.
 * `RequestHandler` implements it; the parts never import handler.ts.
 */
export interface HandlerCore {
  // The parts cannot name RequestHandler (they would import handler.ts, a cycle), and the
  // settings' handler types are invariant in it, so the application is seen for any handler type.
  readonly application: ApplicationLike<any>;
  readonly request: HTTPServerRequest;
  readonly settings: SettingsFor<any>;
  SUPPORTED_METHODS: readonly string[];
  path_args: Array<string | null>;
  path_kwargs: Record<string, string | null>;
  current_user: unknown;
  _current_user: unknown;
  _current_user_loaded: boolean;

  _headers: HTTPHeaders;
  _write_buffer: Array<string | Buffer>;
  _status_code: number;
  _reason: string;
  _state: number;
  _auto_finish: boolean;
  _transforms: readonly OutputTransform[];
  _sending: Promise<void>;
  _new_cookie: Map<string, string> | null;
  _xsrf_token: string | null;
  _raw_xsrf: RawXsrfToken | null;
  _template_helpers: TemplateHelpers | null;
  _ui: UINamespace | null;
  _active_modules: Map<string, UIModuleLike> | null;
  readonly ui: UINamespace;
  _locale: Locale | null;
  /** The streamed body, for a `@stream_request_body` handler whose request has one; null otherwise. */
  _body_stream: StreamedBody | null;
  locale: Locale;
  readonly _finished: boolean;
  readonly _headers_written: boolean;

  set_default_headers(): void;
  get_current_user(): unknown;
  get_user_locale(): Locale | null | undefined;
  get_browser_locale(default_?: string): Locale;
  prepare(): unknown;
  data_received(chunk: Buffer): unknown;
  on_finish(): void;
  on_connection_close(): void;

  clear(): void;
  set_status(status_code: number, reason?: string | null): void;
  set_header(name: string, value: HeaderValue): void;
  write(chunk: Chunk): void;
  flush(): Promise<void>;
  finish(chunk?: Chunk | null): Promise<void>;
  compute_etag(): string | null;
  set_etag_header(): void;
  check_etag_header(): boolean;
  send_error(status_code?: number, kwargs?: ErrorOptions): void;
  write_error(status_code: number, kwargs: ErrorOptions): void;
  log_exception(error: unknown): void;
  _handle_request_exception(error: unknown): void;
  _request_summary(): string;

  decode_argument(value: Buffer, name?: string | null): string;
  get_argument<D>(name: string, default_: D, strip?: boolean): string | D;
  get_cookie(name: string, default_?: string | null): string | null;
  set_cookie(name: string, value: string | Buffer, options?: CookieOptions): void;
  clear_cookie(name: string, options?: CookieOptions): void;
  create_signed_value(name: string, value: string | Buffer, version?: number | null): string;
  require_setting(name: string, feature?: string): void;
  check_xsrf_cookie(): void;
  readonly xsrf_token: string;
  xsrf_form_html(): string;

  render_string(template_name: string, kwargs?: Record<string, unknown>): Buffer;
  get_template_namespace(): Record<string, unknown>;
  get_template_path(): string | null;
  create_template_loader(template_path: string): BaseLoader;
  static_url(path: string, include_host?: boolean | null, options?: { include_version?: boolean }): string;
  reverse_url(name: string, ...args: unknown[]): string;
  _ui_module(name: string, module: UIModuleClassLike): (...args: any[]) => string;
  _ui_method(method: UIMethod): (...args: any[]) => any;
  render_linked_js(js_files: Iterable<string>): string;
  render_embed_js(js_embed: Iterable<Buffer>): Buffer;
  render_linked_css(css_files: Iterable<string>): string;
  render_embed_css(css_embed: Iterable<Buffer>): Buffer;
}

/**
 * A handler's `ui`: its application's `ui_methods`, each called with the handler first, and
 * `modules`, its application's UI modules by name, each rendering with the module instance
 * the handler made for that name (Tornado's `_UIModuleNamespace`).
 */
export interface UINamespace {
  readonly modules: Readonly<Record<string, (...args: any[]) => string>>;
  readonly [method: string]: any;
}

/**
 * The functions a handler's templates call, made on the handler's first
 * `get_template_namespace()` and shared by all its renders (as Tornado's
 * `self.ui` is made once per handler). Each calls the handler's method of the
 * same name when called, so a subclass's override is what templates get.
 */
export interface TemplateHelpers {
  readonly static_url: (path: string, include_host?: boolean | null, options?: { include_version?: boolean }) => string;
  readonly xsrf_form_html: () => string;
  readonly reverse_url: (name: string, ...args: unknown[]) => string;
}

/** `RequestHandler.SUPPORTED_METHODS`'s default: Tornado's seven. */
export const DEFAULT_SUPPORTED_METHODS: readonly string[] = Object.freeze([
  "GET",
  "HEAD",
  "POST",
  "DELETE",
  "PATCH",
  "PUT",
  "OPTIONS",
]);
/** Shared by every handler whose route captured nothing (frozen: captures are replaced, never edited). */
export const NO_PATH_ARGS = Object.freeze([]) as unknown as Array<string | null>;
/** Shared by every handler whose route captured no named group. */
export const NO_PATH_KWARGS: Record<string, string | null> = Object.freeze(Object.create(null));
