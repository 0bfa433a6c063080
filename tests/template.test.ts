import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BaseLoader, DictLoader, Loader, ParseError, Template, filter_whitespace, linkify } from "../src/template";
import type { LinkifyOptions } from "../src/template";

/** Renders a template string (or a compiled template) to text. */
function render(source: string | Template, kwargs: Record<string, unknown> = {}): string {
  const template = typeof source === "string" ? new Template(source) : source;
  return template.generate(kwargs).toString("utf8");
}

/** Runs `fn` and returns what it threw; fails if it did not throw. */
function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an exception");
}

const FIXTURES = join(__dirname, "fixtures", "templates");

describe("Template: expressions and text", () => {
  test("substitutes a variable", () => {
    expect(new Template("Hello {{ name }}!").generate({ name: "Ben" })).toEqual(Buffer.from("Hello Ben!"));
  });

  test("generate returns bytes (a Buffer)", () => {
    expect(Buffer.isBuffer(new Template("x").generate())).toBe(true);
  });

  test("decodes a Buffer value as UTF-8", () => {
    expect(render("Hello {{ name }}!", { name: Buffer.from("B\u00e9n") })).toBe("Hello B\u00e9n!");
  });

  test("evaluates JavaScript expressions", () => {
    expect(render("2 + 2 = {{ 2 + 2 }}")).toBe("2 + 2 = 4");
    expect(render("{{ items.map((i) => i * 2).join('|') }}", { items: [1, 2] })).toBe("2|4");
  });

  test("prints non-strings with String() and null/undefined as nothing", () => {
    expect(
      render("[{{ a }}][{{ b }}][{{ c }}][{{ d }}][{{ e }}]", { a: null, b: undefined, c: 0, d: false, e: [1, 2] }),
    ).toBe("[][][0][false][1,2]");
  });

  test("drops {# comments #}", () => {
    expect(render("Hello{# TODO i18n #} {{ name }}!", { name: "Ben" })).toBe("Hello Ben!");
  });

  test("{% comment %} drops the rest of its tag and needs no end", () => {
    expect(render("{% comment blah blah %}foo")).toBe("foo");
  });

  test("{{! {%! {#! print the delimiters literally", () => {
    expect(render("{{!")).toBe("{{");
    expect(render("{%!")).toBe("{%");
    expect(render("{#!")).toBe("{#");
    expect(render("{{ 'expr' }} {{!jquery expr}}")).toBe("expr {{jquery expr}}");
  });

  test("an unclosed {{ or {% is a parse error", () => {
    expect(() => new Template("{{")).toThrow(ParseError);
    expect(() => new Template("{%")).toThrow(ParseError);
  });

  test("with three braces in a row the innermost two open the expression", () => {
    expect(render("\\textbf{{{ x }}}", { x: "y" })).toBe("\\textbf{y}");
  });

  test("accepts a UTF-8 Buffer as the template text", () => {
    expect(render(new Template(Buffer.from("\u00e9")))).toBe("\u00e9");
  });

  test("non-ASCII string literals in expressions come out as UTF-8", () => {
    expect(new Template('{{ "\u00e9" }}').generate()).toEqual(Buffer.from("\u00e9", "utf8"));
  });

  test("{% raw %} prints without escaping", () => {
    expect(render("{% raw x %}|{{ x }}", { x: "<b>" })).toBe("<b>|&lt;b&gt;");
  });

  test("{% module expr %} prints modules.<expr> unescaped", () => {
    const modules = { Entry: (title: string) => `<h1>${title}</h1>` };
    expect(render("{% module Entry('Hi') %}", { modules })).toBe("<h1>Hi</h1>");
  });

  test("exposes the generated JavaScript as code", () => {
    const template = new Template("{{ x }}");
    expect(template.code).toContain("function _tt_execute");
    expect(template.name).toBe("<string>");
  });
});

