/**
 * Tornado's routers (`tornado.routing`): `Router` and `ReversibleRouter` (the interfaces),
 * `RuleRouter` and `ReversibleRuleRouter` (ordered rules, first match wins), `Rule` and `URLSpec`.
 *
 * A router is also what `HTTPServer` serves: its `handle_request(request)` finds the request's
 * message delegate with `find_handler` and gives it the request (see `deliver_request`).
 */
import { deliver_request, is_connection_delegate, type HTTPMessageDelegate } from "../httputil/delegate";
import { HTTPHeaders } from "../httputil/headers";
import type { HTTPConnection, HTTPServerRequest } from "../httputil/request";
import { app_log, exc_info } from "../log";
import { EMPTY_MATCH, PathMatches, type Matcher, type TargetParams } from "./matchers";
import { RuleTable } from "./table";

/** An object served by `handle_request(request)`, as `HTTPServer` serves an `Application`. */
export interface RequestDispatcher {
  handle_request(request: HTTPServerRequest): unknown;
}

/** A request callback as a rule's target: called with the request and the rule's `target_params`. */
export type RequestCallable = (request: HTTPServerRequest, target_params: TargetParams) => unknown;

/** Routes requests: Tornado's `Router`. Subclasses implement `find_handler`. */
export abstract class Router implements RequestDispatcher {
  /**
   * The message delegate that serves `request`, or null when this router has none for it.
   * @param kwargs extra parameters a parent router passes down (its rule's `target_params`).
   */
  abstract find_handler(request: HTTPServerRequest, kwargs?: TargetParams): HTTPMessageDelegate | null;

  /**
   * Serves a request (what `HTTPServer` calls): `find_handler`'s delegate gets the request, or,
   * when there is none, the client gets a bare 404. A throw from `find_handler` is logged and
   * answered with a bare 500. Returns what the delegate's `finish` returns.
   */
  handle_request(request: HTTPServerRequest): unknown {
    let delegate: HTTPMessageDelegate | null;
    try {
      delegate = this.find_handler(request);
    } catch (err) {
      app_log.error("Uncaught exception while routing %s", String(request), exc_info(err));
      delegate = new BareStatusDelegate(request.connection, 500, "Internal Server Error");
    }
    if (delegate === null) {
      app_log.debug("Delegate for %s %s request not found", request.method, request.path);
      delegate = new BareStatusDelegate(request.connection, 404, "Not Found");
    }
    return deliver_request(delegate, request);
  }
}

/** A router that can build a URL from a route's name: Tornado's `ReversibleRouter`. */
export abstract class ReversibleRouter extends Router {
  /** The URL of the route named `name` with `args` in place of its groups, or null when there is no such route. */
  abstract reverse_url(name: string, ...args: unknown[]): string | null;

  /**
   * `x instanceof ReversibleRouter` is true for any `Router` with a `reverse_url` method (as a
   * `ReversibleRuleRouter`, which cannot extend both classes); subclasses test their prototype chain.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ReversibleRouter) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof Router && typeof (value as Partial<ReversibleRouter>).reverse_url === "function";
  }
}

/** Answers with a status and no body (Tornado's `_DefaultMessageDelegate` for 404). */
class BareStatusDelegate implements HTTPMessageDelegate {
  constructor(
    readonly connection: HTTPConnection | null,
    readonly code: number,
    readonly reason: string,
  ) {}

  /** Writes the status line with `Content-Length: 0` and ends the response. */
  finish(): unknown {
    const connection = this.connection;
    if (connection === null) return undefined;
    void connection.write_headers(
      { version: "HTTP/1.1", code: this.code, reason: this.reason },
      new HTTPHeaders({ "Content-Length": "0" }),
    );
    return connection.finish();
  }
}

/** A callable rule target as a message delegate (Tornado's `_CallableAdapter`): `finish` calls it. */
export class _CallableAdapter implements HTTPMessageDelegate {
  /** The rule's target, called in `finish`. */
  readonly request_callback: RequestCallable;
  /** The request it is called with. */
  readonly request: HTTPServerRequest;
  /** The rule's `target_params`, its second argument. */
  readonly target_params: TargetParams;

  constructor(request_callback: RequestCallable, request: HTTPServerRequest, target_params: TargetParams) {
    this.request_callback = request_callback;
    this.request = request;
    this.target_params = target_params;
  }

  /** Calls the callback with the request (its body already read) and the rule's params. */
  finish(): unknown {
    return this.request_callback(this.request, this.target_params);
  }
}

/** An object with `handle_request` (not a `Router`) as a rule target: `finish` gives it the request. */
class DispatcherAdapter implements HTTPMessageDelegate {
  constructor(
    readonly dispatcher: RequestDispatcher,
    readonly request: HTTPServerRequest,
  ) {}

