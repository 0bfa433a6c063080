/**
 * Python-isms in template expressions: Tornado's templates hold Python, ours
 * JavaScript, and a Python template pasted in must fail at parse time with
 * the JavaScript spelling in the message, never render wrong.
 *
 * One pass over each expression with just enough of JavaScript's lexical
 * grammar (strings, template literals, comments, regex literals, brackets)
 * to never look inside literals or comments. It reports three kinds of
 * findings:
 * - wrong but valid JavaScript, always rejected: `"%s" % x` (always NaN) and
 *   `f(a=1)` inside call parentheses (an assignment; `f((a = 1))` still is);
 * - syntax errors (`x if c else y`, `a and b`, `not x`, `x is y`,
 *   `[x for x in y]`), rejected only if JavaScript's own parser rejects the
 *   fragment too, so valid JavaScript can never be refused;
 * - names that are Python's but could be passed in (`None`, `True`, `False`,
 *   `len(x)`, `datetime`, `.strftime(`): rejected in strict mode only (debug
 *   mode, `template.check`); otherwise the runtime error gets the hint.
 * @internal
 */
import { ParseError } from "./errors";

/** How certain a finding is: see the module comment. */
type Certainty = "always" | "syntax" | "strict";

/** One Python-ism in an expression. */
export interface Pythonism {
  /** Offset in the expression's source. */
  readonly index: number;
  readonly certainty: Certainty;
  /** The message: `Python's "..." is not JavaScript: write "..."`. */
  readonly message: string;
}

/** What the caller knows of the context of the expressions it checks. */
export interface PythonismCheck {
  /** Also report Python names and methods that valid JavaScript could mean (see the module comment). */
  readonly strict: boolean;
  /** True if `name` is provided (loader namespace, defaults, globals): never reported as a Python name. */
  readonly provided: (name: string) => boolean;
}

/** Whether a fragment is an expression (`{{ }}`, conditions) or a statement (`{% set %}`). */
export type FragmentMode = "expression" | "statement";

const CONDITIONAL = `Python's "x if c else y" is not JavaScript: write "c ? x : y"`;
const COMPREHENSION =
  `Python's comprehension "[x for x in y]" is not JavaScript: write "y.map((x) => x)" ` +
  `(with ".filter((x) => c)" for an "if c")`;
const WORD_OPERATORS: Readonly<Record<string, string>> = {
  and: `Python's "a and b" is not JavaScript: write "a && b"`,
  or: `Python's "a or b" is not JavaScript: write "a || b"`,
  is: `Python's "x is y" is not JavaScript: write "x === y" (and "x !== y" for "x is not y")`,
  not: `Python's "x not in y" is not JavaScript: write "!y.includes(x)" (or "!(x in y)" for an object's keys)`,
};
const NOT_PREFIX = `Python's "not x" is not JavaScript: write "!x"`;
const PERCENT =
  `Python's "%" formatting ("%s" % x) is not JavaScript: write a template literal ("\`\${x}\`"), ` +
  `or "locale.percent_format(s, { name: x })" for "%(name)s"`;
const STRFTIME = `Python's "d.strftime(...)" is not JavaScript: write "locale.format_date(d)" or "d.toISOString()"`;

/** Python names that are not JavaScript's, with the hint for each. */
const PYTHON_NAMES: Readonly<Record<string, string>> = {
  None: `Python's "None" is not JavaScript: write "null"`,
  True: `Python's "True" is not JavaScript: write "true"`,
  False: `Python's "False" is not JavaScript: write "false"`,
  len: `Python's "len(x)" is not JavaScript: write "x.length" (or "x.size" for a Map or Set)`,
  datetime: `"datetime" is Python's module, not in the template namespace: use Date ("new Date()", "Date.now()", "locale.format_date(d)")`,
};

function keywordArgument(name: string): string {
  return (
    `Python's keyword argument "${name}=..." is not JavaScript: pass an object, "f({ ${name}: ... })" ` +
    `(or write "f((${name} = ...))" to mean an assignment)`
  );
}

/** Words that cannot end an operand: after them, `(` is not a call, `/` starts a regex. */
const KEYWORDS = new Set(
  (
    "break case catch class const continue debugger default delete do else export extends finally for function " +
    "if import in instanceof new return switch throw try typeof var void while with yield let static " +
    "async await of get set"
  ).split(" "),
);
/** Keywords whose parenthesis opens a head, not a call or a group. */
const HEAD_KEYWORDS = new Set(["if", "while", "for", "with", "switch", "catch"]);

// ZWNJ and ZWJ are listed as two single characters (JavaScript allows both in names), not a joined sequence.
// eslint-disable-next-line no-misleading-character-class
const IDENTIFIER_RE = /[\p{ID_Start}$_\\][\p{ID_Continue}$\u200c\u200d\\]*/uy;
const IDENTIFIER_START_RE = /[\p{ID_Start}$_\\]/u;
const NUMBER_RE = /\.?[0-9][0-9a-zA-Z_.]*/y;
const SPACE_RE = /\s/;