describe("Template: control flow", () => {
  test("if / else", () => {
    const template = new Template("{% if x > 4 %}yes{% else %}no{% end %}");
    expect(render(template, { x: 5 })).toBe("yes");
    expect(render(template, { x: 3 })).toBe("no");
  });

  test("elif picks the first true branch", () => {
    const template = new Template(
      "{% if n == 1 %}one{% elif n == 2 %}two{% elif n == 3 %}three{% else %}many{% end %}",
    );
    expect([1, 2, 3, 4].map((n) => render(template, { n }))).toEqual(["one", "two", "three", "many"]);
  });

  test("an if with empty branches renders nothing", () => {
    expect(render("{% if true %}{% else %}{% end %}")).toBe("");
  });

  test("for ... in iterates the values of an array, and for ... of too", () => {
    expect(render("{% for x in items %}<{{ x }}>{% end %}", { items: [1, 2, 3] })).toBe("<1><2><3>");
    expect(render("{% for x of items %}<{{ x }}>{% end %}", { items: [1, 2, 3] })).toBe("<1><2><3>");
  });

  test("for iterates strings, Sets, generators and Map entries", () => {
    function* gen() {
      yield "g1";
      yield "g2";
    }
    expect(render("{% for c in s %}{{ c }}.{% end %}", { s: "ab\u00e9" })).toBe("a.b.\u00e9.");
    expect(render("{% for x in s %}{{ x }}{% end %}", { s: new Set([1, 2]) })).toBe("12");
    expect(render("{% for x in g %}{{ x }}{% end %}", { g: gen() })).toBe("g1g2");
    expect(
      render("{% for k, v in m %}{{ k }}={{ v }};{% end %}", {
        m: new Map([
          ["a", 1],
          ["b", 2],
        ]),
      }),
    ).toBe("a=1;b=2;");
  });

  test("for over a plain object iterates its keys, as Python iterates a dict", () => {
    expect(render("{% for k in d %}{{ k }}={{ d[k] }};{% end %}", { d: { a: 1, b: 2 } })).toBe("a=1;b=2;");
  });

  test("for over something not iterable is a TypeError naming the template line", () => {
    const err = thrown(() => new Template("x\n{% for i in n %}{% end %}", { name: "loop.html" }).generate({ n: 5 }));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("number is not iterable (at loop.html:2)");
  });

  test("for unpacks tuples like Python, nested ones too", () => {
    expect(
      render("{% for k, v in pairs %}{{ k }}{{ v }}{% end %}", {
        pairs: [
          ["a", 1],
          ["b", 2],
        ],
      }),
    ).toBe("a1b2");
    expect(render("{% for (k, v) in pairs %}{{ k }}{{ v }}{% end %}", { pairs: [["a", 1]] })).toBe("a1");
    expect(
      render("{% for i, (k, v) in rows %}{{ i }}{{ k }}{{ v }} {% end %}", {
        rows: [
          [0, ["a", 1]],
          [1, ["b", 2]],
        ],
      }),
    ).toBe("0a1 1b2 ");
  });

  test("for accepts a JavaScript declaration and destructuring pattern", () => {
    expect(render("{% for const { a, b } of rows %}{{ a }}{{ b }}{% end %}", { rows: [{ a: 1, b: 2 }] })).toBe("12");
  });

  test("the loop variable stays visible after the loop, as in Python", () => {
    expect(render("{% for x in items %}{% end %}last={{ x }}", { items: [1, 2, 3] })).toBe("last=3");
  });

  test("break and continue", () => {
    const template = new Template(`\
{% for i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] %}
    {% if i == 2 %}
        {% continue %}
    {% end %}
    {{ i }}
    {% if i == 6 %}
        {% break %}
    {% end %}
{% end %}`);
    expect(render(template).replace(/\s+/g, "")).toBe("013456");
  });

  test("a for loop's else runs when the loop was not broken", () => {
    const template = new Template(
      "{% for x in items %}{{ x }}{% if x == stop %}{% break %}{% end %}{% else %}-done{% end %}",
    );
    expect(render(template, { items: [1, 2, 3], stop: 9 })).toBe("123-done");
    expect(render(template, { items: [1, 2, 3], stop: 2 })).toBe("12");
    expect(render(template, { items: [], stop: 2 })).toBe("-done");
  });

  test("break inside a loop's else belongs to the enclosing loop", () => {
    const template = new Template(
      "{% for a in [1, 2, 3] %}{{ a }}{% for b in [] %}{% else %}{% if a == 2 %}{% break %}{% end %}{% end %}{% end %}",
    );
    expect(render(template)).toBe("12");
  });

  test("while loops, with break and else", () => {
    expect(render("{% set i = 0 %}{% while i < 3 %}{{ i }}{% set i += 1 %}{% end %}")).toBe("012");
    expect(render("{% set i = 0 %}{% while i < 3 %}{% set i += 1 %}{% else %}done{{ i }}{% end %}")).toBe("done3");
    expect(
      render(
        "{% set i = 0 %}{% while true %}{% set i += 1 %}{% if i > 4 %}{% break %}{% end %}{% else %}no{% end %}{{ i }}",
      ),
    ).toBe("5");
  });

  test("set makes a template local visible afterwards, even when set inside a block", () => {
    expect(render("{% set x = 1 %}{{ x }}{% if true %}{% set x = 2 %}{% end %}{{ x }}")).toBe("12");
    expect(render("{% for i in [1, 2] %}{% set total = (total ?? 0) + i %}{% end %}{{ total }}")).toBe("3");
  });

  test("set unpacks tuples like Python", () => {
    expect(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}")).toBe("12");
    expect(render("{% set a, b = pair %}{{ b }}{{ a }}", { pair: ["x", "y"] })).toBe("yx");
    expect(render("{% set t = 1, 2 %}{{ t.length }}")).toBe("2");
  });

  test("set takes compound assignment and member targets", () => {
    expect(render("{% set n = 2 %}{% set n *= 5 %}{{ n }}")).toBe("10");
    expect(render("{% set obj.x = 7 %}{{ obj.x }}", { obj: {} })).toBe("7");
  });

  test("set shadows a namespace name without changing the caller's object", () => {
    const kwargs = { x: 1 };
    expect(render("{{ x }}{% set x = 2 %}{{ x }}", kwargs)).toBe("12");
    expect(kwargs.x).toBe(1);
  });

  test("try / except / else / finally", () => {
    const template = new Template(`{% try %}
try{% set y = check(x) %}
{% except %}-except
{% else %}-else
{% finally %}-finally
{% end %}`);
    const check = (x: number) => {
      if (x === 0) throw new RangeError("zero");
      return 1 / x;
    };
    expect(render(template, { x: 1, check })).toBe("\ntry\n-else\n-finally\n");
    expect(render(template, { x: 0, check })).toBe("\ntry-except\n-finally\n");
  });

  test("except e binds the error", () => {
    expect(
      render("{% try %}{{ boom() }}{% except e %}caught {{ e.message }}{% end %}", {
        boom: () => {
          throw new Error("bang");
        },
      }),
    ).toBe("caught bang");
  });

  test("except Type as e catches only that class; other errors go on", () => {
    const template = new Template(
      "{% try %}{{ boom() }}{% except TypeError as e %}type:{{ e.message }}{% except (RangeError, SyntaxError) as e %}range{% end %}",
    );
    expect(
      render(template, {
        boom: () => {
          throw new TypeError("t");
        },
      }),
    ).toBe("type:t");
    expect(
      render(template, {
        boom: () => {
          throw new RangeError("r");
        },
      }),
    ).toBe("range");
    expect(() =>
      render(template, {
        boom: () => {
          throw new URIError("u");
        },
      }),
    ).toThrow(URIError);
  });

  test("finally runs even when the error goes on", () => {
    const log: string[] = [];
    const template = new Template("{% try %}{{ boom() }}{% finally %}{{ note('finally') }}{% end %}");
    expect(() =>
      render(template, {
        boom: () => {
          throw new Error("x");
        },
        note: (s: string) => log.push(s),
      }),
    ).toThrow("x");
    expect(log).toEqual(["finally"]);
  });

  test("apply passes the block's output through a function", () => {
    const upper = (s: string) => s.toUpperCase();
    expect(render("{% apply upper %}foo{% end %}", { upper })).toBe("FOO");
    expect(render("{% apply upper %}foo \u00e9{% end %}", { upper })).toBe("FOO \u00c9");
  });

  test("apply takes a function returning bytes", () => {
    const upper = (s: string) => Buffer.from(s.toUpperCase(), "utf8");
    expect(render("{% apply upper %}foo \u00e9{% end %}", { upper })).toBe("FOO \u00c9");
  });

  test("apply's output is not escaped again, but expressions inside it are", () => {
    expect(render("{% apply f %}<i>{{ x }}</i>{% end %}", { f: (s: string) => `[${s}]`, x: "<" })).toBe(
      "[<i>&lt;</i>]",
    );
  });

  test("the applied block sees and sets the caller's variables", () => {
    expect(render("{% set a = 1 %}{% apply f %}{{ a }}{% set a = 2 %}{% end %}{{ a }}", { f: (s: string) => s })).toBe(
      "12",
    );
  });

  test("linkify is in the default namespace", () => {
    expect(render("{% raw linkify(text) %}", { text: "see http://a.com" })).toBe(
      'see <a href="http://a.com">http://a.com</a>',
    );
  });

  test("the default namespace has escape, xhtml_escape, url_escape, json_encode and squeeze", () => {
    expect(
      render(
        "{% autoescape None %}{{ escape('<') }} {{ xhtml_escape('&') }} {{ url_escape('a b/') }} {{ json_encode({a: 1}) }} {{ squeeze(' a  b ') }}",
      ),
    ).toBe('&lt; &amp; a+b%2F {"a": 1} a b');
  });
});

