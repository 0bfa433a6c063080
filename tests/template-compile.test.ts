/**
 * A template is compiled once, not once per set of names its callers pass (issue 13): each name
 * its code reads is looked up on every call, and one found nowhere still raises where it is read.
 */
import { DictLoader, Template } from "../src/template";
import { _templateStats } from "../src/template/template";

/** The error `fn` throws, checked to be a ReferenceError with `message`. */
function expectReferenceError(fn: () => unknown, message: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ReferenceError);
  expect((err as Error).message).toBe(message);
}

/** How many template functions `fn` compiled. */
function compilations(fn: () => void): number {
  const before = _templateStats.compilations;
  fn();
  return _templateStats.compilations - before;
}

const PAGE =
  "<h1>{{ title }}</h1>{% if show %}<ul>{% for item in items %}<li>{{ item.label }}</li>{% end %}</ul>{% end %}" +
  "<p>{{ footer }}</p>";

describe("template compilation", () => {
  test("many renders with varied extra kwargs compile the template once", () => {
    let template!: Template;
    const base = { title: "T & <u>", show: true, items: [{ label: "a" }, { label: "<b>" }], footer: "f" };
    const expected = "<h1>T &amp; &lt;u&gt;</h1><ul><li>a</li><li>&lt;b&gt;</li></ul><p>f</p>";
    const outputs = new Set<string>();
    const count = compilations(() => {
      template = new Template(PAGE);
      for (let i = 0; i < 200; i++) {
        // Each call passes a different set of names the template never reads, in varied order.
        const extra: Record<string, unknown> = { [`extra${i}`]: i, [`more${i % 7}`]: "x", label: "unread" };
        const kwargs = i % 2 ? { ...extra, ...base } : { ...base, ...extra };
        outputs.add(template.generate(kwargs).toString());
      }
    });
    expect(count).toBe(1);
    expect([...outputs]).toEqual([expected]);
  });

  test("a loaded template with the handler-like namespace compiles once whatever else is passed", () => {
    const loader = new DictLoader({ "page.html": PAGE }, { namespace: { footer: "from the loader" } });
    const count = compilations(() => {
      const template = loader.load("page.html");
      for (let i = 0; i < 100; i++) {
        const out = template.generate({ handler: {}, request: {}, [`k${i}`]: i, title: i, show: false }).toString();
        expect(out).toBe(`<h1>${i}</h1><p>from the loader</p>`);
      }
    });
    expect(count).toBe(1);
  });

  test("one compilation serves kwargs that pass, omit, or take from the loader and defaults the names read", () => {
    const loader = new DictLoader(
      { "p.html": "{{ title }}|{% if detail_shown %}{{ detail }}{% end %}|{% raw squeeze(note) %}" },
      { namespace: { note: "loader  note" } },
    );
    const count = compilations(() => {
      const template = loader.load("p.html");
      const render = (kwargs: Record<string, unknown>) => template.generate(kwargs).toString();
      expect(render({ title: "a", detail_shown: false })).toBe("a||loader note");
      expect(render({ title: "b", detail_shown: true, detail: "<d>" })).toBe("b|&lt;d&gt;|loader note");
      expect(render({ detail: 1, title: "c", detail_shown: 0, note: "kw  note", extra: 1 })).toBe("c||kw note");
      expect(render({ title: "d", detail_shown: 1, squeeze: () => "S", detail: "x" })).toBe("d|x|S");
      expectReferenceError(() => render({ title: "e", detail_shown: true }), "detail is not defined (at p.html:1)");
      expectReferenceError(() => render({ detail_shown: false }), "title is not defined (at p.html:1)");
    });
    expect(count).toBe(1);
  });

  test("a missing name is a ReferenceError only where it is read, in a closure too", () => {
    const template = new Template(
      "{% if flag %}{{ [1, 2].map((i) => prefix + i).join() }}{% end %}{% try %}{{ nope }}{% except ReferenceError as e %}{{ e.message }}{% end %}",
      { name: "m.html" },
    );
    expect(template.generate({ flag: false }).toString()).toBe("nope is not defined");
    expect(template.generate({ flag: true, prefix: "p" }).toString()).toBe("p1,p2nope is not defined");
    expectReferenceError(() => template.generate({ flag: true }), "prefix is not defined (at m.html:1)");
  });

  test("globals are seen when not passed, and kwargs override them", () => {
    const template = new Template("{{ Math.max(1, 2) }} {{ typeof process }} {{ JSON.stringify(1) }}");
    expect(compilations(() => expect(template.generate().toString()).toBe("2 object 1"))).toBe(0);
    const Math = { max: () => "mine" };
    expect(compilations(() => expect(template.generate({ Math }).toString()).toBe("mine object 1"))).toBe(0);
  });

  test("typeof of a parenthesised missing name is undefined", () => {
    const template = new Template("{{ typeof (maybe) }}/{{ typeof  maybe }}");
    expect(template.generate().toString()).toBe("undefined/undefined");
    expect(template.generate({ maybe: 1 }).toString()).toBe("number/number");
  });

  test("a template reading more names than get a switch each still binds and misses them right", () => {
    const names = Array.from({ length: 200 }, (_, i) => `n${i}`);
    const template = new Template(names.map((n) => `{{ ${n} }}`).join(","), { name: "big.html" });
    const all = Object.fromEntries(names.map((n, i) => [n, i]));
    expect(template.generate(all).toString()).toBe(names.map((_, i) => i).join(","));
    const { n199: _, ...withoutLast } = all;
    expectReferenceError(() => template.generate(withoutLast), "n199 is not defined (at big.html:1)");
    const { n0: __, ...withoutFirst } = all;
    expectReferenceError(() => template.generate(withoutFirst), "n0 is not defined (at big.html:1)");
  });

  test("where a read name comes from still follows kwargs > loader namespace > defaults", () => {
    const loader = new DictLoader({ "e.html": "{% raw escape('<') %}|{% raw squeeze('a  b') %}" }, { namespace: {} });
    const template = loader.load("e.html");
    expect(template.generate().toString()).toBe("&lt;|a b");
    expect(template.generate({ escape: (s: string) => `[${s}]` }).toString()).toBe("[<]|a b");
    (loader.namespace as Record<string, unknown>).squeeze = () => "loader";
    expect(template.generate().toString()).toBe("&lt;|loader");
    expect(template.generate({ squeeze: () => "kwarg" }).toString()).toBe("&lt;|kwarg");
  });

  test("an undefined name still raises a ReferenceError naming the template and line, once per call", () => {
    const template = new Template("a\n{{ missing_name }}", { name: "page.html" });
    for (let i = 0; i < 3; i++) {
      let err: any;
      try {
        template.generate({ [`unrelated${i}`]: 1 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ReferenceError);
      expect(err.message).toBe("missing_name is not defined (at page.html:2)");
    }
    expect(template.generate({ missing_name: "now here" }).toString()).toBe("a\nnow here");
  });

  test("names read in spreads, shorthand objects, template literals and unicode escapes are found", () => {
    const template = new Template(
      "{{ [...xs].length }} {{ JSON.stringify({ a }) }} {{ `${b}!` }} {{ \\u0063 }} {{ o?.p }} {{ p ?? 'none' }}",
      { autoescape: null },
    );
    const out = template.generate({ xs: [1, 2], a: 1, b: "B", c: "C", o: { p: "P" }, p: null, unused: 0 });
    expect(out.toString()).toBe('2 {"a":1} B! C P none');
  });

  test("a property name is not a variable: obj.title does not read a kwarg named title", () => {
    const template = new Template("{{ obj.title }}");
    expect(template.generate({ obj: { title: "prop" }, title: "kwarg" }).toString()).toBe("prop");
  });
});
