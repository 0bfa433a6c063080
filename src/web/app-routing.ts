/**
 * The parts of Tornado's `tornado.web` that bind routing to handlers: `_ApplicationRouter`
 * (a rule router whose targets may be handler classes or lists of rules) and `_HandlerDelegate`
 * (the message delegate that runs one handler for one request).
 */
import type { HTTPMessageDelegate } from "../httputil/delegate";
import type { HTTPConnection, HTTPServerRequest } from "../httputil/request";
import { ReversibleRuleRouter, type Rule, type RuleList } from "../routing/rules";
import { PathMatches, type TargetParams } from "../routing/matchers";
import { RequestHandler, type RequestHandlerClass } from "./handler";
import { BodyStream } from "./handler-stream";
import type { ApplicationLike } from "./settings";

/** What the routers need of their `Application` (declared here: application.ts imports this module). */
export interface RoutingApplication extends ApplicationLike<RequestHandler> {
  /** See `Application.get_handler_delegate`. */
  get_handler_delegate(
    request: HTTPServerRequest,
    target_class: RequestHandlerClass,
    target_kwargs?: Record<string, unknown> | null,
    path_args?: Array<string | null> | null,
    path_kwargs?: Record<string, string | null> | null,
  ): HTTPMessageDelegate;
  /** Records a named rule; throws for a name already taken. */
  _register_name(rule: Rule): void;
}

const NO_ARGS: Array<string | null> = [];
const NO_KWARGS: Record<string, string | null> = Object.freeze(Object.create(null));
const NO_TARGET_KWARGS: Record<string, unknown> = Object.freeze({});

/** True for `RequestHandler` and its subclasses. */
export function is_handler_class(value: unknown): value is RequestHandlerClass {
  return typeof value === "function" && (value === RequestHandler || value.prototype instanceof RequestHandler);
}

/** True for a class (`class X {}`), as opposed to a plain or arrow function. */
function isClass(value: unknown): boolean {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function describeTarget(target: unknown): string {
  if (typeof target === "function") return target.name || "an anonymous function";
  return typeof target === "object" ? (JSON.stringify(target) ?? String(target)) : String(target);
}

/**
 * The router an `Application` is made of: Tornado's `_ApplicationRouter`. A rule's target may
 * also be a `RequestHandler` subclass (served through `Application.get_handler_delegate`) or a
 * list of rules (made into a nested `_ApplicationRouter`). Named rules are registered with the
 * application, which refuses a duplicate name.
 */
export class _ApplicationRouter extends ReversibleRuleRouter {
  /** The application whose handlers this router's rules lead to. */
  readonly application: RoutingApplication;

  /** @throws TypeError for a class target that is not a `RequestHandler` subclass; Error for a duplicate name. */
  constructor(application: RoutingApplication, rules?: RuleList | null) {
    super();
    this.application = application;
    if (rules) this.add_rules(rules);
  }

  /** Nests a list target as a router, refuses a class that is no handler, registers the name. */
  process_rule(rule: Rule): Rule {
    if (Array.isArray(rule.target)) rule.target = new _ApplicationRouter(this.application, rule.target as RuleList);
    else if (isClass(rule.target) && !is_handler_class(rule.target)) {
      const where = rule.matcher instanceof PathMatches ? rule.matcher.source : String(rule.matcher);
      throw new TypeError(`Handler for ${where} must be a RequestHandler subclass, got ${describeTarget(rule.target)}`);
    }
    if (rule.name) this.application._register_name(rule);
    return super.process_rule(rule);
  }

  /** A handler class goes to `Application.get_handler_delegate`; other targets as in `RuleRouter`. */
  get_target_delegate(
    target: unknown,
    request: HTTPServerRequest,
    target_params: TargetParams,
  ): HTTPMessageDelegate | null {
    if (is_handler_class(target)) {
      return this.application.get_handler_delegate(
        request,
        target,
        target_params.target_kwargs,
        target_params.path_args,
        target_params.path_kwargs,
      );
    }
    return super.get_target_delegate(target, request, target_params);
  }
}

/**
 * Runs one handler for one request (Tornado's `_HandlerDelegate`): `finish()` (the request
 * has arrived whole) calls `execute()`, which makes the handler, calls `initialize` with the
 * kwargs, then `_execute` with the path's raw captures. A `@stream_request_body` handler is
 * started earlier, at header time, by `execute_streaming()` (see `Application.headers_received`).
 */
export class _HandlerDelegate implements HTTPMessageDelegate {
  /** The application the handler is made for. */
  readonly application: RoutingApplication;
  /** The request it serves. */
  readonly request: HTTPServerRequest;
  /** The handler class to run. */
  readonly handler_class: RequestHandlerClass;
  /** Given to the handler's `initialize`. */
  readonly handler_kwargs: Record<string, unknown>;
  /** The path's raw positional captures, for the HTTP method. */
  readonly path_args: Array<string | null>;
  /** The path's raw named captures, for the HTTP method. */
  readonly path_kwargs: Record<string, string | null>;
  /** The handler, once `execute` has made it. */
  handler: RequestHandler | null = null;

  constructor(
    application: RoutingApplication,
    request: HTTPServerRequest,
    handler_class: RequestHandlerClass,
    handler_kwargs?: Record<string, unknown> | null,
    path_args?: Array<string | null> | null,
    path_kwargs?: Record<string, string | null> | null,
  ) {
    this.application = application;
    this.request = request;
    this.handler_class = handler_class;
    this.handler_kwargs = handler_kwargs ?? NO_TARGET_KWARGS;
    this.path_args = path_args ?? NO_ARGS;
    this.path_kwargs = path_kwargs ?? NO_KWARGS;
  }

  /** The request's connection, the way the response goes out. */
  get connection(): HTTPConnection | null {
    return this.request.connection;
  }

  /** The whole request has arrived (the server reads the body before routing): runs the handler. */
  finish(): Promise<void> | undefined {
    return this.execute();
  }

  /**
   * Makes the handler and runs it. Never throws and never rejects: errors become responses and
   * log lines. Returns a promise when the handler went async.
   */
  execute(stream: BodyStream | null = null): Promise<void> | undefined {
    let handler: RequestHandler;
    try {
      handler = new this.handler_class(this.application, this.request);
    } catch (err) {
      new RequestHandler(this.application, this.request)._handle_request_exception(err);
      return undefined;
    }
    this.handler = handler;
    if (stream !== null) stream.attach(handler);
    try {
      handler.initialize(this.handler_kwargs);
    } catch (err) {
      handler._handle_request_exception(err);
      return undefined;
    }
    return handler._execute(this.path_args, this.path_kwargs);
  }

  /**
   * Starts a `@stream_request_body` handler before its body is read (Tornado's
   * `headers_received` for such a handler): makes it and runs `_execute`, which stops after
   * `prepare()` until the body is in. Returns the stream the server reads the body into; it
   * lets the server read once `prepare()` has run, or at once when the request ended before it
   * (an error, a 405).
   */
  execute_streaming(): BodyStream {
    const stream = new BodyStream();
    const running = this.execute(stream);
    if (running === undefined) stream.release();
    else void running.then(() => stream.release());
    return stream;
  }
}