describe("Template: namespaces", () => {
  test("a loader's namespace is visible to its templates", () => {
    const loader = new DictLoader({ "test.html": "{{ inc(5) }}" }, { namespace: { inc: (x: number) => x + 1 } });
    expect(render(loader.load("test.html"))).toBe("6");
  });

  test("generate's arguments override the loader namespace, which overrides the defaults", () => {
    const loader = new DictLoader(
      { "t.html": "{{ a }}{{ b }}{% raw squeeze('x') %}" },
      { namespace: { a: "ns", b: "ns", squeeze: () => "mine" } },
    );
    expect(render(loader.load("t.html"), { b: "kw" })).toBe("nskwmine");
  });

  test("the same template renders with different sets of arguments", () => {
    const template = new Template("{{ typeof a }}-{{ typeof b }}");
    expect(render(template, { a: 1 })).toBe("number-undefined");
    expect(render(template, { b: "x" })).toBe("undefined-string");
    expect(render(template, { a: 1, b: "x" })).toBe("number-string");
    expect(render(template, { a: 1 })).toBe("number-undefined");
  });

  test("a template taking the typeof of a name compiles once more for callers that pass it, and never re-parses", () => {
    const template = new Template("{{ a }}{{ typeof b }}");
    const compile = jest.spyOn(globalThis, "Function");
    try {
      for (let i = 0; i < 3; i++) render(template, { a: i });
      expect(compile).toHaveBeenCalledTimes(0);
      for (let i = 0; i < 3; i++) render(template, { a: i, b: 1 });
      expect(compile).toHaveBeenCalledTimes(1);
      expect(render(template, { a: "again" })).toBe("againundefined");
      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
  });

  test("names starting _tt_ are reserved and not visible", () => {
    expect(render("{{ typeof _tt_secret }}", { _tt_secret: 1 })).toBe("undefined");
    expect(() => new Template("{% set _tt_out = 1 %}")).toThrow(/reserved/);
  });

  test("arguments that are not JavaScript identifiers are ignored, not errors", () => {
    expect(render("{{ a }}", { a: 1, "not-a-name": 2, class: 3, __proto__x: 4 })).toBe("1");
  });

  test("an undefined variable is a ReferenceError naming the template and line", () => {
    const loader = new DictLoader({ "page.html": "one\ntwo\n{{ missing_name }}" });
    const err = thrown(() => loader.load("page.html").generate());
    expect(err).toBeInstanceOf(ReferenceError);
    expect(err.message).toBe("missing_name is not defined (at page.html:3)");
  });
});

describe("Template: include, extends and blocks", () => {
  test("include", () => {
    const loader = new DictLoader({
      "index.html": '{% include "header.html" %}\nbody text',
      "header.html": "header text",
    });
    expect(render(loader.load("index.html"))).toBe("header text\nbody text");
  });

  test("an included template shares the caller's variables, both ways", () => {
    const loader = new DictLoader({
      "index.html": '{% set who = "World" %}{% include "hello.html" %} {{ after }}',
      "hello.html": "Hello {{ who }}!{% set after = 'set inside' %}",
    });
    expect(render(loader.load("index.html"))).toBe("Hello World! set inside");
  });

  test("extends replaces the parent's blocks with the child's", () => {
    const loader = new DictLoader({
      "base.html":
        "<title>{% block title %}default title{% end %}</title>\n<body>{% block body %}default body{% end %}</body>\n",
      "page.html":
        '{% extends "base.html" %}\n{% block title %}page title{% end %}\n{% block body %}page body{% end %}\n',
    });
    expect(render(loader.load("page.html"))).toBe("<title>page title</title>\n<body>page body</body>\n");
  });

  test("a block the child does not override renders the parent's default", () => {
    const loader = new DictLoader({
      "base.html": "[{% block a %}A{% end %}][{% block b %}B{% end %}]",
      "page.html": '{% extends "base.html" %}{% block b %}b{% end %}',
    });
    expect(render(loader.load("page.html"))).toBe("[A][b]");
  });

  test("content outside blocks in a child template is ignored", () => {
    const loader = new DictLoader({
      "base.html": "<{% block a %}{% end %}>",
      "page.html": '{% extends "base.html" %}ignored {{ boom() }}{% block a %}kept{% end %}ignored too',
    });
    expect(render(loader.load("page.html"))).toBe("<kept>");
  });

  test("extends works over several levels, the most derived block winning", () => {
    const loader = new DictLoader({
      "base.html":
        "{% block head %}base head{% end %}|{% block body %}base body{% end %}|{% block foot %}base foot{% end %}",
      "layout.html":
        '{% extends "base.html" %}{% block body %}layout body{% end %}{% block foot %}layout foot{% end %}',
      "page.html": '{% extends "layout.html" %}{% block foot %}page foot {{ n }}{% end %}',
    });
    expect(render(loader.load("page.html"), { n: 1 })).toBe("base head|layout body|page foot 1");
    expect(render(loader.load("layout.html"))).toBe("base head|layout body|layout foot");
  });

  test("include and extends resolve names relative to the including file", () => {
    const loader = new DictLoader({
      "a/1.html": "{% include '2.html' %}",
      "a/2.html": "{% include '../b/3.html' %}",
      "b/3.html": "ok",
    });
    expect(render(loader.load("a/1.html"))).toBe("ok");
  });

  test("templates with non-ASCII names load", () => {
    const loader = new DictLoader({ "t\u00e9st.html": "hello" });
    expect(render(loader.load("t\u00e9st.html"))).toBe("hello");
  });

  test("extends or include without a loader is a parse error", () => {
    expect(() => new Template('{% extends "base.html" %}')).toThrow(/no template loader/);
    expect(() => new Template('{% include "part.html" %}')).toThrow(/no template loader/);
  });

  test("a template that includes itself is a parse error, not a stack overflow", () => {
    const loader = new DictLoader({ "a.html": "{% include 'b.html' %}", "b.html": "x\n{% include 'a.html' %}" });
    const err = thrown(() => loader.load("a.html"));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.filename).toBe("b.html");
    expect(err.lineno).toBe(2);
  });

  test("a template that extends itself is a parse error", () => {
    const loader = new DictLoader({ "a.html": "{% extends 'a.html' %}" });
    expect(() => loader.load("a.html")).toThrow(ParseError);
  });

  test("a missing DictLoader template is an error naming it", () => {
    const loader = new DictLoader({ "a.html": "{% include 'nope.html' %}" });
    expect(() => loader.load("a.html")).toThrow(/nope\.html/);
  });
});

