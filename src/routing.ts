/**
 * Matching a request path to a rule, as Tornado's `tornado.routing`.
 *
 * Every pattern is compiled once, when the `Application` is built. A `RuleTable` indexes the
 * rules by the literal text each pattern starts with, so matching a request tests only the
 * rules whose prefix the path has, still in the order they were given (first match wins).
 */

/** Raw (still percent-encoded) captures of a matched path: positional or named, never both. */
export interface PathMatch {
  path_args: Array<string | null>;
  path_kwargs: Record<string, string | null>;
}

const NO_ARGS: Array<string | null> = [];
const NO_KWARGS: Record<string, string | null> = Object.freeze(Object.create(null));
const EMPTY_MATCH: PathMatch = Object.freeze({ path_args: NO_ARGS, path_kwargs: NO_KWARGS });

/**
 * A path pattern: a regular expression matched against the whole raw path (`^` and `$` implied).
 *
 * Python's named-group spelling `(?P<name>...)` and back-reference `(?P=name)` are accepted and
 * translated. A pattern whose groups are named passes them as keyword arguments; otherwise the
 * groups are positional arguments.
 */
export class PathMatches {
  /** The compiled, anchored regular expression. */
  readonly regex: RegExp;
  /** The pattern as compiled: Python group syntax translated, `^` and `$` added. */
  readonly pattern: string;
  /** Literal text every matching path starts with ("" when the pattern cannot promise any). */
  readonly literal_prefix: string;
  readonly #named: boolean;
  readonly #groupCount: number;
  readonly #reversePieces: string[] | null;
  /** The one path a pattern of plain text matches (`/hello` for `^/hello$`), or null. */
  readonly #exactPath: string | null;

  /** @throws Error naming the pattern when it is not a valid regular expression. */
  constructor(pattern: string | RegExp) {
    const source = typeof pattern === "string" ? pattern : pattern.source;
    const flags = typeof pattern === "string" ? "" : pattern.flags.replace(/[gy]/g, "");
    this.pattern = anchor(translatePythonGroups(source));
    this.regex = compile(this.pattern, flags, source);
    this.#groupCount = new RegExp(this.pattern + "|", flags).exec("")!.length - 1;
    this.#named = /\(\?<[A-Za-z_$][\w$]*>/.test(this.pattern);
    this.#reversePieces = reversePieces(this.pattern, this.#groupCount);
    const literal = scanLiteral(this.pattern);
    this.literal_prefix = flags.includes("i") ? "" : literal.text;
    this.#exactPath = flags === "" && literal.wholePattern ? literal.text : null;
  }