  /** Hands the request to the dispatcher. */
  finish(): unknown {
    return this.dispatcher.handle_request(this.request);
  }
}

/** A routing rule: a matcher, the target it leads to, the target's kwargs and an optional name. */
export class Rule<T = unknown> {
  /** Says whether a request is this rule's. */
  matcher: Matcher;
  /** What a matching request goes to (a `Router`, a connection delegate, a callable, or, in an `Application`, a handler class or a list of rules). */
  target: T;
  /** Passed to the target (`target_params.target_kwargs`); for a handler class, its `initialize` kwargs. */
  target_kwargs: Record<string, unknown>;
  /** The rule's name, for `reverse_url`; null when unnamed. */
  name: string | null;
  #emptyParams: TargetParams | null = null;

  constructor(matcher: Matcher, target: T, target_kwargs?: Record<string, unknown> | null, name?: string | null) {
    this.matcher = matcher;
    this.target = target;
    this.target_kwargs = target_kwargs ?? {};
    this.name = name ?? null;
  }

  /** See `Matcher.reverse`. */
  reverse(...args: unknown[]): string | null {
    return this.matcher.reverse(...args);
  }

  /** Internal: `target_params` for a match without captures, made once per `target_kwargs` object. */
  _empty_params(): TargetParams {
    const kwargs = this.target_kwargs;
    if (this.#emptyParams === null || this.#emptyParams.target_kwargs !== kwargs) {
      this.#emptyParams = Object.freeze({ ...EMPTY_MATCH, target_kwargs: kwargs });
    }
    return this.#emptyParams;
  }

  /** `Rule(matcher, target, kwargs=..., name=...)`. */
  toString(): string {
    return `${this.constructor.name}(${String(this.matcher)}, ${describe(this.target)}, kwargs=${JSON.stringify(this.target_kwargs)}, name=${this.name})`;
  }
}

/** A rule matching a path pattern (Tornado's `URLSpec`, kept for `url()` and `[pattern, Handler]` routes). */
export class URLSpec<H = unknown> extends Rule<H> {
  declare matcher: PathMatches;
  /** The compiled pattern (the matcher's regex). */
  readonly regex: RegExp;

  /** @throws Error for an invalid pattern. */
  constructor(pattern: string | RegExp, handler: H, kwargs?: Record<string, unknown> | null, name?: string | null) {
    const matcher = new PathMatches(pattern);
    super(matcher, handler, kwargs, name);
    this.regex = matcher.regex;
  }

  /** The handler class (the rule's target). */
  get handler_class(): H {
    return this.target;
  }

  /** The handler's `initialize` kwargs (the rule's `target_kwargs`). */
  get kwargs(): Record<string, unknown> {
    return this.target_kwargs;
  }

  /** See `PathMatches.reverse`. */
  reverse(...args: unknown[]): string {
    return this.matcher.reverse(...args);
  }

  /** `URLSpec(pattern, Handler, name=...)`, as logs and errors show a route. */
  toString(): string {
    return `URLSpec(${this.matcher.pattern}, ${describe(this.target)}, name=${this.name})`;
  }
}

/**
 * A rule as a list: `[matcher or path pattern, target, target_kwargs?, name?]` (a string or
 * RegExp first means `PathMatches` of it).
 */
export type RuleTuple =
  | readonly [string | RegExp | Matcher, unknown]
  | readonly [string | RegExp | Matcher, unknown, Record<string, unknown> | null | undefined]
  | readonly [
      string | RegExp | Matcher,
      unknown,
      Record<string, unknown> | null | undefined,
      string | null | undefined,
    ];

/** What `RuleRouter` takes: rules, or their constructor arguments as lists. */
export type RuleList = ReadonlyArray<Rule | RuleTuple>;

/** Makes a `Rule` of a list of its arguments (a string or RegExp first is a `PathMatches`). */
export function to_rule(rule: Rule | RuleTuple): Rule {
  if (rule instanceof Rule) return rule;
  if (!Array.isArray(rule) || rule.length < 2 || rule.length > 4) {
    throw new TypeError(
      `A rule must be [matcher or pattern, target, target_kwargs?, name?] or a Rule, got ${describe(rule)}`,
    );
  }
  const [first, target, kwargs, name] = rule as unknown as [
    string | RegExp | Matcher,
    unknown,
    Record<string, unknown>?,
    string?,
  ];
  if (typeof first === "string" || first instanceof RegExp) return new URLSpec(first, target, kwargs, name);
  return new Rule(first, target, kwargs, name);
}

/**
 * A router of ordered rules, first match wins: Tornado's `RuleRouter`. Path rules are indexed by
 * their literal prefix (see `RuleTable`), so a request is tested only against the rules its
 * path could match. Add rules with `add_rules` (the index follows the list's length: replacing
 * a rule in place in `rules` is not seen).
 */
export class RuleRouter extends Router {
  /** The rules, in the order they are tried. */
  readonly rules: Rule[] = [];
  #table: RuleTable<Rule> | null = null;
  #indexedCount = -1;

  /** @param rules `Rule`s or lists of their arguments, tried in order. */
  constructor(rules?: RuleList | null) {
    super();
    if (rules) this.add_rules(rules);
  }

  /** Appends rules (each passed through `process_rule`). */
  add_rules(rules: RuleList): void {
    if (!Array.isArray(rules)) throw new TypeError("Rules must be a list");
    for (const rule of rules) this.rules.push(this.process_rule(to_rule(rule)));
  }