describe("runtime errors name the template and line (StackTraceTest)", () => {
  test("an error in an expression", () => {
    const loader = new DictLoader({ "test.html": "one\ntwo{{ boom() }}\nthree\n" });
    const original = new TypeError("bang");
    const err = thrown(() =>
      loader.load("test.html").generate({
        boom: () => {
          throw original;
        },
      }),
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("bang (at test.html:2)");
    expect(err.cause).toBe(original);
  });

  test("an error in a directive's condition", () => {
    const loader = new DictLoader({ "test.html": "one\ntwo{%if null.x %}\nthree{%end%}\n" });
    const err = thrown(() => loader.load("test.html").generate());
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/ \(at test\.html:2\)$/);
  });

  test("an error in an elif and a while condition points at that line", () => {
    const bad = () => {
      throw new Error("bad");
    };
    expect(
      thrown(() => render(new Template("{% if false %}\n{% elif bad() %}{% end %}", { name: "e.html" }), { bad }))
        .message,
    ).toBe("bad (at e.html:2)");
    expect(
      thrown(() => render(new Template("\n\n{% while bad() %}{% end %}", { name: "w.html" }), { bad })).message,
    ).toBe("bad (at w.html:3)");
  });

  test("an error in a template rendered by a module names both templates", () => {
    const loader: DictLoader = new DictLoader(
      { "base.html": "{% module Template('sub.html') %}", "sub.html": "{{ null.x }}" },
      { namespace: { modules: { Template: (name: string) => loader.load(name).generate() } } },
    );
    const err = thrown(() => loader.load("base.html").generate());
    expect(err.message).toMatch(/\(at sub\.html:1\) \(at base\.html:1\)$/);
  });

  test("an error in an included template names the include chain", () => {
    const loader = new DictLoader({ "base.html": "{% include 'sub.html' %}", "sub.html": "{{ null.x }}" });
    expect(thrown(() => loader.load("base.html").generate()).message).toMatch(/\(at sub\.html:1 via base\.html:1\)$/);
  });

  test("an error in a base template's block", () => {
    const loader = new DictLoader({ "base.html": "{{ null.x }}", "sub.html": "{% extends 'base.html' %}" });
    expect(thrown(() => loader.load("sub.html").generate()).message).toMatch(/\(at base\.html:1\)$/);
  });

  test("an error in a child's block names the child line and the block's place in the parent", () => {
    const loader = new DictLoader({
      "base.html": "{% block 'block' %}{% end %}",
      "sub.html": "\n{% extends 'base.html' %}\n{% block 'block' %}\n{{ null.x }}\n{% end %}\n",
    });
    expect(thrown(() => loader.load("sub.html").generate()).message).toMatch(/\(at sub\.html:4 via base\.html:1\)$/);
  });

  test("an error in a block of the same file names just that file", () => {
    const loader = new DictLoader({ "b.html": "\n{% block x %}\n{{ null.x }}{% end %}" });
    expect(thrown(() => loader.load("b.html").generate()).message).toMatch(/\(at b\.html:3\)$/);
  });

  test("an error through several includes lists them innermost first", () => {
    const loader = new DictLoader({
      "a.html": "{% include 'b.html' %}",
      "b.html": "{% include 'c.html' %}",
      "c.html": "{{ null.x }}",
    });
    expect(thrown(() => loader.load("a.html").generate()).message).toMatch(
      /\(at c\.html:1 via b\.html:1, a\.html:1\)$/,
    );
  });

  test("a custom Error subclass keeps its class and fields", () => {
    class HTTPishError extends Error {
      constructor(readonly status_code: number) {
        super(`HTTP ${status_code}`);
        this.name = "HTTPishError";
      }
    }
    const original = new HTTPishError(404);
    const err = thrown(() =>
      render(new Template("{{ fail() }}", { name: "h.html" }), {
        fail: () => {
          throw original;
        },
      }),
    );
    expect(err).toBeInstanceOf(HTTPishError);
    expect(err.status_code).toBe(404);
    expect(err.message).toBe("HTTP 404 (at h.html:1)");
    expect(err.cause).toBe(original);
    expect(err.stack).toContain("HTTPishError: HTTP 404 (at h.html:1)");
  });

  test("a thrown non-Error becomes an Error with the value as cause", () => {
    const err = thrown(() =>
      render(new Template("{{ fail() }}", { name: "s.html" }), {
        fail: () => {
          throw "oops";
        },
      }),
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe("oops (at s.html:1)");
    expect(err.cause).toBe("oops");
  });

  test("an error caught by {% try %} reaches the template unchanged", () => {
    const original = new Error("raw");
    expect(
      render("{% try %}{{ f() }}{% except e %}{{ e === original }}{% end %}", {
        f: () => {
          throw original;
        },
        original,
      }),
    ).toBe("true");
  });
});

describe("ParseError", () => {
  test("names file and line (ParseErrorDetailTest)", () => {
    const loader = new DictLoader({ "foo.html": "\n\n{{" });
    const err = thrown(() => loader.load("foo.html"));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toBe("Missing end expression }} at foo.html:3");
    expect(err.filename).toBe("foo.html");
    expect(err.lineno).toBe(3);
  });

  test("built by hand, it defaults to null:0", () => {
    const err = new ParseError("asdf");
    expect(err.message).toBe("asdf at null:0");
    expect(err.name).toBe("ParseError");
    expect(err).toBeInstanceOf(Error);
  });

  test.each([
    ["a\nb\n{% if x %}never closed", "Missing {% end %} block for if at page.html:3"],
    ["{% for x in y %}", "Missing {% end %} block for for at page.html:1"],
    ["{% end %}", "Extra {% end %} block at page.html:1"],
    ["\n{% frobnicate %}", "unknown operator: 'frobnicate' at page.html:2"],
    ["{% else %}", "{% else %} outside an if, for, while or try block at page.html:1"],
    ["{% for x in y %}{% elif z %}{% end %}", "{% elif %} block cannot be attached to for block at page.html:1"],
    ["{% if a %}{% else %}{% elif b %}{% end %}", "{% elif %} after {% else %} at page.html:1"],
    ["{% try %}{% else %}{% end %}", "{% else %} in a try block needs an {% except %} before it at page.html:1"],
    ["{% try %}x{% end %}", "try block needs an {% except %} or a {% finally %} at page.html:1"],
    [
      "{% try %}{% except %}{% except TypeError as e %}{% end %}",
      "a catch-all {% except %} must be the last one at page.html:1",
    ],
    ["{% break %}", "{% break %} outside a for or while loop at page.html:1"],
    ["{{ }}", "Empty expression at page.html:1"],
    ["{% %}", "Empty block tag ({% %}) at page.html:1"],
    ["{# unclosed", "Missing end comment #} at page.html:1"],
    ["{% if x", "Missing end block %} at page.html:1"],
    ["{% whitespace sometimes %}", "invalid whitespace mode sometimes at page.html:1"],
    ["{% block %}{% end %}", "block missing name at page.html:1"],
    ["{% apply %}{% end %}", "apply missing method name at page.html:1"],
    ["{% set %}", "set missing statement at page.html:1"],
    ["{% for x %}{% end %}", "for expects a target and an iterable: {% for x in items %} at page.html:1"],
    [
      "{% if true %}{% extends 'b.html' %}{% end %}",
      "{% extends %} must be at the top level of the template at page.html:1",
    ],
  ])("%p -> %p", (source, message) => {
    const loader = new DictLoader({ "page.html": source, "b.html": "" });
    const err = thrown(() => loader.load("page.html"));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toBe(message);
  });

  test("break inside apply is a parse error, as in Tornado", () => {
    expect(() => new Template("{% for i in [] %}{% apply foo %}{% break %}{% end %}{% end %}")).toThrow(ParseError);
  });

  test("import and from are not supported, with a message that says so", () => {
    expect(() => new Template("{% import os %}")).toThrow(/\{% import %\} is not supported/);
    expect(() => new Template("{% from os import path %}")).toThrow(/\{% from %\} is not supported/);
  });

  test("a JavaScript syntax error in an expression is a ParseError with file and line", () => {
    const loader = new DictLoader({ "bad.html": "ok {{ 1 }}\n\n{{ a + }}" });
    const err = thrown(() => loader.load("bad.html"));
    expect(err).toBeInstanceOf(ParseError);
    expect(err.filename).toBe("bad.html");
    expect(err.lineno).toBe(3);
    expect(err.message).toMatch(/in expression `a \+` at bad\.html:3$/);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  test("a JavaScript syntax error in a directive is a ParseError with file and line", () => {
    expect(thrown(() => new Template("\n{% if a b %}{% end %}", { name: "x.html" })).message).toMatch(
      /if condition `a b` at x\.html:2$/,
    );
    expect(thrown(() => new Template("{% set x = = 1 %}", { name: "x.html" })).message).toMatch(
      /set statement .* at x\.html:1$/,
    );
    expect(thrown(() => new Template("\n\n{% for x in [1, %}{% end %}", { name: "x.html" })).lineno).toBe(3);
  });

  test("a syntax error in a child's block names the child", () => {
    const loader = new DictLoader({
      "base.html": "{% block a %}{% end %}",
      "page.html": "{% extends 'base.html' %}\n{% block a %}{{ ) }}{% end %}",
    });
    const err = thrown(() => loader.load("page.html"));
    expect([err.filename, err.lineno]).toEqual(["page.html", 2]);
  });

  test("a trailing line comment in an expression does not swallow the generated code", () => {
    expect(render("{{ 1 + 1 // two }}")).toBe("2");
  });
});

describe("autoescape (AutoEscapeTest)", () => {
  const templates = {
    "escaped.html": "{% autoescape xhtml_escape %}{{ name }}",
    "unescaped.html": "{% autoescape None %}{{ name }}",
    "default.html": "{{ name }}",
    "include.html":
      "escaped: {% include 'escaped.html' %}\nunescaped: {% include 'unescaped.html' %}\ndefault: {% include 'default.html' %}\n",
    "escaped_block.html": "{% autoescape xhtml_escape %}{% block name %}base: {{ name }}{% end %}",
    "unescaped_block.html": "{% autoescape None %}{% block name %}base: {{ name }}{% end %}",
    "escaped_extends_unescaped.html": '{% autoescape xhtml_escape %}{% extends "unescaped_block.html" %}',
    "escaped_overrides_unescaped.html":
      '{% autoescape xhtml_escape %}{% extends "unescaped_block.html" %}{% block name %}extended: {{ name }}{% end %}',
    "unescaped_extends_escaped.html": '{% autoescape None %}{% extends "escaped_block.html" %}',
    "unescaped_overrides_escaped.html":
      '{% autoescape None %}{% extends "escaped_block.html" %}{% block name %}extended: {{ name }}{% end %}',
    "raw_expression.html": "{% autoescape xhtml_escape %}expr: {{ name }}\nraw: {% raw name %}",
  };

  test("loader autoescape null turns escaping off except where a file turns it on", () => {
    const loader = new DictLoader(templates, { autoescape: null });
    const name = "Bobby <table>s";
    expect(render(loader.load("escaped.html"), { name })).toBe("Bobby &lt;table&gt;s");
    expect(render(loader.load("unescaped.html"), { name })).toBe("Bobby <table>s");
    expect(render(loader.load("default.html"), { name })).toBe("Bobby <table>s");
    expect(render(loader.load("include.html"), { name })).toBe(
      "escaped: Bobby &lt;table&gt;s\nunescaped: Bobby <table>s\ndefault: Bobby <table>s\n",
    );
  });

  test("loader autoescape xhtml_escape escapes except where a file turns it off", () => {
    const loader = new DictLoader(templates, { autoescape: "xhtml_escape" });
    const name = "Bobby <table>s";
    expect(render(loader.load("escaped.html"), { name })).toBe("Bobby &lt;table&gt;s");
    expect(render(loader.load("unescaped.html"), { name })).toBe("Bobby <table>s");
    expect(render(loader.load("default.html"), { name })).toBe("Bobby &lt;table&gt;s");
    expect(render(loader.load("include.html"), { name })).toBe(
      "escaped: Bobby &lt;table&gt;s\nunescaped: Bobby <table>s\ndefault: Bobby &lt;table&gt;s\n",
    );
  });

  test("a block not overridden keeps its own file's autoescape", () => {
    const loader = new DictLoader(templates);
    expect(render(loader.load("escaped_block.html"), { name: "<script>" })).toBe("base: &lt;script&gt;");
    expect(render(loader.load("unescaped_block.html"), { name: "<script>" })).toBe("base: <script>");
  });

  test("an overriding block uses the child's autoescape, an inherited one the parent's", () => {
    const loader = new DictLoader(templates);
    const r = (name: string) => render(loader.load(name), { name: "<script>" });
    expect(r("escaped_extends_unescaped.html")).toBe("base: <script>");
    expect(r("escaped_overrides_unescaped.html")).toBe("extended: &lt;script&gt;");
    expect(r("unescaped_extends_escaped.html")).toBe("base: &lt;script&gt;");
    expect(r("unescaped_overrides_escaped.html")).toBe("extended: <script>");
  });

  test("raw output is not escaped", () => {
    const loader = new DictLoader(templates);
    expect(render(loader.load("raw_expression.html"), { name: '<>&"' })).toBe('expr: &lt;&gt;&amp;&quot;\nraw: <>&"');
  });

  test("a custom autoescape function from the namespace gets the text", () => {
    const loader = new DictLoader({ "foo.py": "{% autoescape js_escape %}s = {{ name }}\n" });
    const seen: unknown[] = [];
    const js_escape = (s: unknown) => {
      seen.push(typeof s);
      return JSON.stringify(s);
    };
    const r = (name: unknown) => render(loader.load("foo.py"), { js_escape, name });
    expect(r("<html>")).toBe('s = "<html>"\n');
    expect(r("';process.exit()")).toBe(`s = "';process.exit()"\n`);
    expect(r(["not a string"])).toBe('s = "not a string"\n');
    expect(seen).toEqual(["string", "string", "string"]);
  });

  test("Template option autoescape null turns escaping off", () => {
    expect(render(new Template("{{ x }}", { autoescape: null }), { x: "<b>" })).toBe("<b>");
  });

  test("the autoescape function is looked up in the namespace by name", () => {
    expect(render(new Template("{{ x }}"), { x: "<b>", xhtml_escape: (s: string) => `[${s}]` })).toBe("[<b>]");
    expect(() => render(new Template("{{ x }}", { autoescape: "nope", name: "n.html" }), { x: 1 })).toThrow(
      "nope is not defined (at n.html:1)",
    );
  });

  test("an {% autoescape %} directive applies to the whole file, as in Tornado", () => {
    expect(render("{{ x }}{% autoescape None %}{{ x }}", { x: "<" })).toBe("<<");
  });
});

describe("template injection is defeated by autoescape", () => {
  test("a <script> in a value is escaped", () => {
    expect(render("<p>{{ bio }}</p>", { bio: "<script>alert(1)</script>" })).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    );
  });

  test("quotes cannot break out of an attribute", () => {
    expect(render(`<a title="{{ t }}" alt='{{ t }}'>`, { t: `x" onmouseover="evil()' y` })).toBe(
      `<a title="x&quot; onmouseover=&quot;evil()&#x27; y" alt='x&quot; onmouseover=&quot;evil()&#x27; y'>`,
    );
  });

  test("template syntax inside a value is printed as text, never evaluated", () => {
    const secret = "s3cret";
    const value = "{{ secret }} {% raw secret %} {# x #} {% include x.html %} {{! y }}";
    expect(render("{{ v }}", { v: value, secret })).toBe(value);
    expect(render("{% raw v %}", { v: value, secret })).toBe(value);
  });

  test("JavaScript inside a value is data, not code", () => {
    expect(render("{{ v }}", { v: "${process.exit(1)}`); process.exit(1); (`" })).toBe(
      "${process.exit(1)}`); process.exit(1); (`",
    );
  });

  test("json_encode keeps a </script> in a value from closing the script element", () => {
    expect(render("<script>var d = {% raw json_encode(d) %};</script>", { d: { s: "</script><script>evil()" } })).toBe(
      '<script>var d = {"s": "<\\/script><script>evil()"};</script>',
    );
  });
});

describe("whitespace", () => {
  test("filter_whitespace modes", () => {
    const text = "  a \t b\n\n  c\t\n";
    expect(filter_whitespace("all", text)).toBe(text);
    expect(filter_whitespace("single", text)).toBe(" a b\nc\n");
    expect(filter_whitespace("oneline", text)).toBe(" a b c ");
    expect(() => filter_whitespace("bogus", text)).toThrow("invalid whitespace mode bogus");
  });

  test("whitespace inside tags can be used to keep it out of the output", () => {
    const loader = new DictLoader({
      "foo.txt": "{% for i in items\n  %}{% if i > 0 %}, {% end %}{#\n  #}{{i\n  }}{% end\n%}",
    });
    expect(render(loader.load("foo.txt"), { items: [0, 1, 2, 3, 4] })).toBe("0, 1, 2, 3, 4");
  });

  test("the default mode depends on the file name, per file even when included", () => {
    const loader = new DictLoader({
      "foo.html": "   \n\t\n asdf\t   ",
      "bar.js": " \n\n\n\t qwer     ",
      "baz.txt": "\t    zxcv\n\n",
      "include.html": "  {% include baz.txt %} \n ",
      "include.txt": "\t\t{% include foo.html %}    ",
    });
    expect(render(loader.load("foo.html"))).toBe("\nasdf ");
    expect(render(loader.load("bar.js"))).toBe("\nqwer ");
    expect(render(loader.load("baz.txt"))).toBe("\t    zxcv\n\n");
    expect(render(loader.load("include.html"))).toBe(" \t    zxcv\n\n\n");
    expect(render(loader.load("include.txt"))).toBe("\t\t\nasdf     ");
  });

  test("the loader's whitespace option applies to every file", () => {
    const templates = { "foo.html": "\t\tfoo\n\n", "bar.txt": "\t\tbar\n\n" };
    let loader = new DictLoader(templates, { whitespace: "all" });
    expect([render(loader.load("foo.html")), render(loader.load("bar.txt"))]).toEqual(["\t\tfoo\n\n", "\t\tbar\n\n"]);
    loader = new DictLoader(templates, { whitespace: "single" });
    expect([render(loader.load("foo.html")), render(loader.load("bar.txt"))]).toEqual([" foo\n", " bar\n"]);
    loader = new DictLoader(templates, { whitespace: "oneline" });
    expect([render(loader.load("foo.html")), render(loader.load("bar.txt"))]).toEqual([" foo ", " bar "]);
  });

  test("the whitespace directive changes the mode for the rest of the file", () => {
    const loader = new DictLoader({
      "foo.html":
        "{% whitespace oneline %}\n    {% for i in [0, 1, 2] %}\n        {{ i }}\n    {% end %}\n{% whitespace all %}\n    pre\tformatted\n",
    });
    expect(render(loader.load("foo.html"))).toBe("  0  1  2  \n    pre\tformatted\n");
  });

  test("text containing <pre> is left alone", () => {
    const loader = new DictLoader({ "p.html": "<pre>\n  a   b\n</pre>  {{ 1 }}   \n\n x" });
    expect(render(loader.load("p.html"))).toBe("<pre>\n  a   b\n</pre>  1\nx");
  });

  test("a Template's whitespace option overrides the file-name default", () => {
    expect(render(new Template("a   \n\n b", { name: "x.html", whitespace: "all" }))).toBe("a   \n\n b");
    expect(render(new Template("a   \n\n b", { name: "x.txt", whitespace: "oneline" }))).toBe("a b");
    expect(() => new Template("", { whitespace: "bogus" })).toThrow("invalid whitespace mode bogus");
  });
});

describe("Loader over a directory (TemplateLoaderTest)", () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "tornado-ts-templates-"));
    mkdirSync(join(root, "templates"));
    mkdirSync(join(root, "templates", "sub"));
    writeFileSync(join(root, "secret.txt"), "top secret");
    writeFileSync(join(root, "templates", "base.html"), "<h1>{% block title %}Base{% end %}</h1>");
    writeFileSync(
      join(root, "templates", "sub", "page.html"),
      '{% extends "../base.html" %}{% block title %}{% include "part.html" %}{% end %}',
    );
    writeFileSync(join(root, "templates", "sub", "part.html"), "Part {{ n }}");
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("reads UTF-8 files", () => {
    const loader = new Loader(FIXTURES);
    expect(render(loader.load("utf8.html")).trim()).toBe("H\u00e9llo");
  });

  test("resolves extends and include relative to the file, from the fixtures directory", () => {
    const loader = new Loader(FIXTURES);
    expect(render(loader.load("page.html"), { source: "<fixture>" })).toBe("<title>From &lt;fixture&gt;</title>\n");
  });

  test("resolves extends and include relative to the file, in a temp directory", () => {
    const loader = new Loader(join(root, "templates"));
    expect(render(loader.load("sub/page.html"), { n: 7 })).toBe("<h1>Part 7</h1>");
    expect([...loader.templates.keys()].sort()).toEqual(["base.html", "sub/page.html", "sub/part.html"]);
  });

  test("refuses a name that leaves the root directory", () => {
    const loader = new Loader(join(root, "templates"));
    expect(() => loader.load("../secret.txt")).toThrow(/outside the template directory/);
    expect(() => loader.load(join(root, "secret.txt"))).toThrow(/outside the template directory/);
    expect(() => loader.load("sub/../../secret.txt")).toThrow(/outside the template directory/);
  });

  test("refuses an include that leaves the root directory", () => {
    writeFileSync(join(root, "templates", "evil.html"), '{% include "../secret.txt" %}');
    const loader = new Loader(join(root, "templates"));
    expect(() => loader.load("evil.html")).toThrow(/outside the template directory/);
  });

  test("caches: loading twice returns the same Template", () => {
    const loader = new Loader(join(root, "templates"));
    expect(loader.load("base.html")).toBe(loader.load("base.html"));
    expect(loader.load("part.html", "sub/page.html")).toBe(loader.load("sub/part.html"));
  });

  test("a changed file is read again only after reset()", () => {
    const loader = new Loader(join(root, "templates"));
    expect(render(loader.load("base.html"))).toBe("<h1>Base</h1>");
    writeFileSync(join(root, "templates", "base.html"), "<h2>{% block title %}Changed{% end %}</h2>");
    expect(render(loader.load("base.html"))).toBe("<h1>Base</h1>");
    loader.reset();
    expect(render(loader.load("base.html"))).toBe("<h2>Changed</h2>");
  });

  test("a missing file throws ENOENT", () => {
    const loader = new Loader(join(root, "templates"));
    expect(thrown(() => loader.load("nope.html")).code).toBe("ENOENT");
  });

  test("a file that is not UTF-8 is an error naming it", () => {
    writeFileSync(join(root, "templates", "latin1.html"), Buffer.from([0x48, 0xe9, 0x0a]));
    const loader = new Loader(join(root, "templates"));
    expect(() => loader.load("latin1.html")).toThrow(/latin1\.html/);
  });
});