interface Frame {
  readonly kind: "call" | "group" | "head" | "params" | "bracket" | "brace" | "template";
  /** True right after the frame's `(` or a `,` in it. */
  expectName: boolean;
  /** The first `name=` seen in a call's arguments, confirmed when the call closes. */
  keyword: Pythonism | null;
}

/** Where the previous token leaves the scanner. */
interface Previous {
  /** True if the token ends an operand (a name, a literal, `)`, `]`): `/` after it divides, `(` calls. */
  value: boolean;
  /** The identifier or keyword, if the token was one. */
  word: string | null;
  /** True if it was a string literal containing `%`. */
  percentString: boolean;
  /** True if it was `.` or `?.` (the next name is a property). */
  dot: boolean;
}

/** True if `c` is JavaScript whitespace or a line terminator (ASCII first, the rest by regex). */
function isSpace(c: string): boolean {
  if (c <= " ") return c === " " || (c >= "\t" && c <= "\r");
  return c > "~" && SPACE_RE.test(c);
}

/** True if `c` can start an identifier (or is `\\`, which starts an escaped one). */
function isIdentifierStart(c: string): boolean {
  if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === "$" || c === "\\") return true;
  return c > "~" && IDENTIFIER_START_RE.test(c);
}

/** The first offset past `from` that is not whitespace (comments are not skipped: a finding may be missed, never invented). */
function nextSignificant(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text[i])) i++;
  return i;
}

function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote || text[i] === "\n") return i;
  }
  return text.length - 1;
}

function skipRegex(text: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "\n") return i - 1;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) {
      IDENTIFIER_RE.lastIndex = i + 1;
      return IDENTIFIER_RE.test(text) ? IDENTIFIER_RE.lastIndex - 1 : i;
    }
  }
  return text.length - 1;
}

/** Scans a template literal's text from `start` (just past a backtick or a `}`): the index of its closing backtick, or of `${`. */
function skipTemplateText(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "`" || (c === "$" && text[i + 1] === "{")) return i;
  }
  return text.length;
}

/** The scanner: one pass, one instance per fragment. */
class Scanner {
  readonly findings: Pythonism[] = [];
  private readonly frames: Frame[] = [];
  /** The previous token, updated in place (one object per scan, not per token). */
  private readonly prev: Previous = { value: false, word: null, percentString: false, dot: false };
  private beforePrevWord: string | null = null;
  private newline = false;
  /** The first character of the previous token. */
  private previousChar = "";
  private pendingKeyword: Pythonism | null = null;

  constructor(
    private readonly text: string,
    private readonly check: PythonismCheck,
  ) {}