  /** Matches a raw request path; returns its raw captures, or null when it does not match. */
  match(path: string): PathMatch | null {
    // Without groups there is nothing to capture: no `exec` result array to build.
    if (this.#exactPath !== null) return path === this.#exactPath ? EMPTY_MATCH : null;
    if (this.#groupCount === 0) return this.regex.test(path) ? EMPTY_MATCH : null;
    const m = this.regex.exec(path);
    if (m === null) return null;
    if (this.#named) return { path_args: NO_ARGS, path_kwargs: namedCaptures(m.groups!) };
    const path_args = new Array<string | null>(this.#groupCount);
    for (let i = 0; i < this.#groupCount; i++) path_args[i] = m[i + 1] ?? null;
    return { path_args, path_kwargs: NO_KWARGS };
  }

  /**
   * Builds a path from this pattern with `args` in place of its groups, each URL-escaped
   * (`/` kept). Works for simple patterns only, as in Tornado.
   * @throws Error when the pattern is too complex to reverse or the argument count is wrong.
   */
  reverse(escape: (value: string) => string, ...args: unknown[]): string {
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
      out += escape(text) + this.#reversePieces[i + 1];
    }
    return out;
  }
}

/** Matches a request's host name (lower-case, without port) against a regular expression. */
export class HostMatches {
  /** The compiled, anchored regular expression for host names. */
  readonly regex: RegExp;

  /** @throws Error naming the pattern when it is not a valid regular expression. */
  constructor(pattern: string | RegExp) {
    const source = typeof pattern === "string" ? pattern : pattern.source;
    const withEnd = source.endsWith("$") ? source : source + "$";
    this.regex = compile(withEnd.startsWith("^") ? withEnd : "^" + withEnd, "", source);
  }

  /** True when `host_name` matches. */
  match(host_name: string): boolean {
    return this.regex.test(host_name);
  }
}

/** A compiled route: a path matcher, the handler class it leads to, its `initialize` kwargs and optional name. */
export class URLSpec<H = unknown> {
  /** Matches request paths against the pattern. */
  readonly matcher: PathMatches;
  /** The compiled pattern (the matcher's regex). */
  readonly regex: RegExp;
  /** The handler class requests matching this route go to. */
  readonly handler_class: H;
  /** Passed to the handler's `initialize` for every request. */
  readonly kwargs: Record<string, unknown>;
  /** The route's name for `reverse_url`, or null. */
  readonly name: string | null;
  /** What `RuleTable.match` gives for a path matched without captures: one, frozen, for every request. */
  readonly #uncaptured: RuleMatch<H>;

  constructor(pattern: string | RegExp, handler: H, kwargs?: Record<string, unknown> | null, name?: string | null) {
    this.matcher = new PathMatches(pattern);
    this.regex = this.matcher.regex;
    this.handler_class = handler;
    this.kwargs = kwargs ?? {};
    this.name = name ?? null;
    this.#uncaptured = Object.freeze({ spec: this, handler_class: handler, kwargs: this.kwargs, ...EMPTY_MATCH });
  }

  /** Internal: this route's `RuleMatch` with `match`'s captures (the shared one when there are none). */
  _rule_match(match: PathMatch): RuleMatch<H> {
    if (match === EMPTY_MATCH) return this.#uncaptured;
    return {
      spec: this,
      handler_class: this.handler_class,
      kwargs: this.kwargs,
      path_args: match.path_args,
      path_kwargs: match.path_kwargs,
    };
  }

  /** See `PathMatches.reverse`. */
  reverse(escape: (value: string) => string, ...args: unknown[]): string {
    return this.matcher.reverse(escape, ...args);
  }

  /** `URLSpec(pattern, Handler, name=...)`, as logs and errors show a route. */
  toString(): string {
    return `URLSpec(${this.matcher.pattern}, ${String((this.handler_class as { name?: string }).name)}, name=${this.name})`;
  }
}

/**
 * A rule found for a path: the spec, its handler and kwargs, and the path's raw captures (an
 * `Application`'s route target as it is). Frozen and shared by every request when the path
 * had no captures.
 */
export interface RuleMatch<H> extends PathMatch {
  spec: URLSpec<H>;
  handler_class: H;
  kwargs: Record<string, unknown>;
}

/** A node of the prefix trie: the rules whose literal prefix ends here, and the next characters. */
interface PrefixNode {
  rules: number[];
  next: Map<string, PrefixNode> | null;
}

/**
 * Rules in order, indexed by literal prefix: `match(path)` walks the path's characters down a
 * trie, gathers the rules whose prefix the path starts with, and tries those in their original
 * order. A path is tested against a handful of regular expressions however many rules there are.
 */
export class RuleTable<H> {
  /** The rules, in the order they are tried. */
  readonly rules: ReadonlyArray<URLSpec<H>>;
  readonly #root: PrefixNode = { rules: [], next: null };
  readonly #candidates: number[] = [];

  constructor(rules: ReadonlyArray<URLSpec<H>>) {
    this.rules = rules;
    rules.forEach((rule, index) => this.#insert(rule.matcher.literal_prefix, index));
  }

  /** The first rule (in the order given) whose pattern matches the raw `path`, or null. */
  match(path: string): RuleMatch<H> | null {
    const count = this.#gather(path);
    const candidates = this.#candidates;
    for (let i = 0; i < count; i++) {
      const spec = this.rules[candidates[i]];
      const match = spec.matcher.match(path);
      if (match !== null) return spec._rule_match(match);
    }
    return null;
  }

  #insert(prefix: string, index: number): void {
    let node = this.#root;
    for (let i = 0; i < prefix.length; i++) {
      const ch = prefix[i];
      node.next ??= new Map();
      let child = node.next.get(ch);
      if (child === undefined) {
        child = { rules: [], next: null };
        node.next.set(ch, child);
      }
      node = child;
    }
    node.rules.push(index);
  }

  /**
   * Puts the indexes of the rules whose prefix `path` starts with, ascending, at the start of
   * `#candidates` and returns how many there are. The one array serves every call, never
   * truncated (setting an array's length to 0 drops its storage, to be made again by the next
   * push): read it before the next call, up to the count.
   */
  #gather(path: string): number {
    const out = this.#candidates;
    let count = 0;
    let node: PrefixNode | undefined = this.#root;
    let sorted = true;
    for (let i = 0; node !== undefined; i++) {
      for (const index of node.rules) {
        if (count > 0 && index < out[count - 1]) sorted = false;
        out[count++] = index;
      }
      if (i === path.length || node.next === null) break;
      node = node.next.get(path[i]);
    }
    if (!sorted) sortPrefix(out, count);
    return count;
  }
}

/** Sorts the first `count` numbers of `list` in place, ascending (insertion sort: candidates are few). */
function sortPrefix(list: number[], count: number): void {
  for (let i = 1; i < count; i++) {
    const value = list[i];
    let j = i - 1;
    for (; j >= 0 && list[j] > value; j--) list[j + 1] = list[j];
    list[j + 1] = value;
  }
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