describe("loaders", () => {
  test("DictLoader caches until reset()", () => {
    const dict: Record<string, string> = { "a.html": "one" };
    const loader = new DictLoader(dict);
    const first = loader.load("a.html");
    expect(loader.load("a.html")).toBe(first);
    dict["a.html"] = "two";
    expect(render(loader.load("a.html"))).toBe("one");
    loader.reset();
    expect(render(loader.load("a.html"))).toBe("two");
  });

  test("a template loaded by a loader knows its name and loader", () => {
    const loader = new DictLoader({ "a.html": "" }, { namespace: { x: 1 } });
    const template = loader.load("a.html");
    expect(template.name).toBe("a.html");
    expect(template.loader).toBe(loader);
    expect(template.namespace).toEqual({ x: 1 });
    expect(template.autoescape).toBe("xhtml_escape");
  });

  test("a BaseLoader subclass implements resolve_path and _create_template", () => {
    class UpperLoader extends BaseLoader {
      override resolve_path(name: string): string {
        return name.toUpperCase();
      }
      protected override _create_template(name: string): Template {
        return new Template(`name={{ "${name}" }}`, { name, loader: this });
      }
    }
    const loader = new UpperLoader();
    expect(render(loader.load("x"))).toBe("name=X");
    expect(loader.load("X")).toBe(loader.load("x"));
  });

  test("BaseLoader alone cannot load", () => {
    expect(() => new BaseLoader().load("x")).toThrow(/resolve_path/);
  });

  test("an invalid whitespace mode on a loader throws at construction", () => {
    expect(() => new DictLoader({}, { whitespace: "bogus" })).toThrow("invalid whitespace mode bogus");
  });
});

