/**
 * The types the modules of `web` share: the application's settings, what a handler needs from
 * its application, and the constructor type of handler classes. They live here, in a module that
 * imports none of the others, so that handler.ts, application.ts, static.ts and loaders.ts use
 * them without importing each other (tests/import-cycles.test.ts holds src/ to that).
 *
 * Each type takes the handler type `H` as a parameter instead of naming `RequestHandler`, which
 * would make this module import handler.ts. The instances users see are written with
 * `RequestHandler`: `Settings` (exported by application.ts) is `SettingsFor<RequestHandler>`,
 * `RequestHandlerClass` (handler.ts) is `HandlerClassFor<RequestHandler>`, and
 * `RequestHandler.application` is an `ApplicationLike<RequestHandler>`, which `Application`
 * implements.
 */
import type { HTTPServerRequest } from "../httputil/request";
import type { OutputTransformClass } from "./transforms";
import type { PubSub } from "../pubsub/types";

/** Application settings, for handlers of type `H`. Unknown keys are kept and readable, as in Tornado. */
export interface SettingsFor<H> {
  /** Development mode: turns on `serve_traceback` (and, with later features, reloading). */
  debug?: boolean;
  /** Error pages show the stack trace as text. */
  serve_traceback?: boolean;
  /** Handler for requests no route matches (instead of the 404 page). */
  default_handler_class?: HandlerClassFor<H>;
  /** Init kwargs for `default_handler_class`. */
  default_handler_args?: Record<string, unknown>;
  /** Replaces the access log: called with each finished handler. */
  log_function?: (handler: H) => void;
  /** Host whose `add_handlers` rules serve requests no host pattern matches (unless `X-Real-Ip` is present). */
  default_host?: string;
  /** UI modules for `{% module Name(...) %}`: an object of `UIModule` subclasses, a module namespace, or a list of them. */
  ui_modules?: unknown;
  /** UI methods for templates and `this.ui`, each called with the handler first: an object of functions, a module namespace, or a list of them. */
  ui_methods?: unknown;
  /**
   * Where `app.pubsub` publishes: a `redis://host:port/db` URL (`rediss://` for TLS) for a bus
   * through Redis, shared by every process using that Redis; absent for the in-process bus.
   */
  pubsub_url?: string | null;
  /** A bus object for `app.pubsub` (a `RedisPubSub` of your own, say); takes precedence over `pubsub_url`. */
  pubsub?: PubSub;
  /**
   * `Application.listen` starts its server with `decompress_request` (unless its server
   * options say otherwise): `Content-Encoding: gzip` request bodies are decompressed as they
   * arrive (see `HTTPServerOptions.decompress_request`).
   */
  decompress_request?: boolean;
  [key: string]: unknown;
}

/** A UI method: called with the handler, then the template's arguments. */
export type UIMethod = (handler: any, ...args: any[]) => unknown;

/** A UI module as the handler's `render()` reads it (`UIModule`, in ui-modules.ts, is one). */
export interface UIModuleLike {
  render(...args: any[]): string | Uint8Array;
  embedded_javascript(): string | null | undefined;
  javascript_files(): string | readonly string[] | null | undefined;
  embedded_css(): string | null | undefined;
  css_files(): string | readonly string[] | null | undefined;
  html_head(): string | null | undefined;
  html_body(): string | null | undefined;
}

/** A class of UI modules, made with the handler that uses it. */
export type UIModuleClassLike = new (handler: any) => UIModuleLike;

/** A class that handles requests with handlers of type `H`: what a route names and the application instantiates per request. */
export type HandlerClassFor<H> = new (application: ApplicationLike<H>, request: HTTPServerRequest) => H;

/**
 * What a handler of type `H` uses of the application that routed its request to it (as
 * `RequestHandler.application`). `Application` implements it; a handler that needs more of
 * its own application class can cast `this.application` to it.
 */
export interface ApplicationLike<H> {
  /** The application's settings. */
  readonly settings: SettingsFor<H>;
  /** Transforms applied to every response, in order. */
  readonly transforms: readonly OutputTransformClass[];
  /**
   * The path of the route named `name`, with `args` in place of its groups.
   * @throws Error when no route has that name, or the pattern cannot be reversed with these args.
   */
  reverse_url(name: string, ...args: unknown[]): string;
  /** Writes the access log line for a finished request (or calls the `log_function` setting). */
  log_request(handler: H): void;
  /** The UI modules templates call by name: Tornado's built-in `Template`, `linkify` and `xsrf_form_html`, then the `ui_modules` setting's. */
  readonly ui_modules: Readonly<Record<string, UIModuleClassLike>>;
  /** The UI methods of the `ui_methods` setting, by name. */
  readonly ui_methods: Readonly<Record<string, UIMethod>>;
  /** The application's publish/subscribe bus (see `Application.pubsub`). */
  readonly pubsub: PubSub;
  /** `static_url` for handlers: the static handler class's URL for `path`, with `?v=<hash>` unless `include_version` is false. */
  _make_static_url(path: string, include_version: boolean): string;
}
