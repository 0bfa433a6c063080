import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { web, log, testing, template } from "../src";
import { serve } from "./support/serve";

const TEMPLATES = join(__dirname, "fixtures", "web-templates");

class Render extends web.RequestHandler {
  get_current_user() {
    return this.get_cookie("user");
  }
  get(name: string) {
    if (name === "page") return this.render("page.html", { name: this.get_argument("name", "world") });
    if (name === "form") return this.render("form.html");
    if (name === "user") return this.render("user.html");
    if (name === "list") return this.render("list.html", { items: ["a", "<b>"] });
    if (name === "broken") return this.render("broken.html");
    if (name === "string") {
      this.write({ html: this.render_string("user.html").toString("utf8") });
      return undefined;
    }
    return this.render(`${name}.html`);
  }
}

const routes: web.Route[] = [["/(\\w+)", Render, {}, "page"]];

describe("render", () => {
  test("renders a template from template_path, with extends/block and the handler's namespace", async () => {
    const server = await serve(routes, { template_path: TEMPLATES });
    const response = await server.fetch("/page?name=Ay%C5%9Fe");
    expect(response.code).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=UTF-8");
    expect(response.text).toContain("<title>Hello Ayşe</title>");
    expect(response.text).toContain('<p>Ayşe</p><p>/page</p><p>200</p><a href="/x">link</a>');
  });

  test("output is escaped by default: markup in arguments arrives as text", async () => {
    const server = await serve(routes, { template_path: TEMPLATES });
    const response = await server.fetch(`/page?name=${encodeURIComponent('<script>alert("x")</script>{{ 1 }}')}`);
    expect(response.text).toContain("<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;{{ 1 }}</p>");
    expect(response.text).not.toContain("<script>");
  });

  test("the autoescape setting null turns escaping off", async () => {
    const server = await serve(routes, { template_path: TEMPLATES, autoescape: null });
    const response = await server.fetch(`/page?name=${encodeURIComponent("<b>bold</b>")}`);
    expect(response.text).toContain("<p><b>bold</b></p>");
  });

  test("xsrf_form_html and current_user are in the namespace", async () => {
    const server = await serve(routes, { template_path: TEMPLATES, xsrf_cookies: true });
    expect((await server.fetch("/form")).text).toMatch(
      /<form method="post"><input type="hidden" name="_xsrf" value="2\|/,
    );
    expect((await server.fetch("/user", { headers: { Cookie: "user=ann" } })).text.trim()).toBe("user=ann");
  });

  test("{% module Template(...) %} renders another template in place", async () => {
    const server = await serve(routes, { template_path: TEMPLATES });
    expect((await server.fetch("/list")).text.replace(/\s+/g, "")).toBe("<ul><li>a</li><li>&lt;b&gt;</li></ul>");
  });

  test("render_string returns the rendered bytes without finishing", async () => {
    const server = await serve(routes, { template_path: TEMPLATES });
    expect((await server.fetch("/string", { headers: { Cookie: "user=bo" } })).json().html.trim()).toBe("user=bo");
  });

  test("an error in a template is a 500 whose log names the template file and line", async () => {
    const server = await serve(routes, { template_path: TEMPLATES });
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/broken"));
    expect(response.code).toBe(500);
    const debug = await serve(routes, { template_path: TEMPLATES, debug: true });
    const page = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => debug.fetch("/broken"));
    expect(page.text).toMatch(/broken\.html:2/);
  });

  test("the template_loader setting replaces the loader", async () => {
    const loader = new template.DictLoader({ "custom.html": "from the dict loader: {{ 1 + 1 }}" });
    const server = await serve(routes, { template_loader: loader });
    expect((await server.fetch("/custom")).text).toBe("from the dict loader: 2");
  });

  test("templates are cached, and re-read on every request when compiled_template_cache is false or debug is on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tornado-templates-"));
    try {
      writeFileSync(join(dir, "live.html"), "version one");
      const cached = await serve(routes, { template_path: dir });
      expect((await cached.fetch("/live")).text).toBe("version one");
      writeFileSync(join(dir, "live.html"), "version two");
      expect((await cached.fetch("/live")).text).toBe("version one");
      const reloading = await serve(routes, { template_path: dir, compiled_template_cache: false });
      expect((await reloading.fetch("/live")).text).toBe("version two");
      writeFileSync(join(dir, "live.html"), "version three");
      expect((await reloading.fetch("/live")).text).toBe("version three");
      const debug = await serve(routes, { template_path: dir, debug: true });
      expect((await debug.fetch("/live")).text).toBe("version three");
      writeFileSync(join(dir, "live.html"), "version four");
      expect((await debug.fetch("/live")).text).toBe("version four");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("static_url", () => {
  const STATIC = join(__dirname, "fixtures", "static", "root");
  class Linker extends web.RequestHandler {
    get() {
      this.write({
        versioned: this.static_url("robots.txt"),
        bare: this.static_url("robots.txt", null, { include_version: false }),
        absolute: this.static_url("robots.txt", true),
      });
    }
  }

  test("static_url gives the versioned URL that the static handler serves with a far-future Cache-Control", async () => {
    const server = await serve([["/link", Linker]], { static_path: STATIC });
    const urls = (await server.fetch("/link")).json();
    expect(urls.versioned).toMatch(/^\/static\/robots\.txt\?v=[0-9a-f]{128}$/);
    expect(urls.bare).toBe("/static/robots.txt");
    expect(urls.absolute).toBe(`http://127.0.0.1:${server.port}${urls.versioned}`);
    const file = await server.fetch(urls.versioned);
    expect(file.code).toBe(200);
    expect(file.headers.get("Cache-Control")).toBe("max-age=315360000");
  });

  test("without static_path, static_url fails naming the setting", async () => {
    const server = await serve([["/link", Linker]], { serve_traceback: true });
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/link"));
    expect(response.text).toContain("static_path");
  });
});

describe("built-in modules and users in templates", () => {
  class Modules extends web.RequestHandler {
    get() {
      const loader = new template.DictLoader({
        "m.html": '{% module xsrf_form_html() %}|{% module linkify("see http://example.com") %}',
      });
      this.write(loader.load("m.html").generate(this.get_template_namespace()));
    }
  }

  test("{% module xsrf_form_html() %} and {% module linkify(...) %} work as Tornado's built-in modules", async () => {
    const server = await serve([["/", Modules]]);
    const text = (await server.fetch("/")).text;
    expect(text).toMatch(
      /^<input type="hidden" name="_xsrf" value="2\|[^"]+"\/>\|see <a href="http:\/\/example\.com">http:\/\/example\.com<\/a>$/,
    );
  });

  test("a get_current_user returning a promise without being async is awaited, never taken for a user", async () => {
    class PromiseUser extends web.RequestHandler {
      get_current_user() {
        return Promise.resolve(null);
      }
      @web.authenticated
      get() {
        this.write("secret page");
      }
    }
    const server = await serve([["/", PromiseUser]], { login_url: "/login" });
    const response = await server.fetch("/", { follow_redirects: false });
    expect(response.code).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?next=%2F");
    expect(response.text).not.toContain("secret page");
  });
});
