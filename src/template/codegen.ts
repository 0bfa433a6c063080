/**
 * Generates the JavaScript body of a template's function from its parsed
 * tree, resolving `{% extends %}`, `{% block %}` and `{% include %}` at
 * compile time exactly as Tornado does: the root ancestor's tree is
 * generated, each block replaced by the most derived definition, each
 * include inlined (so it shares the caller's variables).
 *
 * Every statement that can throw first stores a location number in
 * `_tt_loc`; the function's one catch turns it into `page.html:12` (and
 * `via ...` for included files) when it rewraps the error.
 * @internal
 */
import { ParseError, TemplateCycleError } from "./errors";
import { referencedNames, typeofOperands } from "./jssyntax";
import type { TemplateLoader } from "./loading";
import type {
  ApplyNode,
  BlockNode,
  CompiledTemplate as Template,
  IfNode,
  IncludeNode,
  LoopNode,
  Node,
  TryNode,
} from "./nodes";

/** A fragment of user JavaScript, kept so a syntax error can be traced to its file and line. */
export interface Fragment {
  /** Strict-mode source that compiles iff the fragment is valid where the generator put it. */
  readonly probe: string;
  /** What the fragment is, for the error message ("expression", "if condition"...). */
  readonly what: string;
  readonly source: string;
  readonly file: string;
  readonly line: number;
}

/** Where a template local was first assigned. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** The generated body of a template function and what it needs to run and to report errors. */
export interface GeneratedCode {
  /** Statements run inside the template function's try block. */
  readonly body: string;
  /** Names the template assigns (set, for targets): declared once per function, like Python locals. */
  readonly locals: ReadonlyMap<string, Origin>;
  /** `_tt_loc` values -> `file:line (via ...)`. */
  readonly locations: readonly string[];
  readonly fragments: readonly Fragment[];
  /**
   * Every name the template's code could read as a variable (a superset of
   * its free variables, see `referencedNames`), in first-seen order.
   */
  readonly references: readonly string[];
  /** The names the template's code could take the `typeof` of (see `typeofOperands`). */
  readonly typeofOperands: ReadonlySet<string>;
}

/** Loads `name` for a directive at `line` of `from`, turning a loader cycle into a ParseError there. */
function loadFor(
  loader: TemplateLoader | null,
  directive: string,
  name: string,
  from: Template,
  line: number,
): Template {
  if (!loader) throw new ParseError(`{% ${directive} %} block found, but no template loader`, from.name, line);
  try {
    return loader.load(name, from.name);
  } catch (err) {
    if (err instanceof TemplateCycleError) {
      throw new ParseError(
        `{% ${directive} "${name}" %} makes a cycle: ${err.templateName} is already being loaded`,
        from.name,
        line,
      );
    }
    throw err;
  }
}

/** The template followed by the chain of templates it extends, nearest first. */
function ancestors(template: Template, loader: TemplateLoader | null): Template[] {
  const chain = [template];
  const parent = template._parsed.extends;
  if (parent) chain.push(...ancestors(loadFor(loader, "extends", parent.name, template, parent.line), loader));
  return chain;
}

function children(node: Node): Node[][] {
  switch (node.kind) {
    case "if":
      return node.clauses.map((c) => c.body);
    case "for":
    case "while":
      return node.orelse ? [node.body, node.orelse] : [node.body];
    case "try":
      return [node.body, ...node.handlers.map((h) => h.body), node.orelse ?? [], node.finalbody ?? []];
    case "apply":
    case "block":
      return [node.body];
    default:
      return [];
  }
}

/** Records every block in `nodes` (and in the files they include); later definitions win. */
function findNamedBlocks(
  nodes: readonly Node[],
  owner: Template,
  loader: TemplateLoader | null,
  blocks: Map<string, BlockNode>,
): void {
  for (const node of nodes) {
    if (node.kind === "block") blocks.set(node.name, node);
    if (node.kind === "include") {
      const included = loadFor(loader, "include", node.name, owner, node.line);
      findNamedBlocks(included._parsed.body, included, loader, blocks);
    }
    for (const body of children(node)) findNamedBlocks(body, owner, loader, blocks);
  }
}

const UNSAFE_IN_COMMENT_RE = /[\r\n\u2028\u2029]/g;
const SIMPLE_NAME_RE = /^[A-Za-z_$][\w$]*$/;
const MAYBE_LINE_COMMENT_RE = /\/\/|<!--|-->/;

/** Appends a newline to source that may end inside a line comment. */
function guardLineComment(source: string): string {
  return MAYBE_LINE_COMMENT_RE.test(source) ? source + "\n" : source;
}

class Writer {
  readonly lines: string[] = [];
  readonly locals = new Map<string, Origin>();
  readonly locations: string[] = [];
  readonly fragments: Fragment[] = [];
  private readonly locationIds = new Map<string, number>();
  private readonly includeStack: Array<{ template: Template; line: number }> = [];
  /** For each enclosing loop, the label to break to (loops with an else), or null. */
  private readonly loops: Array<string | null> = [];
  private indentLevel = 2;
  private pendingText = "";
  private counter = 0;

