/**
 * Decorators for handler verb methods, as Tornado's `tornado.web.addslash`/`removeslash`.
 *
 * Each works as a standard (TC39, TypeScript 5) method decorator and as a plain wrapper:
 *
 * ```ts
 * class Page extends web.RequestHandler {
 *   @web.removeslash
 *   get() { ... }
 * }
 * Other.prototype.get = web.addslash(Other.prototype.get);
 * ```
 *
 * `stream_request_body` decorates a handler class the same two ways (`@web.stream_request_body`
 * above the class, or `web.stream_request_body(Upload)`).
 */
import { HTTPError } from "./errors";
import { RequestHandler } from "./handler";
import { STREAM_FLAG } from "./handler-stream";

/** A verb method (`get`, `post`, ...) as a decorator's wrapper sees it. */
export type VerbMethod = (this: RequestHandler, ...args: any[]) => unknown;

/**
 * Wraps a verb method; usable as `@decorator` on a method (standard decorators) or called on a
 * function. The wrapper has the method's type: it may return undefined instead of the method's
 * result when it answers the request itself.
 */
export type VerbDecorator = <M extends (this: any, ...args: any[]) => any>(
  method: M,
  context?: ClassMethodDecoratorContext,
) => M;

/**
 * Makes a verb decorator from `wrap`, which receives the method and returns its replacement
 * (called with the handler as `this` and the route's captures). The replacement keeps the
 * method's name.
 * @param name used in error messages; defaults to `wrap`'s name.
 */
export function verbDecorator(
  wrap: (method: VerbMethod) => VerbMethod,
  name: string = wrap.name || "verb decorator",
): VerbDecorator {
  return function decorate<M extends (this: any, ...args: any[]) => any>(
    method: M,
    context?: ClassMethodDecoratorContext,
  ): M {
    if (context !== undefined && (typeof context !== "object" || context === null || context.kind !== "method")) {
      const kind =
        typeof context === "object" && context !== null
          ? `a ${context.kind}`
          : "this target (legacy experimentalDecorators?)";
      throw new TypeError(`@${name} decorates handler methods, not ${kind}`);
    }
    if (typeof method !== "function") throw new TypeError(`${name} wraps a handler method, got ${typeof method}`);
    const wrapped = wrap(method as VerbMethod);
    Object.defineProperty(wrapped, "name", { value: method.name, configurable: true });
    return wrapped as unknown as M;
  };
}

/** `//host` and `/\host` in a Location header both lead browsers to another host. */
export function isProtocolRelative(path: string): boolean {
  return path.startsWith("//") || path.startsWith("/\\");
}

/** The path without its trailing slashes, by a loop: `/\/+$/` is quadratic on `//...//x/`. */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}

/**
 * Redirects a GET or HEAD whose path ends with `/` to the path without the trailing slashes
 * (301, query kept); other methods get 404. The path `/` itself is served. The route pattern
 * must match both forms, e.g. `/foo/*`.
 */
export const removeslash: VerbDecorator = verbDecorator(function removeslash(method) {
  return function (this: RequestHandler, ...args: unknown[]): unknown {
    const request = this.request;
    if (request.path.endsWith("/")) {
      if (request.method === "GET" || request.method === "HEAD") {
        let uri = withoutTrailingSlashes(request.path);
        if (uri) {
          if (isProtocolRelative(uri)) throw new HTTPError(403, "cannot redirect path with two initial slashes");
          if (request.query) uri += "?" + request.query;
          this.redirect(uri, true);
          return undefined;
        }
      } else {
        throw new HTTPError(404);
      }
    }
    return method.apply(this, args);
  };
});

/**
 * Redirects a GET or HEAD whose path does not end with `/` to the path with one (301, query
 * kept); other methods get 404. The route pattern must match both forms, e.g. `/foo/?`.
 */
export const addslash: VerbDecorator = verbDecorator(function addslash(method) {
  return function (this: RequestHandler, ...args: unknown[]): unknown {
    const request = this.request;
    if (!request.path.endsWith("/")) {
      if (request.method === "GET" || request.method === "HEAD") {
        if (isProtocolRelative(request.path)) throw new HTTPError(403, "cannot redirect path with two initial slashes");
        let uri = request.path + "/";
        if (request.query) uri += "?" + request.query;
        this.redirect(uri, true);
        return undefined;
      }
      throw new HTTPError(404);
    }
    return method.apply(this, args);
  };
});

/**
 * Makes handler class `cls` stream its request bodies (Tornado's `@stream_request_body`): for a
 * request with a body, `prepare()` runs once the head is in, before any of the body is read;
 * then `data_received(chunk)` is called for each chunk as it arrives (a promise it returns
 * pauses reading: back-pressure), then the verb method once the whole body is in.
 * `request.body` stays empty. From `prepare()`, `this.request.connection?.set_max_body_size?.(n)`
 * and `set_body_timeout?.(seconds)` set this request's limits. A client that leaves before the
 * body is complete gets `on_connection_close()`, and the verb method does not run. Subclasses
 * stream too. Works as a standard class decorator and as a plain call; returns `cls`.
 * @throws TypeError when `cls` is not a RequestHandler subclass, or decorated as something else.
 */
export function stream_request_body<C extends abstract new (...args: any[]) => RequestHandler>(
  cls: C,
  context?: ClassDecoratorContext,
): C {
  if (context !== undefined && (typeof context !== "object" || context === null || context.kind !== "class")) {
    throw new TypeError("@stream_request_body decorates handler classes");
  }
  if (typeof cls !== "function" || !(cls.prototype instanceof RequestHandler)) {
    throw new TypeError(`stream_request_body expects a RequestHandler subclass, got ${String(cls)}`);
  }
  Object.defineProperty(cls, STREAM_FLAG, { value: true, configurable: true, enumerable: false, writable: true });
  return cls;
}