  scan(): void {
    const text = this.text;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (isSpace(c)) {
        if (c === "\n" || c === "\r" || c === "\u2028" || c === "\u2029") this.newline = true;
        continue;
      }
      if (c === "/" && text[i + 1] === "/") {
        const nl = text.indexOf("\n", i);
        i = nl < 0 ? text.length : nl - 1;
        continue;
      }
      if (c === "/" && text[i + 1] === "*") {
        const end = text.indexOf("*/", i + 2);
        if (end < 0) return;
        if (/[\n\r\u2028\u2029]/.test(text.slice(i, end))) this.newline = true;
        i = end + 1;
        continue;
      }
      i = this.token(i);
      this.previousChar = c;
      this.newline = false;
    }
    if (this.pendingKeyword) this.findings.push(this.pendingKeyword);
  }

  private set(value: boolean, word: string | null = null, percentString = false, dot = false): void {
    const prev = this.prev;
    this.beforePrevWord = prev.word;
    prev.value = value;
    prev.word = word;
    prev.percentString = percentString;
    prev.dot = dot;
  }

  /** Handles the token at `i`; returns the index of its last character. */
  private token(i: number): number {
    const text = this.text;
    const c = text[i];
    if (this.pendingKeyword) {
      const arrow = c === "=" && text[i + 1] === ">";
      if (c !== "{" && !arrow) this.findings.push(this.pendingKeyword);
      this.pendingKeyword = null;
    }
    const top = this.frames[this.frames.length - 1];
    const expectName = top?.expectName ?? false;
    if (top) top.expectName = false;
    if (c === '"' || c === "'") {
      const end = skipQuoted(text, i);
      let percent = false;
      for (let j = i + 1; j < end && !percent; j++) percent = text[j] === "%";
      this.set(true, null, percent);
      return end;
    }
    if (c === "`") return this.templateText(i + 1);
    if (isIdentifierStart(c)) return this.word(i, expectName, top);
    if ((c >= "0" && c <= "9") || (c === "." && text[i + 1] >= "0" && text[i + 1] <= "9")) {
      NUMBER_RE.lastIndex = i;
      NUMBER_RE.test(text);
      this.set(true);
      return NUMBER_RE.lastIndex - 1;
    }
    return this.punctuator(i, top);
  }

  private templateText(from: number): number {
    const end = skipTemplateText(this.text, from);
    if (end < this.text.length && this.text[end] === "$") {
      this.frames.push({ kind: "template", expectName: false, keyword: null });
      this.set(false);
      return end + 1;
    }
    this.set(true);
    return end;
  }

  private word(i: number, expectName: boolean, top: Frame | undefined): number {
    const text = this.text;
    IDENTIFIER_RE.lastIndex = i;
    IDENTIFIER_RE.test(text);
    const end = IDENTIFIER_RE.lastIndex;
    const word = text.slice(i, end);
    const next = nextSignificant(text, end);
    if (this.prev.dot) {
      if (word === "strftime" && text[next] === "(") this.report(i, "strict", STRFTIME);
      this.set(true, null);
      return end - 1;
    }
    const afterOperand = this.prev.value && !this.newline;
    if (afterOperand && (word === "if" || word === "for")) {
      this.report(i, "syntax", word === "if" ? CONDITIONAL : COMPREHENSION);
    } else if (afterOperand && Object.hasOwn(WORD_OPERATORS, word)) {
      this.report(i, "syntax", WORD_OPERATORS[word]);
    } else if (word === "not" && !this.prev.value && /["'0-9\p{ID_Start}$_]/u.test(text[next] ?? "")) {
      this.report(i, "syntax", NOT_PREFIX);
    }
    if (expectName && top?.kind === "call" && !top.keyword && text[next] === "=" && !"=>".includes(text[next + 1])) {
      top.keyword = { index: i, certainty: "always", message: keywordArgument(word) };
    }
    const isKey = text[next] === ":" && (this.previousChar === "{" || this.previousChar === ",");
    if (
      Object.hasOwn(PYTHON_NAMES, word) &&
      (word !== "len" || text[next] === "(") &&
      !isKey &&
      !this.check.provided(word)
    ) {
      this.report(i, "strict", PYTHON_NAMES[word]);
    }
    const isKeyword = KEYWORDS.has(word);
    this.set(!isKeyword, word);
    return end - 1;
  }

  private punctuator(i: number, top: Frame | undefined): number {
    const text = this.text;
    const c = text[i];
    switch (c) {
      case "(": {
        const prev = this.prev;
        let kind: Frame["kind"] = "group";
        if (prev.word === "function" || this.beforePrevWord === "function") kind = "params";
        else if (prev.word !== null && HEAD_KEYWORDS.has(prev.word)) kind = "head";
        else if (prev.value) kind = "call";
        this.frames.push({ kind, expectName: true, keyword: null });
        this.set(false);
        return i;
      }
      case "[":
      case "{":
        this.frames.push({ kind: c === "[" ? "bracket" : "brace", expectName: false, keyword: null });
        this.set(false);
        return i;
      case ")":
      case "]": {
        const frame = this.frames.pop();
        if (frame?.keyword) this.pendingKeyword = frame.keyword;
        this.set(frame?.kind !== "head");
        return i;
      }
      case "}":
        this.frames.pop();
        if (top?.kind === "template") return this.templateText(i + 1);
        this.set(false);
        return i;
      case ",":
        if (top) top.expectName = true;
        this.set(false);
        return i;
      case ".":
        if (text[i + 1] === "." && text[i + 2] === ".") {
          this.set(false);
          return i + 2;
        }
        this.set(false, null, false, true);
        return i;
      case "?":
        if (text[i + 1] === "." && !(text[i + 2] >= "0" && text[i + 2] <= "9")) {
          this.set(false, null, false, true);
          return i + 1;
        }
        break;
      case "%":
        if (this.prev.percentString && text[i + 1] !== "=") this.report(i, "always", PERCENT);
        break;
      case "/":
        if (!this.prev.value) {
          const end = skipRegex(text, i);
          this.set(true);
          return end;
        }
        break;
      case "=":
        if (text[i + 1] === ">") {
          this.set(false);
          return i + 1;
        }
        break;
    }
    this.set(false);
    return i;
  }

  private report(index: number, certainty: Certainty, message: string): void {
    this.findings.push({ index, certainty, message });
  }
}

/** True if JavaScript's parser rejects `source` as a strict-mode fragment of `mode`. */
function isSyntaxError(source: string, mode: FragmentMode): boolean {
  const body = mode === "expression" ? `return (\n${source}\n);` : `${source}\n;`;
  try {
    new Function(`"use strict";\n${body}`);
    return false;
  } catch (err) {
    return err instanceof SyntaxError;
  }
}

