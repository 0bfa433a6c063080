import * as autoreload from "../autoreload";
import { url_escape } from "../escape";
import { HTTPServer, type HTTPBodyDelegate, type HTTPServerOptions } from "../httpserver";
import type { HTTPServerRequest } from "../httputil/request";
import { access_log, INFO, WARNING, ERROR } from "../log";
import { HostMatches, RuleTable, URLSpec, type PathMatch } from "../routing";
import { RequestHandler, type RequestHandlerClass } from "./handler";
import { ErrorHandler } from "./handlers";
import { BodyStream, streams_request_body } from "./handler-stream";
import { StaticFileHandler } from "./static";
import type { ApplicationLike, SettingsFor } from "./settings";
import { GZipContentEncoding, type OutputTransformClass } from "./transforms";

/** A route as a tuple: `[pattern, Handler]`, `[pattern, Handler, initKwargs]` or `[pattern, Handler, initKwargs, name]`. */
export type RouteTuple =
  | readonly [string | RegExp, RequestHandlerClass]
  | readonly [string | RegExp, RequestHandlerClass, Record<string, unknown> | null]
  | readonly [string | RegExp, RequestHandlerClass, Record<string, unknown> | null, string | null];

/** A route: a tuple or a `URLSpec` made by `url()`. */
export type Route = RouteTuple | URLSpec<RequestHandlerClass>;

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

interface HostRoutes {
  host: HostMatches;
  table: RuleTable<RequestHandlerClass>;
}

/** The handler chosen for a request, with its init kwargs and raw path captures. */
export interface RouteTarget extends PathMatch {
  handler_class: RequestHandlerClass;
  kwargs: Record<string, unknown>;
}

const NO_CAPTURES: PathMatch = { path_args: [], path_kwargs: Object.freeze(Object.create(null)) };

function describeHandler(handler: unknown): string {
  if (typeof handler === "function") return handler.name || "an anonymous function";
  return typeof handler === "object" ? (JSON.stringify(handler) ?? String(handler)) : String(handler);
}

