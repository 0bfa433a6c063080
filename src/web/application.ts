import * as autoreload from "../autoreload";
import { HTTPServer, type HTTPBodyDelegate, type HTTPServerOptions } from "../httpserver";
import { deliver_request, type HTTPMessageDelegate } from "../httputil/delegate";
import type { HTTPServerRequest } from "../httputil/request";
import { access_log, INFO, WARNING, ERROR } from "../log";
import { AnyMatches, DefaultHostMatches, HostMatches, type Matcher, type TargetParams } from "../routing/matchers";
import { ReversibleRouter, Rule, URLSpec, type RuleList } from "../routing/rules";
import { _ApplicationRouter, _HandlerDelegate, is_handler_class } from "./app-routing";
import { type RequestHandler, type RequestHandlerClass } from "./handler";
import { ErrorHandler } from "./handlers";
import { streams_request_body } from "./handler-stream";
import { StaticFileHandler } from "./static";
import type { ApplicationLike, SettingsFor } from "./settings";
import { GZipContentEncoding, type OutputTransformClass } from "./transforms";
import { builtinUIModules, loadUIMethods, loadUIModules, type UIModuleClass } from "./ui-modules";
import type { UIMethod } from "./settings";
import { open_pubsub } from "../pubsub/registry";
import type { PubSub } from "../pubsub/types";

/**
 * A route as a list: `[pattern or matcher, target]`, `[pattern or matcher, target, initKwargs]`
 * or `[pattern or matcher, target, initKwargs, name]`. The target is a handler class, a list of
 * routes (nested), a `Router` (an `Application` too), a connection delegate or a callable.
 */
export type RouteTuple =
  | readonly [string | RegExp | Matcher, RouteTarget]
  | readonly [string | RegExp | Matcher, RouteTarget, Record<string, unknown> | null]
  | readonly [string | RegExp | Matcher, RouteTarget, Record<string, unknown> | null, string | null];

/** What a route leads to (see `RouteTuple`). */
export type RouteTarget = RequestHandlerClass | readonly Route[] | object | ((...args: never[]) => unknown);

/** A route: a list, a `Rule`, or a `URLSpec` made by `url()`. */
export type Route = RouteTuple | Rule;

/**
 * Application settings. Unknown keys are kept and readable, as in Tornado. The keys are
 * declared for any handler type by `SettingsFor` (web/settings.ts); here the handler type is
 * `RequestHandler`.
 */
export interface Settings extends SettingsFor<RequestHandler> {
  /** Handler for requests no route matches (instead of the 404 page). */
  default_handler_class?: RequestHandlerClass;
  /** Replaces the access log: called with each finished handler. */
  log_function?: (handler: RequestHandler) => void;
}

function describeHandler(handler: unknown): string {
  if (typeof handler === "function") return handler.name || "an anonymous function";
  return typeof handler === "object" ? (JSON.stringify(handler) ?? String(handler)) : String(handler);
}

function checkHandlerClass(pattern: unknown, handler: unknown): RequestHandlerClass {
  if (!is_handler_class(handler)) {
    throw new TypeError(
      `Handler for ${String(pattern)} must be a RequestHandler subclass, got ${describeHandler(handler)}`,
    );
  }
  return handler;
}

/**
 * Makes a route, as Tornado's `url()`: a path pattern, the handler class, its init kwargs
 * and an optional name for `reverse_url`.
 * @throws Error for an invalid pattern; TypeError when `handler` is not a RequestHandler subclass.
 */
export function url(
  pattern: string | RegExp,
  handler: RequestHandlerClass,
  kwargs?: Record<string, unknown> | null,
  name?: string | null,
): URLSpec<RequestHandlerClass> {
  return new URLSpec(pattern, checkHandlerClass(pattern, handler), kwargs, name);
}