/**
 * The Python-ism of `source` to report under `check`, or null: the first
 * finding that is always wrong, a syntax finding if JavaScript rejects the
 * fragment, a Python name in strict mode.
 */
export function findPythonism(source: string, mode: FragmentMode, check: PythonismCheck): Pythonism | null {
  const scanner = new Scanner(source, check);
  scanner.scan();
  let syntaxChecked: boolean | null = null;
  let first: Pythonism | null = null;
  for (const finding of scanner.findings) {
    if (first && first.index <= finding.index) continue;
    if (finding.certainty === "strict" && !check.strict) continue;
    if (finding.certainty === "syntax") {
      syntaxChecked ??= isSyntaxError(source, mode);
      if (!syntaxChecked) continue;
    }
    first = finding;
  }
  return first;
}

/**
 * Raises a `ParseError` for the first Python-ism of a fragment of template
 * `file` that starts at `line`.
 * @throws ParseError naming the Python spelling, the JavaScript one, the file and the line.
 */
export function rejectPythonisms(
  source: string,
  mode: FragmentMode,
  check: PythonismCheck,
  file: string,
  line: number,
): void {
  const found = findPythonism(source, mode, check);
  if (!found) return;
  let at = line;
  for (let nl = source.indexOf("\n"); nl >= 0 && nl < found.index; nl = source.indexOf("\n", nl + 1)) at++;
  throw new ParseError(found.message, file, at);
}

/** Python builtins a template may call, hinted only when reading them fails at run time. */
const PYTHON_BUILTINS: Readonly<Record<string, string>> = {
  ...PYTHON_NAMES,
  str: `Python's "str(x)" is not JavaScript: write "String(x)"`,
  int: `Python's "int(x)" is not JavaScript: write "parseInt(x, 10)" (or "Math.trunc(x)")`,
  float: `Python's "float(x)" is not JavaScript: write "Number(x)"`,
  range: `Python's "range(n)" is not JavaScript: write "Array.from({ length: n }, (_, i) => i)"`,
  enumerate: `Python's "enumerate(items)" is not JavaScript: write "items.entries()"`,
  dict: `Python's "dict(a=1)" is not JavaScript: write an object literal, "{ a: 1 }"`,
  list: `Python's "list(x)" is not JavaScript: write "Array.from(x)"`,
};

/** Python methods that JavaScript's values lack, hinted when calling one fails at run time. */
const PYTHON_METHODS: Readonly<Record<string, string>> = {
  strftime: STRFTIME,
  items: `Python's "d.items()" is not JavaScript: write "Object.entries(d)"`,
  iteritems: `Python's "d.iteritems()" is not JavaScript: write "Object.entries(d)"`,
  append: `Python's "items.append(x)" is not JavaScript: write "items.push(x)"`,
  lower: `Python's "s.lower()" is not JavaScript: write "s.toLowerCase()"`,
  upper: `Python's "s.upper()" is not JavaScript: write "s.toUpperCase()"`,
  strip: `Python's "s.strip()" is not JavaScript: write "s.trim()"`,
  startswith: `Python's "s.startswith(x)" is not JavaScript: write "s.startsWith(x)"`,
  endswith: `Python's "s.endswith(x)" is not JavaScript: write "s.endsWith(x)"`,
  format: `Python's "s.format(x)" is not JavaScript: write a template literal ("\`\${x}\`")`,
};

const UNDEFINED_NAME_RE = /^(\S+) is not defined$/;
const NOT_A_FUNCTION_RE = /\.([\w$]+) is not a function$/;

/** The hint for a runtime error, if it is the one a Python-ism throws. */
function hintFor(err: Error): string | undefined {
  if (err.constructor === ReferenceError) {
    const name = UNDEFINED_NAME_RE.exec(err.message)?.[1];
    if (name !== undefined && Object.hasOwn(PYTHON_BUILTINS, name)) return PYTHON_BUILTINS[name];
  } else if (err.constructor === TypeError) {
    const method = NOT_A_FUNCTION_RE.exec(err.message)?.[1];
    if (method !== undefined && Object.hasOwn(PYTHON_METHODS, method)) return PYTHON_METHODS[method];
  }
  return undefined;
}

/**
 * A runtime error with the JavaScript spelling added when it is the error a
 * Python-ism throws (`None is not defined`, `str is not defined`,
 * `d.strftime is not a function`, `d.items is not a function`); any other
 * error as it is. The original is kept as `cause`.
 */
export function withPythonHint(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const hint = hintFor(err);
  if (hint === undefined) return err;
  const replaced = new (err.constructor as ErrorConstructor)(`${err.message}: ${hint}`, { cause: err });
  if (typeof err.stack === "string") {
    replaced.stack = replaced.stack!.split("\n")[0] + err.stack.replace(/^.*/, "");
  }
  return replaced;
}
