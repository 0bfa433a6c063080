import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { web, log, testing, template } from "../src";
import { serve } from "./support/serve";
import * as uiNamespace from "./fixtures/ui-namespace";

let staticDir: string;
beforeAll(() => {
  staticDir = mkdtempSync(join(tmpdir(), "ui-modules-"));
  for (const name of ["a.js", "b.js", "a.css", "b.css"]) writeFileSync(join(staticDir, name), `/* ${name} */`);
});
afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

const PAGE = "<html><head><title>t</title></head><body>{% module Parts() %}</body></html>";

/** A module using every hook. */
class Parts extends web.UIModule {
  render(): string {
    return "<p>parts</p>";
  }
  embedded_javascript() {
    return "var x = 1;";
  }
  javascript_files() {
    return "a.js";
  }
  embedded_css() {
    return "p { color: red }";
  }
  css_files() {
    return ["a.css"];
  }
  html_head() {
    return "<meta name=head>";
  }
  html_body() {
    return "<div>body</div>";
  }
}

class Page extends web.RequestHandler {
  get(name: string) {
    return this.render(`${name}.html`, { entry: { title: "T<1>", body: "b" } });
  }
}

function app(templates: Record<string, string>, settings: web.Settings = {}): Promise<testing.TestServer> {
  return serve([["/(\\w+)", Page]], {
    template_loader: new template.DictLoader(templates),
    static_path: staticDir,
    ...settings,
  });
}

function staticUrl(_server: testing.TestServer, name: string): string {
  return web.StaticFileHandler.make_static_url({ static_path: staticDir }, name, true);
}