  constructor(
    private readonly blocks: ReadonlyMap<string, BlockNode>,
    private readonly loader: TemplateLoader | null,
    private current: Template,
  ) {}

  private where(line: number): string {
    let where = `${this.current.name}:${line}`;
    if (this.includeStack.length) {
      const via = this.includeStack.map(({ template, line: at }) => `${template.name}:${at}`).reverse();
      where += ` via ${via.join(", ")}`;
    }
    return where;
  }

  private error(message: string, line: number): never {
    throw new ParseError(message, this.current.name, line);
  }

  private emit(code: string): void {
    this.flushText();
    this.lines.push("  ".repeat(this.indentLevel) + code);
  }

  /** Emits `_tt_loc = N;` for a statement at `line` of the current file. */
  private locate(line: number): void {
    this.emit(`_tt_loc = ${this.locationId(line)}; // ${this.where(line).replace(UNSAFE_IN_COMMENT_RE, " ")}`);
  }

  private locationId(line: number): number {
    const where = this.where(line);
    let id = this.locationIds.get(where);
    if (id === undefined) {
      id = this.locations.length;
      this.locations.push(where);
      this.locationIds.set(where, id);
    }
    return id;
  }

  private flushText(): void {
    if (!this.pendingText) return;
    const text = this.pendingText;
    this.pendingText = "";
    this.emit(`_tt_out += ${JSON.stringify(text)};`);
  }

  /**
   * Wraps user source in parentheses (a plain name stays bare). If the source
   * could hold a line comment, a newline keeps the comment from swallowing
   * the closing parenthesis.
   */
  private fragment(source: string, what: string, line: number, probe?: string): string {
    const wrapped = SIMPLE_NAME_RE.test(source) ? source : `(${guardLineComment(source)})`;
    this.fragments.push({ probe: probe ?? `return ${wrapped};`, what, source, file: this.current.name, line });
    return wrapped;
  }

  private declare(names: readonly string[], line: number): void {
    for (const name of names) {
      if (!this.locals.has(name)) this.locals.set(name, { file: this.current.name, line });
    }
  }

  private block(open: string, body: () => void, close = "}"): void {
    this.emit(open);
    this.indentLevel++;
    body();
    this.flushText();
    this.indentLevel--;
    this.emit(close);
  }

  generate(nodes: readonly Node[]): void {
    for (const node of nodes) this.node(node);
    this.flushText();
  }

  private node(node: Node): void {
    switch (node.kind) {
      case "text":
        this.pendingText += node.value;
        return;
      case "expression": {
        this.locate(node.line);
        let value = `_tt_str(${this.fragment(node.code, "expression", node.line)})`;
        const autoescape = this.current.autoescape;
        if (!node.raw && autoescape !== null) {
          value = `_tt_str(${this.fragment(autoescape, "autoescape function", node.line)}(${value}))`;
        }
        this.emit(`_tt_out += ${value};`);
        return;
      }
      case "statement":
        this.declare(node.names, node.line);
        this.locate(node.line);
        this.fragment(node.code, "set statement", node.line, `${guardLineComment(node.code)};`);
        this.emit(`${guardLineComment(node.code)};`);
        return;
      case "if":
        return this.ifNode(node);
      case "for":
      case "while":
        return this.loop(node);
      case "try":
        return this.tryNode(node);
      case "apply":
        return this.apply(node);
      case "block": {
        // The most derived definition; a block from another file reports its place here as "via".
        const block = this.blocks.get(node.name)!;
        if (block.template === this.current) this.generate(block.body);
        else this.within(block.template, node.line, () => this.generate(block.body));
        return;
      }
      case "include":
        return this.include(node);
      case "extends":
        return;
      case "break":
      case "continue": {
        if (this.loops.length === 0) this.error(`{% ${node.kind} %} outside a for or while loop`, node.line);
        const label = this.loops[this.loops.length - 1];
        this.emit(node.kind === "break" && label ? `break ${label};` : `${node.kind};`);
        return;
      }
    }
  }

  private within(template: Template, line: number, body: () => void): void {
    this.flushText();
    this.includeStack.push({ template: this.current, line });
    const saved = this.current;
    this.current = template;
    try {
      body();
      this.flushText();
    } finally {
      this.current = saved;
      this.includeStack.pop();
    }
  }

  private include(node: IncludeNode): void {
    const included = loadFor(this.loader, "include", node.name, this.current, node.line);
    if (included === this.current || this.includeStack.some((frame) => frame.template === included)) {
      this.error(`{% include "${node.name}" %} makes a cycle`, node.line);
    }
    if (included._parsed.extends) {
      this.error(`{% include "${node.name}" %}: an included template cannot use {% extends %}`, node.line);
    }
    this.within(included, node.line, () => this.generate(included._parsed.body));
  }

