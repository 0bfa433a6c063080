/**
 * Just enough knowledge of JavaScript's surface syntax to turn the heads of
 * `{% for %}`, `{% set %}` and `{% except %}` into JavaScript: finding a
 * character outside strings, comments and brackets, and rewriting Python's
 * tuple targets (`k, v`, `i, (k, v)`) as array patterns (`[k, v]`).
 * Expressions themselves are never rewritten.
 * @internal
 */

const IDENTIFIER_SOURCE = "[\\p{ID_Start}$_][\\p{ID_Continue}$\\u200c\\u200d]*";
const IDENTIFIER_RE = new RegExp(`^${IDENTIFIER_SOURCE}$`, "u");
const IDENTIFIERS_RE = new RegExp(IDENTIFIER_SOURCE, "gu");

/** Words that cannot name a variable in strict-mode code. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false " +
    "finally for function if import in instanceof new null return super switch this throw true try " +
    "typeof var void while with yield let static implements interface package private protected public " +
    "eval arguments await"
  ).split(" "),
);

/** True if `name` can be declared as a variable in strict-mode JavaScript. */
export function isBindableName(name: string): boolean {
  return IDENTIFIER_RE.test(name) && !RESERVED.has(name);
}

function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/**
 * Index of the first position at bracket depth 0, outside string literals
 * and comments, where `test` holds; -1 if none.
 */
export function findTopLevel(text: string, test: (text: string, index: number) => boolean, from = 0): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipQuoted(text, i);
    } else if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      if (nl < 0) return -1;
      i = nl;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
    } else if (depth === 0 && test(text, i)) {
      return i;
    }
  }
  return -1;
}

/** Splits `text` at its top-level commas. */
export function splitTopLevelCommas(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    const comma = findTopLevel(text, (t, i) => t[i] === ",", start);
    if (comma < 0) break;
    parts.push(text.slice(start, comma));
    start = comma + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** True if `text` is one bracket group from its first character to its last. */
function isSingleGroup(text: string, open: string, close: string): boolean {
  return text[0] === open && text[text.length - 1] === close && firstGroupEndsAtEnd(text);
}

function firstGroupEndsAtEnd(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") i = skipQuoted(text, i);
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0 && i < text.length - 1) return false;
    }
  }
  return depth === 0;
}

/** A translated assignment target and the plain variable names it binds. */
export interface Target {
  readonly code: string;
  readonly names: readonly string[];
}