describe("render() inserts the modules' parts", () => {
  test("each hook's part goes where Tornado puts it, in Tornado's order", async () => {
    const server = await app({ "page.html": PAGE }, { ui_modules: { Parts } });
    const text = (await server.fetch("/page")).text;
    const js = `<script src="${staticUrl(server, "a.js")}" type="text/javascript"></script>`;
    const css = `<link href="${staticUrl(server, "a.css")}" type="text/css" rel="stylesheet"/>`;
    expect(text).toBe(
      "<html><head><title>t</title>" +
        `${css}\n<style type="text/css">\np { color: red }\n</style>\n<meta name=head>\n</head>` +
        "<body><p>parts</p>" +
        `${js}\n<script type="text/javascript">\n//<![CDATA[\nvar x = 1;\n//]]>\n</script>\n<div>body</div>\n</body></html>`,
    );
  });

  test("JavaScript goes before the last </body>, html_body before the first", async () => {
    class Js extends web.UIModule {
      render() {
        return "";
      }
      embedded_javascript() {
        return "js()";
      }
      html_body() {
        return "<i>b</i>";
      }
    }
    const server = await app(
      { "two.html": "<head></head>{% module Js() %}<pre></body></pre></body>" },
      { ui_modules: { Js } },
    );
    const text = (await server.fetch("/two")).text;
    expect(text).toBe(
      '<head></head><pre><i>b</i>\n</body></pre><script type="text/javascript">\n//<![CDATA[\njs()\n//]]>\n</script>\n</body>',
    );
  });

  test("files of several modules: each URL once, in first order; absolute and // URLs kept", async () => {
    class One extends web.UIModule {
      render() {
        return "1";
      }
      javascript_files() {
        return ["b.js", "a.js", "//cdn.example/x.js"];
      }
      css_files() {
        return ["http://example.com/x.css", "b.css"];
      }
    }
    class Two extends web.UIModule {
      render() {
        return "2";
      }
      javascript_files() {
        return ["a.js", "/abs.js", "https://example.com/y.js", "//cdn.example/x.js"];
      }
      css_files() {
        return "b.css";
      }
    }
    const server = await app(
      { "files.html": "<head></head><body>{% module Two() %}{% module One() %}{% module Two() %}</body>" },
      { ui_modules: { One, Two } },
    );
    const text = (await server.fetch("/files")).text;
    const scripts = [...text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    const links = [...text.matchAll(/<link href="([^"]+)"/g)].map((m) => m[1]);
    const a = staticUrl(server, "a.js").replace(/&/g, "&amp;");
    const b = staticUrl(server, "b.js");
    expect(a).toMatch(/^\/static\/a\.js\?v=[0-9a-f]+$/);
    expect(scripts).toEqual([a, "/abs.js", "https://example.com/y.js", "//cdn.example/x.js", b]);
    expect(links).toEqual([staticUrl(server, "b.css"), "http://example.com/x.css"]);
    expect(text).toContain("<body>212");
  });

  test("render_string leaves the parts out; a page without </head> for them is a 500", async () => {
    class Strings extends web.RequestHandler {
      get() {
        this.write({ html: this.render_string("page.html").toString("utf8") });
      }
    }
    const server = await serve(
      [
        ["/string", Strings],
        ["/(\\w+)", Page],
      ],
      {
        template_loader: new template.DictLoader({
          "page.html": PAGE,
          "bare.html": "<body>{% module Parts() %}</body>",
        }),
        static_path: staticDir,
        ui_modules: { Parts },
      },
    );
    expect((await server.fetch("/string")).json().html).toBe(
      "<html><head><title>t</title></head><body><p>parts</p></body></html>",
    );
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/bare"));
    expect(response.code).toBe(500);
  });

  test("render_linked_js, render_embed_js, render_linked_css and render_embed_css can be overridden", async () => {
    class Custom extends web.RequestHandler {
      get() {
        return this.render("page.html");
      }
      render_linked_js(files: Iterable<string>) {
        return `[js ${[...files].join(",")}]`;
      }
      render_embed_js(parts: Iterable<Buffer>) {
        return Buffer.from(`[ejs ${Buffer.concat([...parts]).toString()}]`);
      }
      render_linked_css(files: Iterable<string>) {
        return `[css ${[...files].join(",")}]`;
      }
      render_embed_css(parts: Iterable<Buffer>) {
        return Buffer.from(`[ecss ${Buffer.concat([...parts]).toString()}]`);
      }
    }
    const server = await serve([["/", Custom]], {
      template_loader: new template.DictLoader({ "page.html": PAGE }),
      ui_modules: { Parts },
    });
    expect((await server.fetch("/")).text).toBe(
      "<html><head><title>t</title>[css a.css]\n[ecss p { color: red }]\n<meta name=head>\n</head>" +
        "<body><p>parts</p>[js a.js]\n[ejs var x = 1;]\n<div>body</div>\n</body></html>",
    );
  });
});

describe("UIModule members", () => {
  test("handler, request, ui, locale, current_user and render_string", async () => {
    class Members extends web.UIModule {
      render(kwargs: { suffix: string }): Buffer {
        const seen = [
          this.handler instanceof Who,
          this.request.path,
          this.ui === this.handler.ui,
          this.locale === this.handler.locale,
          String(this.current_user),
        ].join(",");
        return this.render_string("inner.html", { seen, suffix: kwargs.suffix });
      }
    }
    class Who extends web.RequestHandler {
      get_current_user() {
        return "ann";
      }
      get() {
        return this.render("outer.html");
      }
    }
    const server = await serve([["/who", Who]], {
      template_loader: new template.DictLoader({
        "outer.html": '{% module Members({suffix: "!"}) %}',
        "inner.html": "{{ seen }}{{ suffix }}",
      }),
      ui_modules: { Members },
    });
    expect((await server.fetch("/who")).text).toBe("true,/who,true,true,ann!");
  });

  test("render() not overridden is an error naming the class", async () => {
    class Empty extends web.UIModule {}
    const server = await app(
      { "empty.html": "{% module Empty() %}" },
      { ui_modules: { Empty }, serve_traceback: true },
    );
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/empty"));
    expect(response.code).toBe(500);
    expect(response.text).toContain("Empty.render() is not implemented");
  });

  test("one instance per handler per module name, made on first use", async () => {
    const made: number[] = [];
    let counter = 0;
    class Counted extends web.UIModule {
      readonly id = ++counter;
      constructor(handler: ConstructorParameters<typeof web.UIModule>[0]) {
        super(handler);
        made.push(this.id);
      }
      render(): string {
        return `#${this.id}`;
      }
    }
    const server = await app(
      { "count.html": "<head></head><body>{% module Counted() %}{% module Counted() %}{% module Again() %}</body>" },
      { ui_modules: { Counted, Again: Counted } },
    );
    expect((await server.fetch("/count")).text).toBe("<head></head><body>#1#1#2</body>");
    expect((await server.fetch("/count")).text).toBe("<head></head><body>#3#3#4</body>");
    expect(made).toEqual([1, 2, 3, 4]);
  });
});

describe("the Template module", () => {
  test("renders with its kwargs; set_resources adds parts once per template file, in first order", async () => {
    const server = await app({
      "main.html":
        "<head></head><body>" +
        '{% module Template("item.html", {n: 1}) %}{% module Template("other.html") %}{% module Template("item.html", {n: 2}) %}' +
        "</body>",
      "item.html":
        '{{ set_resources({javascript_files: ["b.js", "//x/y.js"], embedded_css: ".item {}", html_body: "<i>item</i>"}) }}<li>{{ n }}</li>',
      "other.html":
        '{{ set_resources({javascript_files: "b.js", css_files: ["a.css"], embedded_css: ".other {}", html_head: "<h>"}) }}<hr>',
    });
    const text = (await server.fetch("/main")).text;
    const b = staticUrl(server, "b.js");
    const a = staticUrl(server, "a.css");
    expect(text).toBe(
      `<head><link href="${a}" type="text/css" rel="stylesheet"/>\n` +
        '<style type="text/css">\n.item {}\n.other {}\n</style>\n<h>\n</head>' +
        "<body><li>1</li><hr><li>2</li>" +
        `<script src="${b}" type="text/javascript"></script><script src="//x/y.js" type="text/javascript"></script>\n` +
        "<i>item</i>\n</body>",
    );
  });

  test("set_resources with other resources for the same template is an error", async () => {
    const server = await app(
      {
        "main.html":
          '<head></head><body>{% module Template("item.html", {css: "a"}) %}{% module Template("item.html", {css: "b"}) %}</body>',
        "item.html": "{{ set_resources({embedded_css: css}) }}",
      },
      { serve_traceback: true },
    );
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/main"));
    expect(response.code).toBe(500);
    expect(response.text).toContain("set_resources called with different resources for the same template");
  });
});

describe("ui_methods and this.ui", () => {
  test("ui methods get the handler first, in templates and as this.ui; this.ui.modules renders modules", async () => {
    class Entry extends web.UIModule {
      render(entry: { title: string }, options: { tag?: string } = {}): string {
        const tag = options.tag ?? "h1";
        return `<${tag}>${this.ui.title_of(entry)}</${tag}>`;
      }
    }
    class UiPage extends web.RequestHandler {
      get(name: string) {
        if (name === "direct") {
          this.write(`${this.ui.greet("bo")}|${this.ui.modules.Entry({ title: "x" })}`);
          return undefined;
        }
        return this.render("entry.html", { entry: { title: "a&b" } });
      }
    }
    const server = await serve([["/(\\w+)", UiPage]], {
      template_loader: new template.DictLoader({
        "entry.html": '{{ greet("ann") }}|{% module Entry(entry, {tag: "h2"}) %}',
      }),
      ui_modules: { Entry },
      ui_methods: [
        { greet: (handler: web.RequestHandler, who: string) => `hi ${who} at ${handler.request.path}` },
        { title_of: (_handler: web.RequestHandler, entry: { title: string }) => entry.title.toUpperCase() },
      ],
    });
    expect((await server.fetch("/page")).text).toBe("hi ann at /page|<h2>A&B</h2>");
    expect((await server.fetch("/direct")).text).toBe("hi bo at /direct|<h1>X</h1>");
  });

  test("a module namespace: its UIModule subclasses and public lower-case functions; the rest skipped", async () => {
    class Names extends web.RequestHandler {
      get() {
        this.write({
          modules: Object.keys(this.ui.modules).sort(),
          methods: Object.keys(this.ui).filter((name) => name !== "modules"),
          shout: this.ui.shout("hey"),
          badge: this.ui.modules.Badge("new"),
        });
      }
    }
    const server = await serve([["/names", Names]], { ui_modules: uiNamespace, ui_methods: uiNamespace });
    expect((await server.fetch("/names")).json()).toEqual({
      modules: ["Badge", "Template", "linkify", "xsrf_form_html"],
      methods: ["shout"],
      shout: "HEY!/names",
      badge: '<span class="badge">new</span>',
    });
  });

  test("a handler that never renders nor reads ui makes no ui namespace", async () => {
    let seen: unknown = "unset";
    class Plain extends web.RequestHandler {
      get() {
        this.write("plain");
      }
      on_finish() {
        seen = this._ui;
      }
    }
    const server = await serve([["/", Plain]], { ui_methods: { greet: () => "hi" } });
    expect((await server.fetch("/")).text).toBe("plain");
    expect(seen).toBeNull();
  });
});

describe("errors at construction", () => {
  test("a ui_modules entry that is not a UIModule subclass is named", () => {
    class NotAModule {}
    expect(() => new web.Application([], { ui_modules: { Good: Parts, Bad: NotAModule } })).toThrow(
      "ui_modules entry 'Bad' must be a UIModule subclass, got function NotAModule",
    );
    expect(() => new web.Application([], { ui_modules: [{ Good: Parts }, { Text: "x" }] })).toThrow(
      `ui_modules entry 'Text' must be a UIModule subclass, got "x"`,
    );
  });

  test("a ui_methods entry that is not a function is named", () => {
    expect(() => new web.Application([], { ui_methods: { ok: () => "", count: 3 } })).toThrow(
      "ui_methods entry 'count' must be a function, got 3",
    );
  });

  test("a setting that is neither an object nor a list is refused", () => {
    expect(() => new web.Application([], { ui_modules: "Parts" })).toThrow(
      `The 'ui_modules' setting must be an object, a module or a list of them, got "Parts"`,
    );
  });
});
