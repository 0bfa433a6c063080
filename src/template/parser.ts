/**
 * Turns template text into a tree of nodes. Literal text has its whitespace
 * filtered here; expressions are kept as JavaScript source for the code
 * generator. Directive errors become `ParseError`s naming file and line.
 * @internal
 */
import { ParseError } from "./errors";
import { filter_whitespace, isWhitespaceMode } from "./whitespace";
import { isBindableName, parseForHead, translateExceptType, translateSet } from "./jssyntax";
import { rejectPythonisms, type FragmentMode, type PythonismCheck } from "./pyisms";
import type {
  Clause,
  CompiledTemplate,
  ExtendsNode,
  Handler,
  IfNode,
  LoopNode,
  Node,
  ParsedFile,
  TryNode,
} from "./nodes";

/** The directive that ended a body: an intermediate (`else`, `elif`, `except`, `finally`) or `end`. */
interface Stop {
  readonly operator: string;
  readonly suffix: string;
  readonly line: number;
}

const INTERMEDIATE_PARENTS: Readonly<Record<string, readonly string[]>> = {
  else: ["if", "for", "while", "try"],
  elif: ["if"],
  except: ["try"],
  finally: ["try"],
};

function describeParents(parents: readonly string[]): string {
  return parents.length === 1
    ? `an ${parents[0]}`
    : `an ${parents.slice(0, -1).join(", ")} or ${parents[parents.length - 1]}`;
}

class Reader {
  pos = 0;
  line = 1;

  constructor(
    readonly name: string,
    readonly text: string,
    public whitespace: string,
  ) {}

  /** Consumes `count` characters (all that remain by default), counting newlines. */
  consume(count = this.text.length - this.pos): string {
    const end = this.pos + count;
    for (let nl = this.text.indexOf("\n", this.pos); nl >= 0 && nl < end; nl = this.text.indexOf("\n", nl + 1)) {
      this.line++;
    }
    const s = this.text.slice(this.pos, end);
    this.pos = end;
    return s;
  }

  error(message: string, line = this.line): never {
    throw new ParseError(message, this.name, line);
  }
}

const OPERATOR_RE = /^(\S+)\s*([\s\S]*)$/;
const EXCEPT_AS_RE = /^([\s\S]+?)\s+as\s+(\S+)$/;

class Parser {
  autoescape: string | null | undefined = undefined;
  extendsNode: ExtendsNode | null = null;

  constructor(
    private readonly reader: Reader,
    private readonly template: CompiledTemplate,
    private readonly pythonisms: PythonismCheck,
  ) {}

  /** `source` (JavaScript of a fragment at `line`) as it is, after the check for Python-isms. */
  private code(source: string, line: number, mode: FragmentMode = "expression"): string {
    rejectPythonisms(source, mode, this.pythonisms, this.reader.name, line);
    return source;
  }

  private pushText(body: Node[], text: string): void {
    const value = text.includes("<pre>") ? text : filter_whitespace(this.reader.whitespace, text);
    if (value) body.push({ kind: "text", value });
  }

  /** Parses until EOF (top level) or the directive that ends `inBlock`. */
  parse(inBlock: string | null, inLoop: boolean): { body: Node[]; stop: Stop | null } {
    const reader: Reader = this.reader;
    const text = reader.text;
    const body: Node[] = [];
    for (;;) {
      let curly = reader.pos;
      for (;;) {
        curly = text.indexOf("{", curly);
        if (curly === -1 || curly + 1 === text.length) {
          if (inBlock) reader.error(`Missing {% end %} block for ${inBlock}`);
          this.pushText(body, reader.consume());
          return { body, stop: null };
        }
        const next = text[curly + 1];
        if (next !== "{" && next !== "%" && next !== "#") {
          curly++;
          continue;
        }
        // With three or more braces in a row, the innermost two open the tag.
        if (next === "{" && text[curly + 2] === "{") {
          curly++;
          continue;
        }
        break;
      }
      if (curly > reader.pos) this.pushText(body, reader.consume(curly - reader.pos));

      const startBrace = reader.consume(2);
      const line = reader.line;

      if (text[reader.pos] === "!") {
        reader.consume(1);
        this.pushText(body, startBrace);
        continue;
      }

      if (startBrace === "{#") {
        const end = text.indexOf("#}", reader.pos);
        if (end === -1) reader.error("Missing end comment #}");
        reader.consume(end - reader.pos + 2);
        continue;
      }

      if (startBrace === "{{") {
        const end = text.indexOf("}}", reader.pos);
        if (end === -1) reader.error("Missing end expression }}");
        const contents = reader.consume(end - reader.pos).trim();
        reader.consume(2);
        if (!contents) reader.error("Empty expression");
        body.push({ kind: "expression", code: this.code(contents, line), line, raw: false });
        continue;
      }

      const end = text.indexOf("%}", reader.pos);
      if (end === -1) reader.error("Missing end block %}");
      const contents = reader.consume(end - reader.pos).trim();
      reader.consume(2);
      if (!contents) reader.error("Empty block tag ({% %})");
      const [, operator, suffix] = OPERATOR_RE.exec(contents)!;
      const stop = this.directive(body, operator, suffix.trim(), line, inBlock, inLoop);
      if (stop) return { body, stop };
    }
  }

