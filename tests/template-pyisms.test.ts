import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log, template, web } from "../src";
import type { LogRecord } from "../src/log";
import { findPythonism } from "../src/template/pyisms";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";

const { Template, ParseError, DictLoader } = template;

/** The ParseError compiling `source` as `name` raises (fails the test if it compiles). */
function parseError(source: string, options: template.TemplateOptions = {}): InstanceType<typeof ParseError> {
  try {
    new Template(source, { name: "page.html", ...options });
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error(`compiled without an error: ${source}`);
}

function render(source: string, kwargs: Record<string, unknown> = {}, options: template.TemplateOptions = {}): string {
  return new Template(source, { name: "page.html", autoescape: null, ...options }).generate(kwargs).toString();
}

describe("Python-isms are parse errors naming the JavaScript spelling, file and line", () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      "%-formatting of a string",
      '{{ "%s" % name }}',
      /Python's "%" formatting \("%s" % x\) is not JavaScript: write a template literal/,
    ],
    ["%-formatting with a tuple", "{{ '%d items of %s' % (n, kind) }}", /"%" formatting/],
    [
      "%-formatting of a named placeholder",
      '{{ "%(name)s" % {"name": n} }}',
      /locale\.percent_format\(s, \{ name: x \}\)/,
    ],
    [
      "a conditional expression",
      "{{ x if c else y }}",
      /Python's "x if c else y" is not JavaScript: write "c \? x : y"/,
    ],
    ["a conditional after a call", "{{ f(x) if c else 'no' }}", /write "c \? x : y"/],
    ["and", "{% if a and b %}x{% end %}", /Python's "a and b" is not JavaScript: write "a && b"/],
    ["or", "{{ a or 'default' }}", /Python's "a or b" is not JavaScript: write "a \|\| b"/],
    ["not", "{% if not user %}x{% end %}", /Python's "not x" is not JavaScript: write "!x"/],
    [
      "not in",
      "{% if x not in items %}x{% end %}",
      /Python's "x not in y" is not JavaScript: write "!y\.includes\(x\)"/,
    ],
    ["is", "{% if x is None %}x{% end %}", /Python's "x is y" is not JavaScript: write "x === y"/],
    ["is not", "{% while x is not None %}{% end %}", /"x !== y" for "x is not y"/],
    [
      "a list comprehension",
      "{{ [x * 2 for x in items] }}",
      /Python's comprehension "\[x for x in y\]" is not JavaScript: write "y\.map/,
    ],
    ["a generator expression", "{{ sum(x for x in items) }}", /comprehension/],
    ["a comprehension in a for", "{% for x in [y for y in z] %}{% end %}", /comprehension/],
    [
      "a keyword argument",
      "{{ f(a=1) }}",
      /Python's keyword argument "a=\.\.\." is not JavaScript: pass an object, "f\(\{ a: \.\.\. \}\)"/,
    ],
    ["a second keyword argument", "{{ f(1, sep = ', ') }}", /keyword argument "sep=/],
    ["a keyword argument to a module", '{% module Template("x.html", arg=1) %}', /keyword argument "arg=/],
    ["a keyword argument in raw", "{% raw json_encode(obj, indent=2) %}", /keyword argument "indent=/],
    ["a conditional in set", "{% set label = 'on' if flag else 'off' %}", /write "c \? x : y"/],
    ["%-formatting in set", "{% set label = '%s!' % name %}", /"%" formatting/],
    ["and in elif", "{% if a %}{% elif b and c %}{% end %}", /"a && b"/],
    ["or in apply", "{% apply f or g %}x{% end %}", /"a \|\| b"/],
    ["a comprehension in a template literal's substitution", "{{ `${[x for x in y]}` }}", /comprehension/],
  ];
  test.each(cases)("%s", (_name, source, message) => {
    const error = parseError(source);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/ at page\.html:1$/);
    expect(error.filename).toBe("page.html");
    expect(error.lineno).toBe(1);
  });

  test("the line is the one the Python-ism is on, inside a multi-line expression too", () => {
    const error = parseError("<h1>{{ title }}</h1>\n<p>\n{{ a if b else c }}</p>");
    expect(error.message).toBe(`Python's "x if c else y" is not JavaScript: write "c ? x : y" at page.html:3`);
    expect(error.lineno).toBe(3);
    expect(parseError("{{ f(1,\n  2,\n  key=3) }}").lineno).toBe(3);
    expect(parseError("x\n{% if a %}\n{% elif b or c %}{% end %}").lineno).toBe(3);
  });

  test("a Python-ism in an included file names that file", () => {
    const loader = new DictLoader({ "page.html": 'a\n{% include "part.html" %}', "part.html": "\n\n{{ a and b }}" });
    expect(() => loader.load("page.html")).toThrow(/"a && b" at part\.html:3$/);
  });

  test('{{ "%s" % name }} no longer renders NaN', () => {
    expect(() => render('{{ "%s" % name }}', { name: "Ada" })).toThrow(ParseError);
  });
});

describe("names valid JavaScript could mean: rejected in strict mode, hinted at run time", () => {
  const strict: Array<[string, string, RegExp]> = [
    ["None", "{% if x === None %}x{% end %}", /Python's "None" is not JavaScript: write "null"/],
    ["True", "{{ f(True) }}", /Python's "True" is not JavaScript: write "true"/],
    ["False", "{% set done = False %}", /Python's "False" is not JavaScript: write "false"/],
    ["len", "{{ len(items) }}", /Python's "len\(x\)" is not JavaScript: write "x\.length"/],
    [
      "datetime",
      "{{ datetime.datetime.now() }}",
      /"datetime" is Python's module, not in the template namespace: use Date/,
    ],
    [
      "strftime",
      '{{ d.strftime("%Y-%m-%d") }}',
      /Python's "d\.strftime\(\.\.\.\)" is not JavaScript: write "locale\.format_date\(d\)"/,
    ],
  ];
  test.each(strict)("%s: a ParseError with strict_javascript and from template.check", (_name, source, message) => {
    expect(parseError(source, { strict_javascript: true }).message).toMatch(message);
    expect(() => template.check(source, { name: "page.html" })).toThrow(message);
    expect(() => new DictLoader({ "page.html": source }, { strict_javascript: true }).load("page.html")).toThrow(
      message,
    );
  });

  test.each(strict.filter(([name]) => name !== "False"))(
    "%s: the runtime error carries the hint",
    (_name, source, message) => {
      const t = new Template(source, { name: "page.html" });
      expect(() => t.generate({ x: 1, f: String, items: [], d: new Date(0) })).toThrow(message);
      expect(() => t.generate({ x: 1, f: String, items: [], d: new Date(0) })).toThrow(/\(at page\.html:1\)$/);
    },
  );

  test.each<[string, string]>([
    ["{{ str(n) }}", `str is not defined: Python's "str(x)" is not JavaScript: write "String(x)" (at page.html:1)`],
    [
      "{{ int(s) }}",
      `int is not defined: Python's "int(x)" is not JavaScript: write "parseInt(x, 10)" (or "Math.trunc(x)") (at page.html:1)`,
    ],
    [
      "{% for i in range(3) %}{% end %}",
      `range is not defined: Python's "range(n)" is not JavaScript: write "Array.from({ length: n }, (_, i) => i)" (at page.html:1)`,
    ],
    [
      "{% for k, v in d.items() %}{% end %}",
      `d.items is not a function: Python's "d.items()" is not JavaScript: write "Object.entries(d)" (at page.html:1)`,
    ],
    [
      "{{ s.lower() }}",
      `s.lower is not a function: Python's "s.lower()" is not JavaScript: write "s.toLowerCase()" (at page.html:1)`,
    ],
    [
      "{{ '{}'.format(s) }}",
      `"{}".format is not a function: Python's "s.format(x)" is not JavaScript: write a template literal ("\`\${x}\`") (at page.html:1)`,
    ],
  ])("a Python builtin or method fails at run time with the hint: %s", (source, message) => {
    let thrown: unknown;
    try {
      render(source, { n: 1, s: "A", d: {} });
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).toBe(message);
  });

  test("an error of the same text from a class of the user's own is left alone", () => {
    class MyError extends TypeError {}
    const fail = () => {
      throw new MyError("x.items is not a function");
    };
    expect(() => render("{{ fail() }}", { fail })).toThrow(/^x\.items is not a function \(at page\.html:1\)$/);
    expect(() => render("{{ missing }}")).toThrow(/^missing is not defined \(at page\.html:1\)$/);
  });

  test("a name the loader's namespace provides is not a Python-ism, even in strict mode", () => {
    const loader = new DictLoader(
      { "page.html": "{{ len(items) }} {{ None }}" },
      {
        strict_javascript: true,
        namespace: { len: (x: unknown[]) => x.length, None: "none" },
      },
    );
    expect(
      loader
        .load("page.html")
        .generate({ items: [1, 2] })
        .toString(),
    ).toBe("2 none");
    expect(() => template.check("{{ len(items) }}", { namespace: { len: () => 0 } })).not.toThrow();
  });

  test("without strict mode, a None passed in the kwargs renders", () => {
    expect(render("{{ None }}", { None: "nothing" })).toBe("nothing");
  });

  test("{{ datetime }} without a helper throws naming Date, not a bare ReferenceError", () => {
    let thrown: unknown;
    try {
      render("{{ datetime.now() }}");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ReferenceError);
    expect((thrown as Error).message).toBe(
      `datetime is not defined: "datetime" is Python's module, not in the template namespace: ` +
        `use Date ("new Date()", "Date.now()", "locale.format_date(d)") (at page.html:1)`,
    );
  });
});

describe("valid JavaScript is never refused", () => {
  const kwargs = {
    notify: "n",
    android: "droid",
    order: 3,
    None_x: "nx",
    obj: { if: "I", for: "F", and: "A", not: "N", or: "O", is: "S" },
    name: "Ada",
    n: 7,
    a: 1,
    items: [1, 2, 3],
    o: { k: "v" },
    rows: [{ a: 5 }],
    f: (...args: unknown[]) => args.join("|"),
    not: (x: unknown) => !x,
    and: 2,
    or: 3,
    ok: true,
    date: new Date(Date.UTC(2020, 0, 2)),
  };
  const valid: Array<[string, string]> = [
    ["{{ notify }} {{ android }} {{ order }} {{ None_x }}", "n droid 3 nx"],
    ["{{ obj.if }}{{ obj?.for }}{{ obj.and }}{{ obj.not }}{{ obj.or }}{{ obj.is }}{{ obj['if'] }}", "IFANOSI"],
    [
      '{{ "a if b else c" }} {{ \'x and y\' }} {{ "not x" }} {{ "[x for x in y]" }}',
      "a if b else c x and y not x [x for x in y]",
    ],
    ['{{ "%s" }} {{ "%s" + name }} {{ "%s".replace("%s", name) }} {{ "50%" }}', "%s %sAda Ada 50%"],
    ['{{ n % 4 }} {{ 7 % 3 }} {{ "7" % 4 }} {{ items[2] % 2 }} {{ obj["%s"] % 3 }}', "3 1 3 1 NaN"],
    ["{{ items.map(x=>x*2).join() }} {{ items.filter((x) => x > 1).length }}", "2,4,6 2"],
    ["{{ ((a = 1, b = a + 1) => a + b)() }} {{ (function (x = 2) { return x; })() }}", "3 2"],
    ["{{ ({ m(a = 3) { return a; } }).m() }} {{ new (class { constructor(v = 4) { this.v = v; } })().v }}", "3 4"],
    ["{{ (async (a = 1) => a) && 'async' }} {{ (function named(a = 5) { return a; })() }}", "async 5"],
    ["{{ `${name} if ${name}` }} {{ `${`and ${n}`} or` }} {{ `%s` }}", "Ada if Ada and 7 or %s"],
    ['{{ /\\bif\\b/.test("a if b") }} {{ "a and b".split(/ and /).length }} {{ 6 / 2 / 3 }}', "true 2 1"],
    ["{{ a /* x if y else z */ }} {{ a // and b\n }}", "1 1"],
    ["{{ ok ? 'y' : 'n' }} {{ a && n }} {{ 0 || n }} {{ !ok }} {{ a == 1 }} {{ a !== 2 }}", "y 7 7 false true true"],
    ["{{ f(a === 1, n >= 1, n <= 9, a != 2) }} {{ f((a = 5)) }} {{ a }}", "true|true|true|true 5 5"],
    ["{{ not(0) }} {{ and + or }} {{ typeof not }}", "true 5 function"],
    ["{% for x in items %}{{ x }}{% end %} {% for k, v in Object.entries(o) %}{{ k }}={{ v }}{% end %}", "123 k=v"],
    ["{% for const {a} of rows %}{{ a }}{% end %} {% if 'k' in o %}in{% end %}", "5 in"],
    ["{% set total = n % 4 %}{{ total }} {% set s = `${n}%` %}{{ s }}", "3 7%"],
    ["{{ (() => { let r = 'none'\nif (ok) r = 'one'\nreturn r })() }}", "one"],
    ["{{ (() => { if (ok) for (const c of 'ab') ok = c; return ok; })() }}", "b"],
    ["{{ date.toISOString().slice(0, 10) }} {{ typeof strftime }}", "2020-01-02 undefined"],
    ["{{ {None: 1, True: 2}.True }} {{ [1, 2].includes(2) }}", "2 true"],
  ];

  test.each(valid)("%s", (source, expected) => {
    expect(render(source, kwargs)).toBe(expected);
    expect(() => template.check(source)).not.toThrow();
  });

  test("{% for x in items %} (Tornado's own syntax) is left alone", () => {
    expect(render("{% for x in items %}{{ x }},{% end %}", { items: ["a", "b"] })).toBe("a,b,");
    expect(render("{% for i, (k, v) in pairs %}{{ i }}{{ k }}{{ v }} {% end %}", { pairs: [[0, ["a", 1]]] })).toBe(
      "0a1 ",
    );
  });

  test("a syntax error that is not a Python-ism keeps JavaScript's own message", () => {
    expect(parseError("{{ a b }}").message).toMatch(/Unexpected identifier 'b' in expression `a b` at page\.html:1/);
  });
});

describe("the Python-isms table of docs/porting.md", () => {
  const porting = readFileSync(join(__dirname, "..", "docs", "porting.md"), "utf8");
  const section = porting.split("\n### Python-isms in templates\n")[1]?.split("\n#")[0] ?? "";
  // A cell is one code span, `x` or `` x `` (for code with a backtick); `\|` is a table's escaped pipe.
  const cell = "(`+) ?(.+?) ?\\1";
  const rowRe = new RegExp(`^\\| ${cell} \\| ${cell.replace("\\1", "\\3")} \\|`, "gm");
  const unescape = (code: string) => code.replace(/\\\|/g, "|");
  const rows = [...section.matchAll(rowRe)].map((m) => [unescape(m[2]), unescape(m[4])] as const);
  const namespace = {
    name: "Ada",
    n: 2,
    c: true,
    x: 1,
    y: 2,
    a: 1,
    b: 0,
    items: [1, 2],
    user: null,
    d: new Date(0),
    f: (...args: unknown[]) => JSON.stringify(args),
    locale: { format_date: () => "date", percent_format: () => "formatted" },
  };

  test("has a row for each Python-ism", () => {
    expect(rows.length).toBeGreaterThanOrEqual(18);
    expect(rows).toContainEqual(["a or b", "a || b"]);
    expect(rows).toContainEqual(['"%s items" % n', "`${n} items`"]);
  });

  test.each(rows)("%s is refused and %s renders", (python, javascript) => {
    expect(() => template.check(`{{ ${python} }}`)).toThrow(ParseError);
    expect(() => render(`{{ ${javascript} }}`, namespace, { strict_javascript: true })).not.toThrow();
  });
});

describe("the scan is linear in the expression's length", () => {
  const run = (n: number, unit: string) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  const check = { strict: true, provided: () => false };
  test.each<[string, (n: number) => string]>([
    ["names and spaces", (n) => run(n, "abc    ")],
    ["unclosed calls", (n) => run(n, "f(")],
    ["unclosed calls with keyword arguments", (n) => run(n, "f(a=")],
    ["unterminated strings", (n) => run(n, '"%')],
    ["string modulo chains", (n) => run(n, '"%" % ')],
    ["regex starts", (n) => run(n, "(/")],
    ["nested template literals", (n) => run(n, "`${")],
    ["unterminated comments", (n) => "/*" + run(n, "* ")],
    ["Python words", (n) => run(n, "a and not b or ")],
    ["dots", (n) => run(n, "a.")],
  ])("%s", (_name, build) => {
    expectLinear(build, (source) => findPythonism(source, "expression", check));
  });
});

describe("the samples of the template chapter", () => {
  test.each(["en", "tr"])("docs/%s/03-templates.md prints what its comment says", (language) => {
    const page = readFileSync(join(__dirname, "..", "docs", language, "03-templates.md"), "utf8");
    const sample = /new template\.Template\("(.+?)", \{ name: "(.+?)" \}\);[\s\S]*?\/\/ (ParseError: .*)/.exec(page);
    expect(sample).not.toBeNull();
    const [, source, name, printed] = sample!;
    expect(() => new Template(source, { name })).toThrow(ParseError);
    try {
      new Template(source, { name });
    } catch (err) {
      expect(String(err)).toBe(printed);
    }
  });
});

describe("over real sockets", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tornado-pyisms-"));
    writeFileSync(join(dir, "percent.html"), '<html>\n<body>\n<p>{{ "%s" % name }}</p>\n</body>\n</html>\n');
    writeFileSync(join(dir, "none.html"), "<p>{% if name is None %}nobody{% end %}</p>\n<p>{{ None }}</p>\n");
    writeFileSync(join(dir, "named.html"), "<p>{{ name === null ? 'nobody' : name }}</p>\n<p>{{ True }}</p>\n");
    writeFileSync(join(dir, "fine.html"), "<p>{{ `${name}!` }} {{ name.length }}</p>\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  class Page extends web.RequestHandler {
    get(page: string) {
      return this.render(`${page}.html`, { name: "Ada" });
    }
  }
  const routes: web.Route[] = [["/(\\w+)", Page]];

  /** Fetches `path`, returning the response and the app_log records it logged (kept out of the test output). */
  async function fetchLogged(server: Awaited<ReturnType<typeof serve>>, path: string) {
    const records: LogRecord[] = [];
    const filter = (record: LogRecord) => {
      records.push(record);
      return false;
    };
    log.app_log.addFilter(filter);
    try {
      return { response: await server.fetch(path), records };
    } finally {
      log.app_log.removeFilter(filter);
    }
  }

  test("in debug mode, a Python-ism template is a 500 whose log shows the ParseError", async () => {
    const server = await serve(routes, { template_path: dir, debug: true });
    const { response, records } = await fetchLogged(server, "/percent");
    expect(response.code).toBe(500);
    expect(records).toHaveLength(1);
    const error = records[0].exc_info;
    expect(error).toBeInstanceOf(ParseError);
    expect((error as Error).message).toBe(
      `Python's "%" formatting ("%s" % x) is not JavaScript: write a template literal ("\`\${x}\`"), ` +
        `or "locale.percent_format(s, { name: x })" for "%(name)s" at percent.html:3`,
    );
    expect(response.text).toContain("ParseError: Python&#x27;s &quot;%&quot; formatting");
    expect(response.text).toContain("at percent.html:3");
  });

  test("debug mode is strict: {{ None }} is a ParseError at compile time", async () => {
    const server = await serve(routes, { template_path: dir, debug: true });
    const { response, records } = await fetchLogged(server, "/named");
    expect(response.code).toBe(500);
    expect(records[0].exc_info).toBeInstanceOf(ParseError);
    expect((records[0].exc_info as Error).message).toBe(
      `Python's "True" is not JavaScript: write "true" at named.html:2`,
    );
  });

  test("outside debug mode the client gets a bare 500, no message and no stack", async () => {
    const server = await serve(routes, { template_path: dir });
    const { response, records } = await fetchLogged(server, "/percent");
    expect(response.code).toBe(500);
    expect(response.text).toBe(
      "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>",
    );
    expect((records[0].exc_info as Error).message).toMatch(/"%" formatting .* at percent\.html:3$/);
  });

  test("outside debug mode a Python name fails when read, with the hint in the log", async () => {
    const server = await serve(routes, { template_path: dir });
    const { response, records } = await fetchLogged(server, "/none");
    expect(response.code).toBe(500);
    expect(response.text).not.toMatch(/None|at |\.html/);
    // `is` is refused at compile time whatever the mode.
    expect((records[0].exc_info as Error).message).toMatch(/"x === y" .* at none\.html:1$/);
    const strictless = await fetchLogged(server, "/named");
    expect(strictless.response.code).toBe(500);
    expect((strictless.records[0].exc_info as Error).message).toBe(
      `True is not defined: Python's "True" is not JavaScript: write "true" (at named.html:2)`,
    );
  });

  test("a JavaScript template renders in debug mode", async () => {
    const server = await serve(routes, { template_path: dir, debug: true });
    const response = await server.fetch("/fine");
    expect(response.code).toBe(200);
    expect(response.text).toBe("<p>Ada! 3</p>\n");
  });
});