function checkRoutes(handlers: readonly Route[]): RuleList {
  if (!Array.isArray(handlers)) throw new TypeError("Application handlers must be a list of routes");
  for (const route of handlers) {
    if (route instanceof Rule) continue;
    if (!Array.isArray(route) || route.length < 2 || route.length > 4) {
      throw new TypeError(
        `A route must be [pattern, Handler, initKwargs?, name?] or url(...), got ${describeHandler(route)}`,
      );
    }
  }
  return handlers as RuleList;
}

/**
 * A web application: routes mapping path patterns to handler classes, and settings.
 * Pass it to `HTTPServer`, or call `listen()`.
 */
export class Application extends ReversibleRouter implements ApplicationLike<RequestHandler> {
  /** The settings given to the constructor, with the defaults `debug` implies filled in. */
  readonly settings: Settings;
  /** Named rules of every router of this application, for the duplicate check (`reverse_url` asks the routers). */
  readonly named_rules = new Map<string, Rule>();
  /** Transforms applied to every response, in order (gzip when `compress_response` is set). */
  readonly transforms: OutputTransformClass[] = [];
  /**
   * The host `add_handlers` host patterns are matched against when no host rule matched the
   * request's own host (and it has no `X-Real-Ip`): the `default_host` setting; assignable.
   */
  default_host: string | null;
  /** The routes given to the constructor (with the static routes first): Tornado's `wildcard_router`. */
  readonly wildcard_router: _ApplicationRouter;
  /** The host rules of `add_handlers`, then a rule matching any request that leads to `wildcard_router`. */
  readonly default_router: _ApplicationRouter;
  /** The UI modules by name: Tornado's built-in `Template`, `linkify` and `xsrf_form_html`, then the `ui_modules` setting's. */
  readonly ui_modules: Record<string, UIModuleClass> = builtinUIModules();
  /** The UI methods of the `ui_methods` setting, by name. */
  readonly ui_methods: Record<string, UIMethod> = {};
  #pubsub: PubSub | null = null;