  /** Override to check or change each rule as it is added; returns the rule to keep. */
  process_rule(rule: Rule): Rule {
    return rule;
  }

  /**
   * The delegate of the first rule whose matcher matches and whose target gives a delegate
   * (see `get_target_delegate`), or null.
   */
  find_handler(request: HTTPServerRequest, kwargs?: TargetParams): HTTPMessageDelegate | null {
    void kwargs;
    const table = this.#index();
    const count = table.claim(request.path);
    if (count < 0) return this.#findNested(table, request);
    try {
      for (let i = 0; i < count; i++) {
        const delegate = this.#tryRule(this.rules[table.claimed(i)], request);
        if (delegate !== null) return delegate;
      }
      return null;
    } finally {
      table.release();
    }
  }

  /**
   * The delegate for a rule's target: a `Router`'s `find_handler`, a connection delegate's
   * `start_request`, an object's `handle_request`, or a function called with the request and
   * `target_params`; null for anything else. Override to add target types.
   */
  get_target_delegate(
    target: unknown,
    request: HTTPServerRequest,
    target_params: TargetParams,
  ): HTTPMessageDelegate | null {
    if (target instanceof Router) return target.find_handler(request, target_params);
    if (is_connection_delegate(target)) return target.start_request(null, request.connection as HTTPConnection);
    if (isDispatcher(target)) return new DispatcherAdapter(target, request);
    if (typeof target === "function") return new _CallableAdapter(target as RequestCallable, request, target_params);
    return null;
  }

  /** Internal: inserts a rule before the one at `index` (Tornado's `rules.insert`), through `process_rule`. */
  _insert_rule(index: number, rule: Rule): void {
    this.rules.splice(index, 0, this.process_rule(rule));
  }

  #tryRule(rule: Rule, request: HTTPServerRequest): HTTPMessageDelegate | null {
    const params = rule.matcher.match(request);
    if (params === null) return null;
    return this.get_target_delegate(rule.target, request, withTargetKwargs(rule, params));
  }

  /** `find_handler` while this router's own lookup is under way (a target routed back here). */
  #findNested(table: RuleTable<Rule>, request: HTTPServerRequest): HTTPMessageDelegate | null {
    const { indexes, count } = table.gather(request.path);
    for (let i = 0; i < count; i++) {
      const delegate = this.#tryRule(this.rules[indexes[i]], request);
      if (delegate !== null) return delegate;
    }
    return null;
  }

  #index(): RuleTable<Rule> {
    if (this.#table === null || this.#indexedCount !== this.rules.length) {
      this.#table = new RuleTable(this.rules);
      this.#indexedCount = this.rules.length;
    }
    return this.#table;
  }
}

/** A `RuleRouter` whose named rules can be reversed: Tornado's `ReversibleRuleRouter`. */
export class ReversibleRuleRouter extends RuleRouter implements ReversibleRouter {
  /** Rules by name (a later rule of the same name replaces the earlier, with a warning). */
  readonly named_rules = new Map<string, Rule>();

  /** @param rules `Rule`s or lists of their arguments, tried in order (added once `named_rules` exists). */
  constructor(rules?: RuleList | null) {
    super();
    if (rules) this.add_rules(rules);
  }

  /** Registers a named rule. */
  process_rule(rule: Rule): Rule {
    const processed = super.process_rule(rule);
    if (processed.name) {
      if (this.named_rules.has(processed.name)) {
        app_log.warning("Multiple handlers named %s; replacing previous value", processed.name);
      }
      this.named_rules.set(processed.name, processed);
    }
    return processed;
  }

  /**
   * The URL of the rule named `name` here, else of the first nested reversible router that
   * knows the name; null when none does.
   * @throws Error when the named rule's pattern cannot be reversed with these `args`.
   */
  reverse_url(name: string, ...args: unknown[]): string | null {
    const rule = this.named_rules.get(name);
    if (rule !== undefined) return rule.matcher.reverse(...args);
    for (const each of this.rules) {
      const target = each.target;
      if (target instanceof ReversibleRouter) {
        const url = target.reverse_url(name, ...args);
        if (url !== null) return url;
      }
    }
    return null;
  }
}

/** `target_params` with the rule's `target_kwargs` (when it has any), as Tornado's `find_handler` adds them. */
function withTargetKwargs(rule: Rule, params: TargetParams): TargetParams {
  const kwargs = rule.target_kwargs;
  if (!hasKeys(kwargs)) return params;
  if (params === EMPTY_MATCH) return rule._empty_params();
  if (Object.isFrozen(params)) return { ...params, target_kwargs: kwargs };
  params.target_kwargs = kwargs;
  return params;
}

function hasKeys(object: object): boolean {
  for (const key in object) if (key !== undefined) return true;
  return false;
}

function isDispatcher(value: unknown): value is RequestDispatcher {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<RequestDispatcher>).handle_request === "function"
  );
}

function describe(value: unknown): string {
  if (typeof value === "function") return value.name || "an anonymous function";
  if (Array.isArray(value)) return `a list of ${value.length} rules`;
  return typeof value === "object" && value !== null ? value.constructor.name : String(value);
}
