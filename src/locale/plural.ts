/**
 * The `Plural-Forms` expression of a `.mo` header (`plural=(n != 1);`), compiled once into a
 * function from a count to the index of the plural form, as Python's `gettext.c2py` does.
 * The grammar is GNU gettext's C subset: `n`, decimal integers, parentheses, `!`, `* / %`,
 * `+ -`, `< <= > >=`, `== !=`, `&&`, `||` and `?:`. Parsing is one pass over the tokens.
 */

/** A compiled expression: the count in, the plural form's index out. */
export type PluralFunction = (n: number) => number;

type Node = (n: number) => number;

const TOKEN = /\s*(?:(\d+)|(n)|(<=|>=|==|!=|&&|\|\||[-+*/%<>!?:()]))/y;
const TRAILING_SPACE = /\s*$/y;
const MAX_DEPTH = 100;

const BINARY: Record<string, (a: number, b: number) => number> = {
  "*": (a, b) => a * b,
  "/": (a, b) => Math.trunc(a / nonZero(b)),
  "%": (a, b) => a % nonZero(b),
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "<": (a, b) => Number(a < b),
  "<=": (a, b) => Number(a <= b),
  ">": (a, b) => Number(a > b),
  ">=": (a, b) => Number(a >= b),
  "==": (a, b) => Number(a === b),
  "!=": (a, b) => Number(a !== b),
};

/** Binary operators from the loosest-binding level (after `&&`) to the tightest. */
const LEVELS: readonly (readonly string[])[] = [
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "%"],
];

function nonZero(b: number): number {
  if (b === 0) throw new RangeError("division by zero in a Plural-Forms expression");
  return b;
}

/** Splits the expression into tokens; throws `SyntaxError` on a character outside the grammar. */
function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  let position = 0;
  while (position < expression.length) {
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(expression);
    if (match === null) {
      TRAILING_SPACE.lastIndex = position;
      if (TRAILING_SPACE.test(expression)) break;
      throw new SyntaxError(`invalid Plural-Forms expression: ${JSON.stringify(expression)}`);
    }
    tokens.push(match[1] ?? match[2] ?? match[3]);
    position = TOKEN.lastIndex;
  }
  return tokens;
}

class PluralParser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly string[],
    private readonly source: string,
  ) {}

  parse(): Node {
    const node = this.ternary();
    if (this.index !== this.tokens.length) this.fail();
    return node;
  }

  private fail(): never {
    throw new SyntaxError(`invalid Plural-Forms expression: ${JSON.stringify(this.source)}`);
  }

  private peek(): string | undefined {
    return this.tokens[this.index];
  }

  private expect(token: string): void {
    if (this.tokens[this.index] !== token) this.fail();
    this.index++;
  }

  private ternary(): Node {
    if (++this.depth > MAX_DEPTH) this.fail();
    const condition = this.logical("||", this.logical.bind(this, "&&", this.binary.bind(this, 0)));
    if (this.peek() !== "?") {
      this.depth--;
      return condition;
    }
    this.index++;
    const then = this.ternary();
    this.expect(":");
    const otherwise = this.ternary();
    this.depth--;
    return (n) => (condition(n) !== 0 ? then(n) : otherwise(n));
  }

  private logical(operator: "||" | "&&", operand: () => Node): Node {
    let left = operand();
    while (this.peek() === operator) {
      this.index++;
      const a = left;
      const b = operand();
      left = operator === "||" ? (n) => Number(a(n) !== 0 || b(n) !== 0) : (n) => Number(a(n) !== 0 && b(n) !== 0);
    }
    return left;
  }

  private binary(level: number): Node {
    if (level === LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (let token = this.peek(); token !== undefined && LEVELS[level].includes(token); token = this.peek()) {
      this.index++;
      const apply = BINARY[token];
      const a = left;
      const b = this.binary(level + 1);
      left = (n) => apply(a(n), b(n));
    }
    return left;
  }

  private unary(): Node {
    const token = this.peek();
    this.index++;
    if (token === "!") {
      if (++this.depth > MAX_DEPTH) this.fail();
      const operand = this.unary();
      this.depth--;
      return (n) => Number(operand(n) === 0);
    }
    if (token === "n") return (n) => n;
    if (token === "(") {
      const inner = this.ternary();
      this.expect(")");
      return inner;
    }
    if (token !== undefined && /^\d+$/.test(token)) {
      const value = Number(token);
      return () => value;
    }
    return this.fail();
  }
}

/**
 * Compiles a `Plural-Forms` expression (the part after `plural=`, without the `;`) into a
 * function; the count is truncated to an integer first. Throws `SyntaxError` for an expression
 * outside the grammar or nested deeper than 100 levels; the function throws `RangeError` on a
 * division by zero.
 */
export function compile_plural(expression: string): PluralFunction {
  const node = new PluralParser(tokenize(expression), expression).parse();
  return (count: number) => node(Math.trunc(count));
}