function checkHandlerClass(pattern: unknown, handler: unknown): RequestHandlerClass {
  const isHandler =
    typeof handler === "function" && (handler === RequestHandler || handler.prototype instanceof RequestHandler);
  if (!isHandler) {
    throw new TypeError(
      `Handler for ${String(pattern)} must be a RequestHandler subclass, got ${describeHandler(handler)}`,
    );
  }
  return handler as RequestHandlerClass;
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

function toSpec(route: Route): URLSpec<RequestHandlerClass> {
  if (route instanceof URLSpec) return url(route.regex, route.handler_class, route.kwargs, route.name);
  if (!Array.isArray(route) || route.length < 2 || route.length > 4) {
    throw new TypeError(
      `A route must be [pattern, Handler, initKwargs?, name?] or url(...), got ${describeHandler(route)}`,
    );
  }
  const [pattern, handler, kwargs, name] = route as [
    string | RegExp,
    RequestHandlerClass,
    Record<string, unknown>?,
    string?,
  ];
  return url(pattern, handler, kwargs, name);
}

/**
 * A web application: routes mapping path patterns to handler classes, and settings.
 * Pass it to `HTTPServer`, or call `listen()`.
 */
export class Application implements ApplicationLike<RequestHandler> {
  /** The settings given to the constructor, with the defaults `debug` implies filled in. */
  readonly settings: Settings;
  /** Routes by name, for `reverse_url`. */
  readonly named_rules = new Map<string, URLSpec<RequestHandlerClass>>();
  /** Transforms applied to every response, in order (gzip when `compress_response` is set). */
  readonly transforms: OutputTransformClass[] = [];
  readonly #hostRoutes: HostRoutes[] = [];
  readonly #wildcardRoutes: RuleTable<RequestHandlerClass>;

  /**
   * @param handlers the routes, tried in order (first match wins).
   * @param settings see `Settings`; `debug` turns on `serve_traceback` unless set.
   * @throws Error at construction for an invalid pattern, a non-handler class or a duplicate route name.
   */
  constructor(handlers: readonly Route[] = [], settings: Settings = {}) {
    this.settings = { ...settings };
    if (this.settings.debug) {
      this.settings.autoreload ??= true;
      this.settings.compiled_template_cache ??= false;
      this.settings.static_hash_cache ??= false;
      this.settings.serve_traceback ??= true;
    }
    if (this.settings.compress_response || this.settings.gzip) this.transforms.push(GZipContentEncoding);
    if (this.settings.autoreload) autoreload.start();
    if (this.settings.default_handler_class !== undefined) {
      checkHandlerClass("default_handler_class", this.settings.default_handler_class);
    }
    const staticRoutes: Array<URLSpec<RequestHandlerClass>> = [];
    if (this.settings.static_path) {
      // Tornado's three static routes, ahead of the application's own.
      const handlerClass = (this.settings.static_handler_class as RequestHandlerClass | undefined) ?? StaticFileHandler;
      const kwargs = {
        ...(this.settings.static_handler_args as Record<string, unknown> | undefined),
        path: this.settings.static_path,
      };
      const prefix = String(this.settings.static_url_prefix ?? "/static/").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const patterns = ["/(robots\\.txt)", "/(favicon\\.ico)", prefix + "(.*)"];
      staticRoutes.push(...this.#compile(patterns.map((pattern) => [pattern, handlerClass, kwargs] as const)));
    }
    this.#wildcardRoutes = new RuleTable([...staticRoutes, ...this.#compile(handlers)]);
  }

  /** `static_url` for handlers: the static handler class's URL for `path`, with `?v=<hash>` unless `include_version` is false. */
  _make_static_url(path: string, include_version: boolean): string {
    const handlerClass =
      (this.settings.static_handler_class as typeof StaticFileHandler | undefined) ?? StaticFileHandler;
    return handlerClass.make_static_url(this.settings, path, include_version);
  }

  /** Adds a transform applied to every response (see `OutputTransform`). */
  add_transform(transform_class: OutputTransformClass): void {
    this.transforms.push(transform_class);
  }

  /**
   * Adds routes that serve only hosts matching `host_pattern` (a regex on the host name,
   * `$` implied). They are tried before the routes given to the constructor.
   */
  add_handlers(host_pattern: string | RegExp, handlers: readonly Route[]): void {
    this.#hostRoutes.push({ host: new HostMatches(host_pattern), table: new RuleTable(this.#compile(handlers)) });
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
    const spec = this.named_rules.get(name);
    if (spec === undefined) throw new Error(`${name} not found in named urls`);
    return spec.reverse((value) => url_escape(value, false), ...args);
  }

  /**
   * Finds the handler for a request: host routes first, then the wildcard routes, then the
   * default handler. In debug mode a 404 says when the path with (or without) a trailing
   * slash would have matched.
   */
  find_handler(request: HTTPServerRequest): RouteTarget {
    const target = this.#match(request, request.path);
    if (target !== null) return target;
    if (this.settings.default_handler_class) {
      return {
        handler_class: this.settings.default_handler_class,
        kwargs: this.settings.default_handler_args ?? {},
        ...NO_CAPTURES,
      };
    }
    const kwargs: Record<string, unknown> = { status_code: 404 };
    if (this.settings.debug) {
      const other = request.path.endsWith("/") ? request.path.slice(0, -1) : request.path + "/";
      if (other !== "" && this.#match(request, other) !== null) kwargs.did_you_mean = other;
    }
    return { handler_class: ErrorHandler, kwargs, ...NO_CAPTURES };
  }

  #match(request: HTTPServerRequest, path: string): RouteTarget | null {
    for (const group of this.#hostRoutes) {
      if (!group.host.match(request.host_name)) continue;
      const target = group.table.match(path);
      if (target !== null) return target;
    }
    return this.#wildcardRoutes.match(path) ?? this.#matchDefaultHost(request, path);
  }

  /**
   * Serves one request: the entry point `HTTPServer` calls. Never throws and never rejects;
   * errors become responses and log lines. Returns a promise when the handler went async,
   * nothing when the request was served synchronously.
   */
  handle_request(request: HTTPServerRequest): Promise<void> | undefined {
    // A request with a body was routed when its head came in (`headers_received`).
    const target = (request._route as RouteTarget | undefined) ?? this.find_handler(request);
    return this.#serve(target, request, null);
  }

  /**
   * `HTTPServer` calls it once the head of a request with a body is in, before the body is
   * read: the request is routed then. For a `@stream_request_body` handler the handler is made
   * and started now (its `prepare()` runs before the body is read) and the returned delegate
   * takes the body to its `data_received`; otherwise it returns undefined, the body is read
   * whole, and `handle_request` serves the request with the route found here.
   */
  headers_received(request: HTTPServerRequest): HTTPBodyDelegate | undefined {
    const target = this.find_handler(request);
    if (!streams_request_body(target.handler_class)) {
      request._route = target;
      return undefined;
    }
    const stream = new BodyStream();
    const running = this.#serve(target, request, stream);
    // A request that ended before `prepare()` (an error, a 405) lets the server see its response is over.
    if (running === undefined) stream.release();
    else void running.then(() => stream.release());
    return stream;
  }

  #serve(target: RouteTarget, request: HTTPServerRequest, stream: BodyStream | null): Promise<void> | undefined {
    let handler: RequestHandler;
    try {
      handler = new target.handler_class(this, request);
    } catch (err) {
      new RequestHandler(this, request)._handle_request_exception(err);
      return undefined;
    }
    if (stream !== null) stream.attach(handler);
    try {
      handler.initialize(target.kwargs);
    } catch (err) {
      handler._handle_request_exception(err);
      return undefined;
    }
    return handler._execute(target.path_args, target.path_kwargs);
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

  #compile(handlers: readonly Route[]): Array<URLSpec<RequestHandlerClass>> {
    if (!Array.isArray(handlers)) throw new TypeError("Application handlers must be a list of routes");
    const specs = handlers.map(toSpec);
    for (const spec of specs) {
      if (spec.name === null) continue;
      if (this.named_rules.has(spec.name)) throw new Error(`Duplicate route name ${JSON.stringify(spec.name)}`);
      this.named_rules.set(spec.name, spec);
    }
    return specs;
  }

  #matchDefaultHost(request: HTTPServerRequest, path: string): RouteTarget | null {
    const defaultHost = this.settings.default_host;
    if (defaultHost === undefined || request.headers.has("X-Real-Ip")) return null;
    for (const group of this.#hostRoutes) {
      if (!group.host.match(defaultHost)) continue;
      const target = group.table.match(path);
      if (target !== null) return target;
    }
    return null;
  }
}
