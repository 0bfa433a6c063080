/**
 * The handler's template namespace (issue 13): its helpers are made once per handler and shared
 * by its renders, not made again on every `render_string`; and a subclass's override of
 * `get_template_namespace`, `static_url`, `xsrf_form_html`, `reverse_url` or `render_string` is
 * what templates call, as before.
 */
import { join } from "node:path";
import { web, template } from "../src";
import { serve } from "./support/serve";

const STATIC = join(__dirname, "fixtures", "static", "root");

const TEMPLATES = {
  "helpers.html":
    "{{ static_url('robots.txt', null, { include_version: false }) }}#{% raw xsrf_form_html() %}#" +
    "{% module xsrf_form_html() %}#{{ reverse_url('named', 'x') }}#{% module Template('inner.html', { who: 'in' }) %}",
  "inner.html": "[{{ who }} {{ current_user }}]",
  "extra.html": "{{ greeting }} {{ current_user }} {{ request.path }} {{ handler === me }}",
  "probe.html":
    "{{ seen.push([static_url, xsrf_form_html, reverse_url, modules.Template, modules.linkify, modules.xsrf_form_html]) }}" +
    "{% if nested %}{% module Template('probe.html', { seen, nested: false }) %}{% end %}",
  "user.html": "{{ current_user }}",
};

const SETTINGS: web.Settings = { template_loader: new template.DictLoader(TEMPLATES), static_path: STATIC };

/** Renders helpers.html; subclasses override one method each. */
class Helpers extends web.RequestHandler {
  get_current_user() {
    return "ann";
  }
  get() {
    return this.render("helpers.html");
  }
}

const named = (handler: typeof web.RequestHandler): web.Route[] => [
  ["/", handler],
  ["/named/(\\w+)", Helpers, {}, "named"],
];

async function fetchText(handler: typeof web.RequestHandler, settings: web.Settings = SETTINGS): Promise<string> {
  const server = await serve(named(handler), settings);
  const response = await server.fetch("/");
  expect(response.code).toBe(200);
  return response.text;
}

/** The `_xsrf` input the default `xsrf_form_html` writes. */
const XSRF_INPUT = /<input type="hidden" name="_xsrf" value="2\|[^"]+"\/>/.source;

describe("the template namespace's helpers", () => {
  test("the defaults: static_url, xsrf_form_html (plain and as a module), reverse_url, modules.Template", async () => {
    const text = await fetchText(Helpers);
    expect(text).toMatch(new RegExp(`^/static/robots\\.txt#${XSRF_INPUT}#${XSRF_INPUT}#/named/x#\\[in ann\\]$`));
  });

  test("an overridden static_url is what templates call", async () => {
    class OwnStaticUrl extends Helpers {
      static_url(path: string, include_host: boolean | null = null, options: { include_version?: boolean } = {}) {
        return `cdn:${path}:${include_host}:${options.include_version}`;
      }
    }
    expect((await fetchText(OwnStaticUrl)).split("#")[0]).toBe("cdn:robots.txt:null:false");
  });

  test("an overridden xsrf_form_html is what templates and the xsrf_form_html module call", async () => {
    class OwnXsrf extends Helpers {
      xsrf_form_html() {
        return `<own ${this.request.path}>`;
      }
    }
    expect((await fetchText(OwnXsrf)).split("#").slice(1, 3)).toEqual(["<own />", "<own />"]);
  });

  test("an overridden reverse_url is what templates call", async () => {
    class OwnReverseUrl extends Helpers {
      reverse_url(name: string, ...args: unknown[]) {
        return `reversed:${name}:${args.join(",")}`;
      }
    }
    expect((await fetchText(OwnReverseUrl)).split("#")[3]).toBe("reversed:named:x");
  });

  test("an overridden render_string is what {% module Template %} calls", async () => {
    class OwnRenderString extends Helpers {
      render_string(name: string, kwargs: Record<string, unknown> = {}) {
        if (name !== "inner.html") return super.render_string(name, kwargs);
        return Buffer.concat([
          Buffer.from("<<"),
          super.render_string(name, { ...kwargs, who: "over" }),
          Buffer.from(">>"),
        ]);
      }
    }
    expect((await fetchText(OwnRenderString)).split("#")[4]).toBe("<<[over ann]>>");
  });

  test("an overridden get_template_namespace adds names and replaces helpers, calling super", async () => {
    class OwnNamespace extends Helpers {
      get_template_namespace() {
        const namespace = super.get_template_namespace();
        return { ...namespace, greeting: "hi", me: this, reverse_url: () => "from the namespace" };
      }
      get() {
        const extra = this.render_string("extra.html").toString();
        const helpers = this.render_string("helpers.html").toString().split("#");
        this.write({ extra, reverse: helpers[3], inner: helpers[4] });
        return this.finish();
      }
    }
    const server = await serve(named(OwnNamespace), SETTINGS);
    expect((await server.fetch("/")).json()).toEqual({
      extra: "hi ann / true",
      reverse: "from the namespace",
      inner: "[in ann]",
    });
  });
});

describe("one set of helpers per handler", () => {
  test("renders of one handler, nested ones included, see the same functions; another handler its own", async () => {
    const seenBy = new Map<string, unknown[][]>();
    class Probe extends web.RequestHandler {
      get(id: string) {
        const seen: unknown[][] = [];
        this.render_string("probe.html", { seen, nested: true });
        this.render_string("probe.html", { seen, nested: false });
        seenBy.set(id, seen);
        this.write({ renders: seen.length });
      }
    }
    const server = await serve([["/(\\w+)", Probe]], SETTINGS);
    expect((await server.fetch("/a")).json()).toEqual({ renders: 3 });
    expect((await server.fetch("/b")).json()).toEqual({ renders: 3 });
    const [first, ...others] = seenBy.get("a")!;
    expect(first.every((helper) => typeof helper === "function")).toBe(true);
    for (const seen of others) seen.forEach((helper, i) => expect(helper).toBe(first[i]));
    // Each handler its own, modules.linkify too: a UI module renders with its handler's instance.
    for (const [i, helper] of seenBy.get("b")![0].entries()) expect(helper).not.toBe(first[i]);
  });

  test("current_user is read when each render builds its namespace", async () => {
    class ChangingUser extends web.RequestHandler {
      get() {
        this.current_user = "first";
        const before = this.render_string("user.html").toString();
        this.current_user = "second";
        this.write({ before, after: this.render_string("user.html").toString() });
      }
    }
    const server = await serve([["/", ChangingUser]], SETTINGS);
    expect((await server.fetch("/")).json()).toEqual({ before: "first", after: "second" });
  });
});