  private ifNode(node: IfNode): void {
    const [first, ...rest] = node.clauses;
    this.locate(first.line);
    this.emit(`if (${this.fragment(first.condition!, "if condition", first.line)}) {`);
    this.indentLevel++;
    this.generate(first.body);
    this.indentLevel--;
    for (const clause of rest) {
      if (clause.condition === null) {
        this.emit("} else {");
      } else {
        const condition = this.fragment(clause.condition, "elif condition", clause.line);
        this.emit(`} else if ((_tt_loc = ${this.locationId(clause.line)}, ${condition})) {`);
      }
      this.indentLevel++;
      this.generate(clause.body);
      this.indentLevel--;
    }
    this.emit("}");
  }

  private loop(node: LoopNode): void {
    const label = node.orelse ? `_tt_loop${this.counter++}` : null;
    let head: string;
    if (node.kind === "for") {
      this.declare(node.names, node.line);
      const iterable = this.fragment(node.iterable, "for iterable", node.line);
      this.fragment(node.head, "for target", node.line, `for (${node.head} of []) {}`);
      this.locate(node.line);
      head = `for (${node.head} of _tt_iter(${iterable})) {`;
    } else {
      const condition = this.fragment(node.head, "while condition", node.line);
      head = `while ((_tt_loc = ${this.locationId(node.line)}, ${condition})) {`;
    }
    const body = (): void => {
      this.loops.push(label);
      this.block(head, () => this.generate(node.body));
      this.loops.pop();
      if (node.orelse) this.generate(node.orelse);
    };
    if (label) this.block(`${label}: {`, body);
    else body();
  }

  private tryNode(node: TryNode): void {
    const id = this.counter++;
    const ok = `_tt_ok${id}`;
    const caught = `_tt_e${id}`;
    const hasElse = node.orelse !== null;
    const inner = (): void => {
      const guarded = (): void => {
        this.generate(node.body);
        if (hasElse) this.emit(`${ok} = true;`);
      };
      if (node.handlers.length) {
        this.block("try {", guarded, `} catch (${caught}) {`);
        this.indentLevel++;
        this.emit(`${caught} = _tt_named(${caught});`);
        this.handlers(node, caught);
        this.indentLevel--;
        this.emit("}");
      } else {
        guarded();
      }
      if (hasElse) this.block(`if (${ok}) {`, () => this.generate(node.orelse!));
    };
    const withFinally = (): void => {
      if (node.finalbody) {
        this.block("try {", inner, "} finally {");
        this.indentLevel++;
        this.generate(node.finalbody);
        this.indentLevel--;
        this.emit("}");
      } else {
        inner();
      }
    };
    this.locate(node.line);
    if (hasElse) {
      this.block("{", () => {
        this.emit(`let ${ok} = false;`);
        withFinally();
      });
    } else {
      withFinally();
    }
  }

  private handlers(node: TryNode, caught: string): void {
    let opened = false;
    let catchAll = false;
    for (const handler of node.handlers) {
      const bind = (): void => {
        if (handler.name) this.emit(`const ${handler.name} = ${caught};`);
        this.generate(handler.body);
      };
      if (handler.type === null) {
        catchAll = true;
        if (opened) this.block("else {", bind);
        else this.block("{", bind);
        break;
      }
      const type = this.fragment(handler.type, "except class", handler.line);
      const test = `(_tt_loc = ${this.locationId(handler.line)}, _tt_isa(${caught}, ${type}))`;
      this.block(`${opened ? "else " : ""}if (${test}) {`, bind);
      opened = true;
    }
    if (!catchAll) this.emit(`else { throw ${caught}; }`);
  }

  private apply(node: ApplyNode): void {
    this.block("{", () => {
      this.block(
        "const _tt_applied = (() => {",
        () => {
          this.emit('let _tt_out = "";');
          this.generate(node.body);
          this.emit("return _tt_out;");
        },
        "})();",
      );
      this.locate(node.line);
      this.emit(`_tt_out += _tt_str(${this.fragment(node.fn, "apply function", node.line)}(_tt_applied));`);
    });
  }
}

/** Generates the body of `template`'s function, inlining its ancestors, blocks and includes. */
export function generateCode(template: Template, loader: TemplateLoader | null): GeneratedCode {
  const chain = ancestors(template, loader).reverse();
  const blocks = new Map<string, BlockNode>();
  for (const ancestor of chain) findNamedBlocks(ancestor._parsed.body, ancestor, loader, blocks);
  const root = chain[0];
  const writer = new Writer(blocks, loader, root);
  writer.generate(root._parsed.body);
  const references = new Set<string>();
  const operands = new Set<string>();
  for (const fragment of writer.fragments) {
    referencedNames(fragment.source, references);
    typeofOperands(fragment.source, operands);
  }
  return {
    body: writer.lines.join("\n"),
    locals: writer.locals,
    locations: writer.locations,
    fragments: writer.fragments,
    references: [...references],
    typeofOperands: operands,
  };
}
