/**
 * A template is compiled once for what it reads, not once per set of names its callers pass
 * (issue 13): the compiled variants are keyed by where each name the template's code reads comes
 * from, so extra, unread kwargs never cost a compilation.
 */
import { DictLoader, Template } from "../src/template";
import { _templateStats } from "../src/template/template";

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
    expect(compilations(() => (template = new Template(PAGE)))).toBe(1);
    const base = { title: "T & <u>", show: true, items: [{ label: "a" }, { label: "<b>" }], footer: "f" };
    const expected = "<h1>T &amp; &lt;u&gt;</h1><ul><li>a</li><li>&lt;b&gt;</li></ul><p>f</p>";
    const outputs = new Set<string>();
    const count = compilations(() => {
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

  test("a loaded template with the handler-like namespace compiles at most twice whatever else is passed", () => {
    const loader = new DictLoader({ "page.html": PAGE }, { namespace: { footer: "from the loader" } });
    const count = compilations(() => {
      const template = loader.load("page.html");
      for (let i = 0; i < 100; i++) {
        const out = template.generate({ handler: {}, request: {}, [`k${i}`]: i, title: i, show: false }).toString();
        expect(out).toBe(`<h1>${i}</h1><p>from the loader</p>`);
      }
    });
    expect(count).toBe(2);
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