  /** Handles one `{% ... %}`; returns a Stop if it ends the current body. */
  private directive(
    body: Node[],
    operator: string,
    suffix: string,
    line: number,
    inBlock: string | null,
    inLoop: boolean,
  ): Stop | null {
    const reader: Reader = this.reader;
    const parents = INTERMEDIATE_PARENTS[operator];
    if (parents) {
      if (!inBlock) reader.error(`{% ${operator} %} outside ${describeParents(parents)} block`, line);
      if (!parents.includes(inBlock))
        reader.error(`{% ${operator} %} block cannot be attached to ${inBlock} block`, line);
      return { operator, suffix, line };
    }
    switch (operator) {
      case "end":
        if (!inBlock) reader.error("Extra {% end %} block", line);
        return { operator, suffix, line };
      case "comment":
        return null;
      case "extends": {
        const name = stripQuotes(suffix);
        if (!name) reader.error("extends missing file path", line);
        if (inBlock) reader.error("{% extends %} must be at the top level of the template", line);
        if (this.extendsNode) reader.error("more than one {% extends %} in the template", line);
        this.extendsNode = { kind: "extends", name, line };
        body.push(this.extendsNode);
        return null;
      }
      case "import":
      case "from":
        return reader.error(
          `{% ${operator} %} is not supported: template expressions are JavaScript, so pass modules and functions in the namespace instead`,
          line,
        );
      case "include": {
        const name = stripQuotes(suffix);
        if (!name) reader.error("include missing file path", line);
        body.push({ kind: "include", name, from: reader.name, line });
        return null;
      }
      case "set": {
        if (!suffix) reader.error("set missing statement", line);
        const { code, names } = translateSet(suffix);
        this.checkNames(names, line);
        body.push({ kind: "statement", code: this.code(code, line, "statement"), names, line });
        return null;
      }
      case "autoescape":
        if (!suffix) reader.error("autoescape missing function name (or None)", line);
        this.autoescape = suffix === "None" || suffix === "null" ? null : suffix;
        return null;
      case "whitespace":
        if (!isWhitespaceMode(suffix)) reader.error(`invalid whitespace mode ${suffix}`, line);
        reader.whitespace = suffix;
        return null;
      case "raw":
      case "module": {
        if (!suffix) reader.error(`${operator} missing expression`, line);
        const code = this.code(operator === "module" ? `modules.${suffix}` : suffix, line);
        body.push({ kind: "expression", code, line, raw: true });
        return null;
      }
      case "break":
      case "continue":
        if (!inLoop) reader.error(`{% ${operator} %} outside a for or while loop`, line);
        body.push({ kind: operator, line });
        return null;
      case "if":
        body.push(this.parseIf(suffix, line, inLoop));
        return null;
      case "for":
      case "while":
        body.push(this.parseLoop(operator, suffix, line, inLoop));
        return null;
      case "try":
        body.push(this.parseTry(line, inLoop));
        return null;
      case "apply": {
        if (!suffix) reader.error("apply missing method name", line);
        // The applied body runs in a function of its own, so it is not inside any loop.
        const inner = this.parseBody("apply", false, line);
        body.push({ kind: "apply", fn: this.code(suffix, line), line, body: inner });
        return null;
      }
      case "block": {
        if (!suffix) reader.error("block missing name", line);
        const inner = this.parseBody("block", inLoop, line);
        body.push({ kind: "block", name: suffix, line, body: inner, template: this.template });
        return null;
      }
      default:
        return reader.error(`unknown operator: '${operator}'`, line);
    }
  }

  private checkNames(names: readonly string[], line: number): void {
    for (const name of names) {
      if (name.startsWith("_tt_")) this.reader.error(`names starting with _tt_ are reserved: ${name}`, line);
    }
  }

  /** Parses a body that takes no intermediate directives, up to its `{% end %}`. */
  private parseBody(operator: string, inLoop: boolean, line: number): Node[] {
    const { body, stop } = this.parse(operator, inLoop);
    if (stop?.operator !== "end") this.reader.error(`Missing {% end %} block for ${operator}`, line);
    return body;
  }