// ZWNJ and ZWJ are listed as two single characters (JavaScript allows both in names), not a joined sequence.
// eslint-disable-next-line no-misleading-character-class
const PATTERN_CHARS_RE = /^[\s\p{ID_Continue}$\u200c\u200d,()[\]*.]*$/u;
const MEMBER_ACCESS_RE = /[\p{ID_Continue}$\])]\s*[[(.]/u;

/**
 * Rewrites a Python assignment target as JavaScript: `k, v` -> `[k, v]`,
 * `(a, (b, c))` -> `[a, [b, c]]`, `*rest` -> `...rest`. Anything that is not
 * made only of names, commas and brackets (a member such as `obj.x`, or a
 * JavaScript pattern with defaults) is returned as written, binding no names.
 */
export function translateTarget(target: string): Target {
  let text = target.trim();
  if (!PATTERN_CHARS_RE.test(text) || MEMBER_ACCESS_RE.test(text)) return { code: text, names: [] };
  while (isSingleGroup(text, "(", ")") && splitTopLevelCommas(text.slice(1, -1)).length === 1) {
    text = text.slice(1, -1).trim();
  }
  let code = text.replace(/\(/g, "[").replace(/\)/g, "]").replace(/\*\s*/g, "...");
  if (splitTopLevelCommas(code).length > 1) code = `[${code}]`;
  const names = [...new Set(code.match(IDENTIFIERS_RE) ?? [])];
  return { code, names };
}

const DECLARATION_RE = /^(const|let|var)\s+/;
const LOOP_KEYWORD_RE = /\s+(?:in|of)\s+/y;

/** The parts of a `{% for %}` head. */
export interface ForHead extends Target {
  readonly iterable: string;
}

/**
 * Parses `x in items`, `x of items`, `k, v in pairs`, `const {a, b} of rows`.
 * A leading `const`/`let` is kept (a block-scoped loop variable, as in
 * JavaScript); otherwise the target is rewritten by `translateTarget` and its
 * names become template locals, as in Python. Returns null if there is no
 * top-level `in`/`of`.
 */
export function parseForHead(head: string): ForHead | null {
  let text = head.trim();
  const declaration = DECLARATION_RE.exec(text);
  if (declaration) text = text.slice(declaration[0].length);
  const at = findTopLevel(text, (t, i) => {
    LOOP_KEYWORD_RE.lastIndex = i;
    return LOOP_KEYWORD_RE.test(t);
  });
  if (at <= 0) return null;
  LOOP_KEYWORD_RE.lastIndex = at;
  LOOP_KEYWORD_RE.test(text);
  const iterable = text.slice(LOOP_KEYWORD_RE.lastIndex).trim();
  if (!iterable) return null;
  const target = translateTarget(text.slice(0, at));
  if (declaration && declaration[1] !== "var") {
    return { code: `${declaration[1]} ${target.code}`, names: [], iterable };
  }
  return { ...target, iterable };
}

const COMPOUND_OPERATOR_CHARS = "+-*/%&|^?<>";

/** Finds the assignment operator of a statement: [start of operator, index of its `=`], or null. */
function findAssignment(text: string): [number, number] | null {
  const eq = findTopLevel(text, (t, i) => {
    if (t[i] !== "=") return false;
    const next = t[i + 1];
    const prev = t[i - 1];
    if (next === "=" || next === ">" || prev === "=" || prev === "!") return false;
    if (prev === "<" || prev === ">") return t[i - 2] === prev; // `<<=` and `>>=`, not `<=` / `>=`
    return true;
  });
  if (eq < 0) return null;
  let start = eq;
  while (start > 0 && COMPOUND_OPERATOR_CHARS.includes(text[start - 1])) start--;
  return [start, eq];
}

/**
 * Translates the statement of a `{% set %}`. `x = expr` and compound forms
 * (`x += 1`) assign a template local; a value with top-level commas is a
 * tuple, as in Python (`x = 1, 2` -> `x = [1, 2]`), and `a, b = 1, 2`
 * unpacks it (`[a, b] = [1, 2]`); a leading `let`/`const`/`var` is dropped, since every
 * `set` name is a template local anyway. Any other statement is kept as written.
 */
export function translateSet(statement: string): Target {
  const text = statement.trim().replace(DECLARATION_RE, "");
  const assignment = findAssignment(text);
  if (!assignment) return { code: text, names: [] };
  const [start, eq] = assignment;
  const operator = text.slice(start, eq + 1);
  const target = translateTarget(text.slice(0, start));
  let value = text.slice(eq + 1).trim();
  if (operator === "=" && splitTopLevelCommas(value).length > 1) {
    value = `[${value}]`;
  }
  return { code: `${target.code} ${operator} ${value}`, names: target.names };
}

/**
 * Translates the type part of `{% except Type as e %}`: a Python tuple of
 * classes `(A, B)` becomes an array `[A, B]`.
 */
export function translateExceptType(type: string): string {
  let text = type.trim();
  if (isSingleGroup(text, "(", ")")) text = text.slice(1, -1);
  return splitTopLevelCommas(text).length > 1 ? `[${text}]` : type.trim();
}

const ESCAPED_CHAR_RE = /\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})/g;
const IDENTIFIER_TOKENS_RE = new RegExp(IDENTIFIER_SOURCE, "gu");
const TYPEOF_OPERAND_RE = new RegExp(`(?<![\\p{ID_Continue}$.])typeof[\\s(]*(${IDENTIFIER_SOURCE})`, "gu");

/** `source` with its `\uXXXX` and `\u{X}` escapes decoded. */
function decodeEscapes(source: string): string {
  if (!source.includes("\\u")) return source;
  return source.replace(ESCAPED_CHAR_RE, (_, braced: string | undefined, plain: string | undefined) =>
    String.fromCodePoint(parseInt(braced ?? plain!, 16)),
  );
}

/**
 * Every name `source` could take the `typeof` of: an identifier right after
 * `typeof` and any spaces or opening parentheses (`typeof x`, `typeof (x)`),
 * wherever it occurs (strings included: a superset). `typeof` is the one read
 * of an undeclared name that does not throw, so these names are the ones a
 * template can use to ask whether they were passed at all.
 */
export function typeofOperands(source: string, into: Set<string>): void {
  for (const m of decodeEscapes(source).matchAll(TYPEOF_OPERAND_RE)) into.add(m[1]);
}

/**
 * Every name `source` could read as a variable: each identifier-like token
 * anywhere in it (strings and comments included), except one directly after
 * a `.` that is not part of `...` (a property name). A superset of the free
 * variables: an extra name costs nothing, a missing one would be a bug, and
 * no delimiter of a string, comment or regex can end in a `.` that touches
 * real code. Unicode escapes are decoded first, so `\u0061` counts as `a`.
 */
export function referencedNames(source: string, into: Set<string>): void {
  const text = decodeEscapes(source);
  IDENTIFIER_TOKENS_RE.lastIndex = 0;
  for (let m = IDENTIFIER_TOKENS_RE.exec(text); m; m = IDENTIFIER_TOKENS_RE.exec(text)) {
    const at = m.index;
    if (at > 0 && text[at - 1] === "." && !(at > 2 && text[at - 2] === "." && text[at - 3] === ".")) continue;
    if (at > 0 && /[\p{ID_Continue}$\u200c\u200d]/u.test(text[at - 1])) continue;
    into.add(m[0]);
  }
}
