/**
 * Tornado's request matchers (`tornado.routing.Matcher` and its subclasses): each says whether
 * a request is a rule's, and with which parameters for its target.
 */
import { url_escape } from "../escape";
import type { HTTPServerRequest } from "../httputil/request";

/**
 * What a matcher gives a rule's target (Tornado's `target_params`): the path's raw
 * (still percent-encoded) captures, positional or named, and the rule's `target_kwargs`.
 */
export interface TargetParams {
  path_args?: Array<string | null>;
  path_kwargs?: Record<string, string | null>;
  target_kwargs?: Record<string, unknown>;
}

/** Raw (still percent-encoded) captures of a matched path: positional or named, never both. */
export interface PathMatch extends TargetParams {
  path_args: Array<string | null>;
  path_kwargs: Record<string, string | null>;
}

const NO_ARGS: Array<string | null> = [];
const NO_KWARGS: Record<string, string | null> = Object.freeze(Object.create(null));
/** The params of a match without captures: one frozen object, shared by every request. */
export const EMPTY_MATCH: PathMatch = Object.freeze({ path_args: NO_ARGS, path_kwargs: NO_KWARGS });

/** Says whether a request is a rule's (Tornado's `Matcher`): subclass it and override `match`. */
export abstract class Matcher {
  /**
   * The parameters for the rule's target when `request` matches (an empty object is a match
   * without parameters), or null when it does not. A frozen result is never changed by the router.
   */
  abstract match(request: HTTPServerRequest): TargetParams | null;

  /** The URL this matcher stands for, with `args` in place of its groups; null when it cannot say. */
  reverse(...args: unknown[]): string | null {
    void args;
    return null;
  }

  /** `ClassName(pattern)` for a matcher with a pattern, else `ClassName()`, as logs and `Rule.toString` show it. */
  toString(): string {
    const self = this as { pattern?: unknown; host_pattern?: unknown };
    const pattern = self.pattern ?? (self.host_pattern instanceof RegExp ? self.host_pattern.source : undefined);
    return `${this.constructor.name}(${pattern === undefined ? "" : String(pattern)})`;
  }
}

/** Matches every request. */
export class AnyMatches extends Matcher {
  /** Always a match, without parameters. */
  match(request: HTTPServerRequest): TargetParams {
    void request;
    return EMPTY_MATCH;
  }
}

/**
 * A path pattern: a regular expression matched against the whole raw path (`^` and `$` implied).
 *
 * Python's named-group spelling `(?P<name>...)` and back-reference `(?P=name)` are accepted and
 * translated. A pattern whose groups are named passes them as keyword arguments; otherwise the
 * groups are positional arguments.
 */
export class PathMatches extends Matcher {
  /** The compiled, anchored regular expression. */
  readonly regex: RegExp;
  /** The pattern as compiled: Python group syntax translated, `^` and `$` added. */
  readonly pattern: string;
  /** The pattern as given (a RegExp's source). */
  readonly source: string;
  /** Literal text every matching path starts with ("" when the pattern cannot promise any). */
  readonly literal_prefix: string;
  readonly #named: boolean;
  readonly #groupCount: number;
  readonly #reversePieces: string[] | null;
  /** The one path a pattern of plain text matches (`/hello` for `^/hello$`), or null. */
  readonly #exactPath: string | null;

  /** @throws Error naming the pattern when it is not a valid regular expression. */
  constructor(pattern: string | RegExp) {
    super();
    const source = typeof pattern === "string" ? pattern : pattern.source;
    const flags = typeof pattern === "string" ? "" : pattern.flags.replace(/[gy]/g, "");
    this.source = source;
    this.pattern = anchor(translatePythonGroups(source));
    this.regex = compile(this.pattern, flags, source);
    this.#groupCount = new RegExp(this.pattern + "|", flags).exec("")!.length - 1;
    this.#named = /\(\?<[A-Za-z_$][\w$]*>/.test(this.pattern);
    this.#reversePieces = reversePieces(this.pattern, this.#groupCount);
    const literal = scanLiteral(this.pattern);
    this.literal_prefix = flags.includes("i") ? "" : literal.text;
    this.#exactPath = flags === "" && literal.wholePattern ? literal.text : null;
  }