  private parseIf(condition: string, line: number, inLoop: boolean): IfNode {
    const reader: Reader = this.reader;
    if (!condition) reader.error("if missing condition", line);
    const clauses: Clause[] = [];
    let current = { condition: this.code(condition, line) as string | null, line };
    for (;;) {
      const { body, stop } = this.parse("if", inLoop);
      clauses.push({ ...current, body });
      if (!stop || stop.operator === "end") return { kind: "if", clauses };
      if (current.condition === null) reader.error(`{% ${stop.operator} %} after {% else %}`, stop.line);
      if (stop.operator === "elif") {
        if (!stop.suffix) reader.error("elif missing condition", stop.line);
        current = { condition: this.code(stop.suffix, stop.line), line: stop.line };
      } else {
        if (stop.suffix) reader.error("{% else %} takes no condition (use {% elif %})", stop.line);
        current = { condition: null, line: stop.line };
      }
    }
  }

  private parseLoop(kind: "for" | "while", head: string, line: number, inLoop: boolean): LoopNode {
    const reader: Reader = this.reader;
    let target = "";
    let iterable = head;
    let names: readonly string[] = [];
    if (kind === "for") {
      const parsed = parseForHead(head);
      if (!parsed) reader.error("for expects a target and an iterable: {% for x in items %}", line);
      this.checkNames(parsed.names, line);
      ({ code: target, names, iterable } = parsed);
      this.code(iterable, line);
    } else if (!head) {
      reader.error("while missing condition", line);
    } else {
      this.code(head, line);
    }
    const first = this.parse(kind, true);
    let orelse: Node[] | null = null;
    if (first.stop?.operator === "else") {
      if (first.stop.suffix) reader.error("{% else %} takes no condition", first.stop.line);
      // A loop's else runs after the loop, so break and continue there belong to an enclosing loop.
      const rest = this.parse(kind, inLoop);
      if (rest.stop?.operator !== "end") reader.error(`{% ${rest.stop?.operator} %} after {% else %}`, rest.stop?.line);
      orelse = rest.body;
    }
    return { kind, line, head: kind === "for" ? target : head, iterable, names, body: first.body, orelse };
  }

  private parseTry(line: number, inLoop: boolean): TryNode {
    const reader: Reader = this.reader;
    const handlers: Handler[] = [];
    let orelse: Node[] | null = null;
    let finalbody: Node[] | null = null;
    let { body, stop } = this.parse("try", inLoop);
    const tryBody = body;
    let section: "try" | "except" | "else" | "finally" = "try";
    let pending: Omit<Handler, "body"> | null = null;
    for (;;) {
      if (pending) handlers.push({ ...pending, body });
      else if (section === "else") orelse = body;
      else if (section === "finally") finalbody = body;
      pending = null;
      if (!stop || stop.operator === "end") break;
      const { operator, suffix, line: at } = stop;
      if (operator === "except") {
        if (section === "else" || section === "finally") reader.error(`{% except %} after {% ${section} %}`, at);
        const last = handlers[handlers.length - 1];
        if (last && last.type === null) reader.error("a catch-all {% except %} must be the last one", last.line);
        pending = this.parseHandler(suffix, at);
        section = "except";
      } else if (operator === "else") {
        if (section !== "except") reader.error("{% else %} in a try block needs an {% except %} before it", at);
        if (suffix) reader.error("{% else %} takes no condition", at);
        section = "else";
      } else {
        if (section === "finally") reader.error("more than one {% finally %}", at);
        if (suffix) reader.error("{% finally %} takes nothing after it", at);
        section = "finally";
      }
      ({ body, stop } = this.parse("try", inLoop));
    }
    if (handlers.length === 0 && finalbody === null)
      reader.error("try block needs an {% except %} or a {% finally %}", line);
    return { kind: "try", line, body: tryBody, handlers, orelse, finalbody };
  }

  /** `except` (catch all), `except e` (catch all as e), `except Type as e` / `except (A, B) as e` (by class). */
  private parseHandler(suffix: string, line: number): Omit<Handler, "body"> {
    const reader: Reader = this.reader;
    if (!suffix) return { type: null, name: null, line };
    const typed = EXCEPT_AS_RE.exec(suffix);
    const name = typed ? typed[2] : suffix;
    if (!isBindableName(name)) {
      reader.error(`{% except %} expects nothing, a name, or 'Type as name'; got '${suffix}'`, line);
    }
    this.checkNames([name], line);
    return { type: typed ? this.code(translateExceptType(typed[1]), line) : null, name, line };
  }
}

function stripQuotes(text: string): string {
  return text.replace(/^"+|"+$/g, "").replace(/^'+|'+$/g, "");
}

/**
 * Parses a whole template file; `pythonisms` says which Python-isms its
 * expressions are checked for (see `pyisms.ts`).
 */
export function parseTemplate(
  name: string,
  text: string,
  whitespace: string,
  template: CompiledTemplate,
  pythonisms: PythonismCheck,
): ParsedFile {
  const parser = new Parser(new Reader(name, text, whitespace), template, pythonisms);
  const { body } = parser.parse(null, false);
  return { body, autoescape: parser.autoescape, extends: parser.extendsNode };
}