  /**
   * @param handlers the routes, tried in order (first match wins).
   * @param settings see `Settings`; `debug` turns on `serve_traceback` unless set.
   * @throws Error at construction for an invalid pattern, a non-handler class or a duplicate route
   *   name; TypeError naming the entry for a `ui_modules` entry that is not a `UIModule` subclass
   *   or a `ui_methods` entry that is not a function.
   */
  constructor(handlers: readonly Route[] = [], settings: Settings = {}) {
    super();
    this.settings = { ...settings };
    this.default_host = typeof settings.default_host === "string" ? settings.default_host : null;
    if (this.settings.debug) {
      this.settings.autoreload ??= true;
      this.settings.compiled_template_cache ??= false;
      this.settings.static_hash_cache ??= false;
      this.settings.serve_traceback ??= true;
    }
    if (this.settings.compress_response || this.settings.gzip) this.transforms.push(GZipContentEncoding);
    loadUIModules(this.settings.ui_modules ?? {}, this.ui_modules);
    loadUIMethods(this.settings.ui_methods ?? {}, this.ui_methods);
    if (this.settings.autoreload) autoreload.start();
    if (this.settings.default_handler_class !== undefined) {
      checkHandlerClass("default_handler_class", this.settings.default_handler_class);
    }
    this.wildcard_router = new _ApplicationRouter(this, [...this.#staticRoutes(), ...checkRoutes(handlers)]);
    this.default_router = new _ApplicationRouter(this, [new Rule(new AnyMatches(), this.wildcard_router)]);
  }

  /** Tornado's three static routes when `static_path` is set (they go ahead of the application's own). */
  #staticRoutes(): Rule[] {
    if (!this.settings.static_path) return [];
    const handlerClass = (this.settings.static_handler_class as RequestHandlerClass | undefined) ?? StaticFileHandler;
    const kwargs = {
      ...(this.settings.static_handler_args as Record<string, unknown> | undefined),
      path: this.settings.static_path,
    };
    const prefix = String(this.settings.static_url_prefix ?? "/static/").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const patterns = ["/(robots\\.txt)", "/(favicon\\.ico)", prefix + "(.*)"];
    return patterns.map((pattern) => url(pattern, handlerClass, kwargs));
  }

  /** `static_url` for handlers: the static handler class's URL for `path`, with `?v=<hash>` unless `include_version` is false. */
  _make_static_url(path: string, include_version: boolean): string {
    const handlerClass =
      (this.settings.static_handler_class as typeof StaticFileHandler | undefined) ?? StaticFileHandler;
    return handlerClass.make_static_url(this.settings, path, include_version);
  }

  /**
   * The application's publish/subscribe bus (a tornado-ts addition), made on first use: the
   * `pubsub` setting when given, else the process's bus for `pubsub_url` (one per URL, shared by
   * every application of the process that names it: one Redis subscriber connection per
   * process), else the process's in-process bus.
   * @throws Error on first use when `pubsub_url` is not a redis:// or rediss:// URL.
   */
  get pubsub(): PubSub {
    return (this.#pubsub ??= this.settings.pubsub ?? open_pubsub(this.settings.pubsub_url));
  }

  /** Adds a transform applied to every response (see `OutputTransform`). */
  add_transform(transform_class: OutputTransformClass): void {
    this.transforms.push(transform_class);
  }

  /**
   * Adds routes that serve only hosts matching `host_pattern` (a regex on the host name, `$`
   * implied), as Tornado: they are tried before the routes given to the constructor, in the order
   * host patterns were added. They also serve a request no host rule took when `default_host`
   * matches `host_pattern` (checked at each request, after the constructor's routes).
   */
  add_handlers(host_pattern: string | RegExp, handlers: readonly Route[]): void {
    const host_matcher = new HostMatches(host_pattern);
    const host_router = new _ApplicationRouter(this, checkRoutes(handlers));
    this.default_router._insert_rule(this.default_router.rules.length - 1, new Rule(host_matcher, host_router));
    this.wildcard_router.add_rules([new Rule(new DefaultHostMatches(this, host_matcher.host_pattern), host_router)]);
  }

  /**
   * Starts an `HTTPServer` for this application on `port` (0 picks a free one) and `address`
   * (all interfaces when omitted). `IOLoop.current().stop()` (or SIGTERM/SIGINT while the loop
   * runs) shuts it down gracefully, WebSockets included, so that the process can end (see
   * `HTTPServer.shutdown`; `serverOptions.shutdown_grace_period` bounds it, default 10 s).
   */
  listen(port: number, address?: string, serverOptions: HTTPServerOptions = {}): HTTPServer {
    const decompress = this.settings.decompress_request;
    const options =
      decompress === undefined || serverOptions.decompress_request !== undefined
        ? serverOptions
        : { ...serverOptions, decompress_request: Boolean(decompress) };
    const server = new HTTPServer(this, options);
    server.listen(port, address);
    return server;
  }

  /**
   * The path of the route named `name`, with `args` (URL-escaped, `/` kept) in place of its groups.
   * @throws Error when no route has that name, or the pattern cannot be reversed with these args.
   */
  reverse_url(name: string, ...args: unknown[]): string {
    const url = this.default_router.reverse_url(name, ...args);
    if (url === null) throw new Error(`${name} not found in named urls`);
    return url;
  }

  /**
   * The message delegate for a request (what `handle_request` gives the request to): the
   * routers' (host routes first, then the constructor's routes, then the `default_host`
   * fallback), else the `default_handler_class`, else a 404 `ErrorHandler`. In debug mode the
   * 404 says when the path with (or without) a trailing slash would have matched. Override it
   * to route differently.
   * @param kwargs ignored here (Tornado's routing implementations may pass more).
   */
  find_handler(request: HTTPServerRequest, kwargs?: TargetParams): HTTPMessageDelegate {
    void kwargs;
    const route = this.default_router.find_handler(request);
    if (route !== null) return route;
    if (this.settings.default_handler_class) {
      return this.get_handler_delegate(
        request,
        this.settings.default_handler_class,
        this.settings.default_handler_args ?? {},
      );
    }
    const error_kwargs: Record<string, unknown> = { status_code: 404 };
    if (this.settings.debug) {
      const didYouMean = this.#otherSlashMatches(request);
      if (didYouMean !== null) error_kwargs.did_you_mean = didYouMean;
    }
    return this.get_handler_delegate(request, ErrorHandler, error_kwargs);
  }

  /**
   * The message delegate that runs `target_class` for `request` (Tornado's
   * `get_handler_delegate`): `initialize` gets `target_kwargs`, the HTTP method gets `path_args`
   * or `path_kwargs` (raw, still percent-encoded: the handler decodes them). Override it to
   * wrap or replace how handlers are run.
   */
  get_handler_delegate(
    request: HTTPServerRequest,
    target_class: RequestHandlerClass,
    target_kwargs?: Record<string, unknown> | null,
    path_args?: Array<string | null> | null,
    path_kwargs?: Record<string, string | null> | null,
  ): HTTPMessageDelegate {
    return new _HandlerDelegate(this, request, target_class, target_kwargs, path_args, path_kwargs);
  }

  /**
   * `HTTPServer` calls it once the head of a request with a body is in, before the body is
   * read, and the request is routed then (`find_handler`, once per request). A handler class
   * decorated with `@stream_request_body` is made and started now, its `prepare()` running
   * before the body is read, and the returned delegate takes the body to its `data_received`.
   * Any other route is kept for `handle_request`, which gets the request once its body is in
   * whole; undefined is returned then.
   */
  headers_received(request: HTTPServerRequest): HTTPBodyDelegate | undefined {
    const delegate = this.find_handler(request);
    if (delegate instanceof _HandlerDelegate && streams_request_body(delegate.handler_class)) {
      return delegate.execute_streaming();
    }
    request._route = delegate;
    return undefined;
  }

  /**
   * Serves a request whose body (if any) is in (what `HTTPServer` calls): the route
   * `headers_received` found, else `find_handler`'s, gets it (see `Router.handle_request`).
   */
  handle_request(request: HTTPServerRequest): unknown {
    const route = request._route as HTTPMessageDelegate | undefined;
    if (route === undefined) return super.handle_request(request);
    request._route = undefined;
    return deliver_request(route, request);
  }

  /** Internal: records a named rule of one of this application's routers. @throws Error for a name already taken. */
  _register_name(rule: Rule): void {
    const name = rule.name!;
    if (this.named_rules.has(name) && this.named_rules.get(name) !== rule) {
      throw new Error(`Duplicate route name ${JSON.stringify(name)}`);
    }
    this.named_rules.set(name, rule);
  }

  /** The path with its trailing slash added or removed, when the routers have a route for that one. */
  #otherSlashMatches(request: HTTPServerRequest): string | null {
    const path = request.path;
    const other = path.endsWith("/") ? path.slice(0, -1) : path + "/";
    if (other === "") return null;
    request.path = other;
    try {
      return this.default_router.find_handler(request) !== null ? other : null;
    } finally {
      request.path = path;
    }
  }

  /**
   * Writes the access log line for a finished request, `200 GET /path (ip) 0.52ms`: info below
   * 400, warning below 500, error from 500. The `log_function` setting replaces it. When the
   * access logger would write nothing at that level (no `enable_pretty_logging()`, a 2xx), it
   * returns before building the summary or reading the clock.
   */
  log_request(handler: RequestHandler): void {
    if (this.settings.log_function) {
      this.settings.log_function(handler);
      return;
    }
    const status = handler.get_status();
    const level = status < 400 ? INFO : status < 500 ? WARNING : ERROR;
    if (!access_log.wouldLog(level)) return;
    access_log.log(level, "%d %s %.2fms", status, handler._request_summary(), 1000 * handler.request.request_time());
  }
}