describe("linkify", () => {
  const cases: Array<[string, LinkifyOptions, string]> = [
    ["hello http://world.com/!", {}, 'hello <a href="http://world.com/">http://world.com/</a>!'],
    [
      "hello http://world.com/with?param=true&stuff=yes",
      {},
      'hello <a href="http://world.com/with?param=true&amp;stuff=yes">http://world.com/with?param=true&amp;stuff=yes</a>',
    ],
    [
      "http://url.com/w(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      {},
      '<a href="http://url.com/w">http://url.com/w</a>(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ],
    [
      "http://url.com/withmany.......................................",
      {},
      '<a href="http://url.com/withmany">http://url.com/withmany</a>.......................................',
    ],
    [
      "http://url.com/withmany((((((((((((((((((((((((((((((((((a)",
      {},
      '<a href="http://url.com/withmany">http://url.com/withmany</a>((((((((((((((((((((((((((((((((((a)',
    ],
    ["http://foo.com/blah_blah", {}, '<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>'],
    ["http://foo.com/blah_blah/", {}, '<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>'],
    [
      "(Something like http://foo.com/blah_blah)",
      {},
      '(Something like <a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>)',
    ],
    [
      "http://foo.com/blah_blah_(wikipedia)",
      {},
      '<a href="http://foo.com/blah_blah_(wikipedia)">http://foo.com/blah_blah_(wikipedia)</a>',
    ],
    [
      "http://foo.com/blah_(blah)_(wikipedia)_blah",
      {},
      '<a href="http://foo.com/blah_(blah)_(wikipedia)_blah">http://foo.com/blah_(blah)_(wikipedia)_blah</a>',
    ],
    [
      "(Something like http://foo.com/blah_blah_(wikipedia))",
      {},
      '(Something like <a href="http://foo.com/blah_blah_(wikipedia)">http://foo.com/blah_blah_(wikipedia)</a>)',
    ],
    ["http://foo.com/blah_blah.", {}, '<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>.'],
    ["http://foo.com/blah_blah/.", {}, '<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>.'],
    ["<http://foo.com/blah_blah>", {}, '&lt;<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>&gt;'],
    ["<http://foo.com/blah_blah/>", {}, '&lt;<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>&gt;'],
    ["http://foo.com/blah_blah,", {}, '<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>,'],
    [
      "http://www.example.com/wpstyle/?p=364.",
      {},
      '<a href="http://www.example.com/wpstyle/?p=364">http://www.example.com/wpstyle/?p=364</a>.',
    ],
    ["rdar://1234", { permitted_protocols: ["http", "rdar"] }, '<a href="rdar://1234">rdar://1234</a>'],
    ["rdar:/1234", { permitted_protocols: ["rdar"] }, '<a href="rdar:/1234">rdar:/1234</a>'],
    [
      "http://userid:password@example.com:8080",
      {},
      '<a href="http://userid:password@example.com:8080">http://userid:password@example.com:8080</a>',
    ],
    ["http://userid@example.com", {}, '<a href="http://userid@example.com">http://userid@example.com</a>'],
    [
      "http://userid@example.com:8080",
      {},
      '<a href="http://userid@example.com:8080">http://userid@example.com:8080</a>',
    ],
    [
      "http://userid:password@example.com",
      {},
      '<a href="http://userid:password@example.com">http://userid:password@example.com</a>',
    ],
    [
      "message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e",
      { permitted_protocols: ["http", "message"] },
      '<a href="message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e">' +
        "message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e</a>",
    ],
    ["http://\u27a1.ws/\u4a39", {}, '<a href="http://\u27a1.ws/\u4a39">http://\u27a1.ws/\u4a39</a>'],
    ["<tag>http://example.com</tag>", {}, '&lt;tag&gt;<a href="http://example.com">http://example.com</a>&lt;/tag&gt;'],
    ["Just a www.example.com link.", {}, 'Just a <a href="http://www.example.com">www.example.com</a> link.'],
    ["Just a www.example.com link.", { require_protocol: true }, "Just a www.example.com link."],
    [
      "A http://reallylong.com/link/that/exceedsthelenglimit.html",
      { require_protocol: true, shorten: true },
      'A <a href="http://reallylong.com/link/that/exceedsthelenglimit.html"' +
        ' title="http://reallylong.com/link/that/exceedsthelenglimit.html">http://reallylong.com/link...</a>',
    ],
    [
      "A http://reallylongdomainnamethatwillbetoolong.com/hi!",
      { shorten: true },
      'A <a href="http://reallylongdomainnamethatwillbetoolong.com/hi"' +
        ' title="http://reallylongdomainnamethatwillbetoolong.com/hi">http://reallylongdomainnametha...</a>!',
    ],
    [
      "A file:///passwords.txt and http://web.com link",
      {},
      'A file:///passwords.txt and <a href="http://web.com">http://web.com</a> link',
    ],
    [
      "A file:///passwords.txt and http://web.com link",
      { permitted_protocols: ["file"] },
      'A <a href="file:///passwords.txt">file:///passwords.txt</a> and http://web.com link',
    ],
    [
      "www.external-link.com",
      { extra_params: 'rel="nofollow" class="external"' },
      '<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>',
    ],
    [
      "www.external-link.com and www.internal-link.com/blogs extra",
      {
        extra_params: (href) =>
          href.startsWith("http://www.internal-link.com") ? 'class="internal"' : 'rel="nofollow" class="external"',
      },
      '<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>' +
        ' and <a href="http://www.internal-link.com/blogs" class="internal">www.internal-link.com/blogs</a> extra',
    ],
    [
      "www.external-link.com",
      { extra_params: () => '    rel="nofollow" class="external"  ' },
      '<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>',
    ],
  ];

  test.each(cases)("linkify(%p, %p)", (text, options, html) => {
    expect(linkify(text, options)).toBe(html);
  });

  test("takes Tornado's positional arguments too", () => {
    expect(linkify("www.a.com", false, 'rel="x"', false, ["http"])).toBe(
      '<a href="http://www.a.com" rel="x">www.a.com</a>',
    );
    expect(linkify("www.a.com", false, "", true)).toBe("www.a.com");
  });

  test("never links a javascript: URL by default", () => {
    expect(linkify("javascript://alert(1)")).toBe("javascript://alert(1)");
  });
});