  /** Matches the request's raw path (see `match_path`). */
  match(request: HTTPServerRequest): PathMatch | null {
    return this.match_path(request.path);
  }

  /** Matches a raw request path; returns its raw captures, or null when it does not match. */
  match_path(path: string): PathMatch | null {
    // Without groups there is nothing to capture: no `exec` result array to build.
    if (this.#exactPath !== null) return path === this.#exactPath ? EMPTY_MATCH : null;
    if (this.#groupCount === 0) return this.regex.test(path) ? EMPTY_MATCH : null;
    const m = this.regex.exec(path);
    if (m === null) return null;
    if (this.#named) return { path_args: NO_ARGS, path_kwargs: namedCaptures(m.groups!), target_kwargs: undefined };
    const path_args = new Array<string | null>(this.#groupCount);
    for (let i = 0; i < this.#groupCount; i++) path_args[i] = m[i + 1] ?? null;
    return { path_args, path_kwargs: NO_KWARGS, target_kwargs: undefined };
  }

  /**
   * Builds a path from this pattern with `args` in place of its groups, each URL-escaped
   * (`/` kept; a Buffer is read as UTF-8, anything else as `String(arg)`). Works for simple
   * patterns only, as in Tornado.
   * @throws Error when the pattern is too complex to reverse or the argument count is wrong.
   */
  reverse(...args: unknown[]): string {
    if (this.#reversePieces === null) throw new Error("Cannot reverse url regex " + this.pattern);
    if (args.length !== this.#groupCount) {
      throw new Error(
        `required number of arguments not found: ${this.pattern} takes ${this.#groupCount}, got ${args.length}`,
      );
    }
    let out = this.#reversePieces[0];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      const text = Buffer.isBuffer(arg) ? arg.toString("utf8") : String(arg);
      out += url_escape(text, false) + this.#reversePieces[i + 1];
    }
    return out;
  }
}

/** Matches requests whose host name (lower-case, without port) matches a regular expression (`$` implied). */
export class HostMatches extends Matcher {
  /** The compiled regular expression for host names, anchored at the start (and the end unless given as a RegExp). */
  readonly host_pattern: RegExp;

  /** @throws Error naming the pattern when it is not a valid regular expression. */
  constructor(host_pattern: string | RegExp) {
    super();
    this.host_pattern = compileHostPattern(host_pattern);
  }

  /** A match without parameters when the request's `host_name` matches. */
  match(request: HTTPServerRequest): TargetParams | null {
    return this.host_pattern.test(request.host_name) ? EMPTY_MATCH : null;
  }
}

/** What `DefaultHostMatches` reads the default host from: an `Application`. */
export interface HasDefaultHost {
  default_host: string | null;
}

/**
 * Matches any request when the application's `default_host` matches `host_pattern`, unless
 * the request has an `X-Real-Ip` header (it came through a proxy): Tornado's fallback for
 * hosts no host rule names.
 */
export class DefaultHostMatches extends Matcher {
  /** Whose `default_host` is read, at each request. */
  readonly application: HasDefaultHost;
  /** The host pattern the default host must match. */
  readonly host_pattern: RegExp;

  constructor(application: HasDefaultHost, host_pattern: RegExp) {
    super();
    this.application = application;
    this.host_pattern = host_pattern;
  }

  /** A match without parameters when the default host is set and matches, and no `X-Real-Ip` was sent. */
  match(request: HTTPServerRequest): TargetParams | null {
    const defaultHost = this.application.default_host;
    if (defaultHost === null || defaultHost === undefined || request.headers.has("X-Real-Ip")) return null;
    return this.host_pattern.test(defaultHost) ? EMPTY_MATCH : null;
  }
}

/** A host pattern as Tornado compiles it: `re.match` (anchored at the start), `$` added to a string. */
function compileHostPattern(pattern: string | RegExp): RegExp {
  if (typeof pattern !== "string") {
    const flags = pattern.flags.replace(/[gy]/g, "");
    return compile(
      pattern.source.startsWith("^") ? pattern.source : "^(?:" + pattern.source + ")",
      flags,
      pattern.source,
    );
  }
  const withEnd = pattern.endsWith("$") ? pattern : pattern + "$";
  return compile(withEnd.startsWith("^") ? withEnd : "^(?:" + withEnd + ")", "", pattern);
}

const REGEX_SYNTAX = "\\^$.|?*+()[]{}";
const QUANTIFIERS = "?*+{";

/**
 * The literal text at the start of an anchored pattern: characters up to the first regex
 * syntax, less one made optional by a quantifier (`/users?` promises only `/user`). A pattern
 * with a top-level `|` promises nothing. `wholePattern` says the text runs up to the closing
 * `$`, so that the pattern matches that one path and no other.
 */
function scanLiteral(pattern: string): { text: string; wholePattern: boolean } {
  if (hasTopLevelAlternation(pattern)) return { text: "", wholePattern: false };
  let prefix = "";
  let i = pattern.startsWith("^") ? 1 : 0;
  while (i < pattern.length) {
    let literal: string;
    let width: number;
    if (pattern[i] === "\\") {
      const escaped = pattern[i + 1];
      if (escaped === undefined || /[A-Za-z0-9]/.test(escaped)) break;
      literal = escaped;
      width = 2;
    } else if (REGEX_SYNTAX.includes(pattern[i])) {
      break;
    } else {
      literal = pattern[i];
      width = 1;
    }
    if (i + width < pattern.length && QUANTIFIERS.includes(pattern[i + width])) break;
    prefix += literal;
    i += width;
  }
  const wholePattern = pattern.startsWith("^") && i === pattern.length - 1 && pattern[i] === "$";
  return { text: prefix, wholePattern };
}

/** True when `pattern` has a `|` outside every group and character class. */
function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") i++;
    else if (inClass) inClass = ch !== "]";
    else if (ch === "[") inClass = true;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "|" && depth === 0) return true;
  }
  return false;
}

function translatePythonGroups(source: string): string {
  return source.replace(/\(\?P<([A-Za-z_]\w*)>/g, "(?<$1>").replace(/\(\?P=([A-Za-z_]\w*)\)/g, "\\k<$1>");
}

/** Anchors a pattern at both ends; a top-level `|` is grouped first (`/a|/b` as `^(?:/a|/b)$`), so no alternative matches a part of the path. */
function anchor(source: string): string {
  if (hasTopLevelAlternation(source)) return `^(?:${source})$`;
  const withEnd = source.endsWith("$") ? source : source + "$";
  return withEnd.startsWith("^") ? withEnd : "^" + withEnd;
}

function compile(source: string, flags: string, original: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(`Invalid URL pattern ${JSON.stringify(original)}: ${(err as Error).message}`);
  }
}

function namedCaptures(groups: Record<string, string | undefined>): Record<string, string | null> {
  const out: Record<string, string | null> = Object.create(null);
  for (const name in groups) out[name] = groups[name] ?? null;
  return out;
}

/**
 * Splits a simple pattern into the literal pieces between its groups, or null when it is too
 * complex to reverse: nested groups, or class escapes in its literal text.
 */
function reversePieces(pattern: string, groupCount: number): string[] | null {
  const body = pattern.slice(1, pattern.endsWith("$") ? -1 : undefined);
  if ((body.match(/\(/g) ?? []).length !== groupCount) return null;
  const pieces: string[] = [];
  let rest = body;
  for (let i = 0; i <= groupCount; i++) {
    const open = i < groupCount ? rest.indexOf("(") : rest.length;
    if (open < 0) return null;
    const literal = unescapeLiteral(rest.slice(0, open));
    if (literal === null) return null;
    pieces.push(literal);
    if (i < groupCount) {
      const close = rest.indexOf(")", open);
      if (close < 0) return null;
      rest = rest.slice(close + 1);
    }
  }
  return pieces;
}

/** Undoes regex escaping in literal text; null for an escape that stands for a class (`\d`, `\w`...). */
function unescapeLiteral(text: string): string | null {
  let bad = false;
  const out = text.replace(/\\(.)/gs, (_m, ch: string) => {
    if (/[A-Za-z0-9]/.test(ch)) bad = true;
    return ch;
  });
  return bad ? null : out;
}
