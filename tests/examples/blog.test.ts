/**
 * examples/blog: the program is started as a user would start it, on a free port, and used
 * over HTTP on 127.0.0.1 as a browser would, cookies kept by hand (`Set-Cookie` in, `Cookie`
 * out). Each test starts a fresh program on a database file of its own, so each begins with an
 * empty blog; one restarts the program on the same file and finds its entries. The pure helpers
 * (slugs, paragraphs, password hashing) are also checked in-process.
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testing } from "../../src";
import { check_password, hash_password, slugify, text_to_html } from "../../examples/blog/blog";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

/** The cookies a browser would keep for one site: names to values, updated from each response. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Stores the response's `Set-Cookie`s; one that expires in the past deletes the cookie. */
  take(response: testing.HTTPResponse): void {
    for (const line of response.headers.get_list("Set-Cookie")) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const expires = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith("expires="));
      if (expires !== undefined && Date.parse(expires.slice("expires=".length)) < Date.now())
        this.#cookies.delete(name);
      else this.#cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  /** The `Cookie` request header. */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/** A browser on the blog: GETs and form POSTs with its cookies, redirects not followed. */
class Visitor {
  readonly cookies = new CookieJar();

  constructor(readonly base: string) {}

  async get(path: string): Promise<testing.HTTPResponse> {
    const response = await testing.fetch(this.base + path, {
      follow_redirects: false,
      headers: { Cookie: this.cookies.header() },
    });
    this.cookies.take(response);
    return response;
  }

  /** POSTs `fields` as a urlencoded form. */
  async post(path: string, fields: Record<string, string>): Promise<testing.HTTPResponse> {
    const response = await testing.fetch(this.base + path, {
      method: "POST",
      follow_redirects: false,
      headers: { Cookie: this.cookies.header(), "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    this.cookies.take(response);
    return response;
  }

  /** GETs the page with a form, then POSTs the form with the page's XSRF token added. */
  async submit(formPath: string, action: string, fields: Record<string, string>): Promise<testing.HTTPResponse> {
    const page = await this.get(formPath);
    expect(page.code).toBe(200);
    return this.post(action, { ...fields, _xsrf: xsrfToken(page.text) });
  }
}

/** The value of the `_xsrf` hidden input in a page. */
function xsrfToken(html: string): string {
  const match = /<input type="hidden" name="_xsrf" value="([^"]+)"\/>/.exec(html);
  if (match === null) throw new Error(`no _xsrf input in:\n${html}`);
  return match[1];
}

const AUTHOR = { email: "ada@example.com", name: "Ada", password: "correct horse battery staple" };

describe("examples/blog/blog.ts as a program", () => {
  let child: ChildProcess | null = null;
  let output: ProgramOutput;
  let base = "";
  let dbDir = "";
  let dbPath = "";

  /** Starts the blog on a free port with the test's database file. */
  async function start(port?: number): Promise<void> {
    port ??= await freePort();
    base = `http://127.0.0.1:${port}`;
    child = startProgram("examples/blog/blog.ts", [
      `--port=${port}`,
      "--address=127.0.0.1",
      "--cookie_secret=blog test secret",
      `--db_path=${dbPath}`,
    ]);
    output = new ProgramOutput(child);
    await fetchWhenUp(`${base}/archive`);
  }

  beforeEach(async () => {
    dbDir = mkdtempSync(join(tmpdir(), "blog-db-"));
    dbPath = join(dbDir, "blog.db");
    await start();
  });

  afterEach(async () => {
    if (child !== null) {
      await stopProgram(child);
      child = null;
    }
    rmSync(dbDir, { recursive: true, force: true });
  });

  /** A visitor who has created the author account (and so is logged in). */
  async function author(): Promise<Visitor> {
    const ada = new Visitor(base);
    const created = await ada.submit("/auth/create", "/auth/create", { ...AUTHOR, next: "/" });
    expect(created.code).toBe(302);
    return ada;
  }

  /** Publishes an entry as `visitor`; returns its URL path. */
  async function publish(visitor: Visitor, title: string, text: string): Promise<string> {
    const response = await visitor.submit("/compose", "/compose", { title, text });
    expect(response.code).toBe(302);
    return response.headers.get("Location")!;
  }

  test("an empty blog sends / to /compose, /compose to the login, and the login to the account form", async () => {
    const visitor = new Visitor(base);
    const home = await visitor.get("/");
    expect(home.code).toBe(302);
    expect(home.headers.get("Location")).toBe("/compose");
    const compose = await visitor.get("/compose");
    expect(compose.code).toBe(302);
    expect(compose.headers.get("Location")).toBe("/auth/login?next=%2Fcompose");
    const login = await visitor.get("/auth/login?next=%2Fcompose");
    expect(login.code).toBe(302);
    expect(login.headers.get("Location")).toBe("/auth/create?next=%2Fcompose");
    const archive = await visitor.get("/archive");
    expect(archive.code).toBe(200);
    expect(archive.text).toContain("Nothing written yet.");
  });

  test("creating the first author with the form's XSRF token logs in with a signed blogdemo_user cookie", async () => {
    const ada = new Visitor(base);
    const form = await ada.get("/auth/create?next=%2Fcompose");
    expect(form.text).toContain('name="next" value="/compose"');
    expect(ada.cookies.get("_xsrf")).toBeDefined();
    const created = await ada.post("/auth/create", { ...AUTHOR, next: "/compose", _xsrf: xsrfToken(form.text) });
    expect(created.code).toBe(302);
    expect(created.headers.get("Location")).toBe("/compose");
    expect(ada.cookies.get("blogdemo_user")).toMatch(/^"?2\|1:0\|/);

    const compose = await ada.get("/compose");
    expect(compose.code).toBe(200);
    expect(compose.text).toContain('<form action="/compose" method="post"');
    expect(compose.text).toContain('<span class="who">Ada</span>');
  });

  test("a POST without the XSRF token is refused with 403, logged in or not", async () => {
    const stranger = new Visitor(base);
    await stranger.get("/auth/create"); // has the _xsrf cookie, but sends no token
    expect((await stranger.post("/auth/create", AUTHOR)).code).toBe(403);
    const ada = await author();
    expect((await ada.post("/compose", { title: "No token", text: "Refused." })).code).toBe(403);
    expect(
      (
        await ada.post("/compose", {
          title: "Wrong token",
          text: "Refused.",
          _xsrf: "2|00000000|00000000000000000000000000000000|0",
        })
      ).code,
    ).toBe(403);
    expect((await ada.get("/archive")).text).not.toContain("token");
  });

  test("compose needs a login: GET redirects to /auth/login?next=..., POST gets 403", async () => {
    await author();
    const stranger = new Visitor(base);
    const form = await stranger.get("/compose?id=1");
    expect(form.code).toBe(302);
    expect(form.headers.get("Location")).toBe("/auth/login?next=%2Fcompose%3Fid%3D1");
    const page = await stranger.get("/auth/login"); // for an XSRF token
    const post = await stranger.post("/compose", { title: "Intruder", text: "Hi", _xsrf: xsrfToken(page.text) });
    expect(post.code).toBe(403);
    expect((await stranger.get("/archive")).text).not.toContain("Intruder");
  });

  test("an entry is shown escaped on its page, on the home page, in the archive and in the Atom feed", async () => {
    const ada = await author();
    const title = `<script>alert("x")</script> & Résumé`;
    const path = await publish(ada, title, "First <b>paragraph</b>\nstill first.\n\nSecond paragraph.");
    expect(path).toBe("/entry/script-alert-x-script-resume");
    const escapedTitle = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Résumé";
    const body = "<p>First &lt;b&gt;paragraph&lt;/b&gt;\nstill first.</p>\n<p>Second paragraph.</p>";

    const reader = new Visitor(base);
    const entry = await reader.get(path);
    expect(entry.code).toBe(200);
    expect(entry.text).toContain(`<title>${escapedTitle} &middot; `);
    expect(entry.text).toContain(`<a href="${path}">${escapedTitle}</a>`);
    expect(entry.text).toContain(body);
    expect(entry.text).not.toContain("<script>");
    expect(entry.text).not.toContain("<b>");
    expect(entry.text).not.toContain("/compose?id="); // no edit link for readers

    const home = await reader.get("/");
    expect(home.code).toBe(200);
    expect(home.text).toContain(escapedTitle);
    expect(home.text).toContain(body);
    expect((await ada.get("/")).text).toContain('<a href="/compose?id=1">Edit</a>');

    const archive = await reader.get("/archive");
    expect(archive.text).toContain(`<a href="${path}">${escapedTitle}</a>`);

    const feed = await reader.get("/feed");
    expect(feed.code).toBe(200);
    expect(feed.headers.get("Content-Type")).toBe("application/atom+xml");
    expect(feed.text).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/,
    );
    expect(feed.text).toContain(`<title type="text">${escapedTitle}</title>`);
    expect(feed.text).toContain(`<link rel="alternate" type="text/html" href="${base}${path}"/>`);
    expect(feed.text).toContain(body);
    expect(feed.text).toMatch(/<published>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/published>/);
    expect(feed.text).not.toContain("<script>");
  });

  test("the same title twice gets a -2 slug; editing keeps the slug and replaces title and text", async () => {
    const ada = await author();
    expect(await publish(ada, "Hello, World!", "One.")).toBe("/entry/hello-world");
    expect(await publish(ada, "Hello, World!", "Two.")).toBe("/entry/hello-world-2");

    const form = await ada.get("/compose?id=1");
    expect(form.text).toContain('value="Hello, World!"');
    expect(form.text).toContain(">One.</textarea>");
    expect(form.text).toContain('<input type="hidden" name="id" value="1">');
    const saved = await ada.post("/compose", {
      id: "1",
      title: "Hello again",
      text: "Changed.",
      _xsrf: xsrfToken(form.text),
    });
    expect(saved.headers.get("Location")).toBe("/entry/hello-world");
    const entry = await ada.get("/entry/hello-world");
    expect(entry.text).toContain("Hello again");
    expect(entry.text).toContain("<p>Changed.</p>");
    expect((await ada.get("/compose?id=99")).code).toBe(404);
    expect((await ada.get("/entry/no-such-entry")).code).toBe(404);
  });

  test("the home page shows the five newest entries, newest first; the archive shows them all", async () => {
    const ada = await author();
    for (let n = 1; n <= 6; n++) await publish(ada, `Entry number ${n}`, `Text ${n}.`);
    const home = (await ada.get("/")).text;
    const shown = [...home.matchAll(/>Entry number (\d)</g)].map((m) => m[1]);
    expect(shown).toEqual(["6", "5", "4", "3", "2"]);
    const archive = (await ada.get("/archive")).text;
    expect([...archive.matchAll(/>Entry number (\d)</g)].map((m) => m[1])).toEqual(["6", "5", "4", "3", "2", "1"]);
  });

  test("the stylesheet is linked through static_url with a ?v= hash and served", async () => {
    const page = await new Visitor(base).get("/archive");
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)?.[1];
    expect(href).toMatch(/^\/static\/blog\.css\?v=[0-9a-f]+$/);
    const css = await testing.fetch(base + href!);
    expect(css.code).toBe(200);
    expect(css.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(css.text).toContain(".entry-title");
  });

  test("logout clears the cookie and goes to next; next must be a path on this site", async () => {
    const ada = await author();
    const out = await ada.get("/auth/logout?next=%2Farchive");
    expect(out.code).toBe(302);
    expect(out.headers.get("Location")).toBe("/archive");
    expect(out.headers.get_list("Set-Cookie").some((c) => c.startsWith(`blogdemo_user="";`))).toBe(true);
    expect(ada.cookies.get("blogdemo_user")).toBeUndefined();
    expect((await ada.get("/compose")).code).toBe(302);

    for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example/"]) {
      expect((await ada.get(`/auth/logout?next=${encodeURIComponent(next)}`)).code).toBe(400);
    }
    const page = await ada.get("/auth/login");
    const login = await ada.post("/auth/login", {
      email: AUTHOR.email,
      password: AUTHOR.password,
      next: "https://evil.example/",
      _xsrf: xsrfToken(page.text),
    });
    expect(login.code).toBe(400);
    expect(login.headers.get("Location")).toBeUndefined();
  });

  test("a second author account is refused", async () => {
    await author();
    const eve = new Visitor(base);
    const second = await eve.submit("/auth/create", "/auth/create", {
      email: "eve@example.com",
      name: "Eve",
      password: "pw",
      next: "/",
    });
    expect(second.code).toBe(400);
    expect(eve.cookies.get("blogdemo_user")).toBeUndefined();
    const login = await eve.submit("/auth/login", "/auth/login", {
      email: "eve@example.com",
      password: "pw",
      next: "/",
    });
    expect(login.code).toBe(200);
    expect(login.text).toContain("email not found");
  });

  test("a wrong password is refused; the right one logs in and follows next", async () => {
    await author();
    const ada = new Visitor(base);
    const wrong = await ada.submit("/auth/login?next=%2Fcompose", "/auth/login", {
      email: AUTHOR.email,
      password: "wrong",
      next: "/compose",
    });
    expect(wrong.code).toBe(200);
    expect(wrong.text).toContain("incorrect password");
    expect(ada.cookies.get("blogdemo_user")).toBeUndefined();

    const form = await ada.get("/auth/login?next=%2Fcompose");
    expect(form.text).toContain('name="next" value="/compose"');
    const right = await ada.post("/auth/login", {
      email: AUTHOR.email,
      password: AUTHOR.password,
      next: "/compose",
      _xsrf: xsrfToken(form.text),
    });
    expect(right.code).toBe(302);
    expect(right.headers.get("Location")).toBe("/compose");
    expect((await ada.get("/compose")).code).toBe(200);
  });

  test("a tampered blogdemo_user cookie is no login", async () => {
    const ada = await author();
    const cookie = ada.cookies.get("blogdemo_user")!;
    const forged = cookie.replace(
      /\|([0-9a-f])([0-9a-f]*)("?)$/,
      (_, first: string, rest: string, quote: string) => `|${first === "0" ? "1" : "0"}${rest}${quote}`,
    );
    expect(forged).not.toBe(cookie);
    ada.cookies.set("blogdemo_user", forged);
    const compose = await ada.get("/compose");
    expect(compose.code).toBe(302);
    expect(compose.headers.get("Location")).toBe("/auth/login?next=%2Fcompose");
  });

  test("the database file is made on first run, and a restarted blog keeps its author and entries", async () => {
    expect(readFileSync(dbPath).subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
    const ada = await author();
    const path = await publish(ada, "Kept", "Still here after a restart.");
    await stopProgram(child!);
    child = null;
    expect(readdirSync(dbDir)).toEqual(["blog.db"]); // written to a temporary file, renamed over it
    await start(Number(new URL(base).port));
    const page = await ada.get(path);
    expect(page.code).toBe(200);
    expect(page.text).toContain("<p>Still here after a restart.</p>");
    expect(page.text).toContain(">Edit</a>"); // the login cookie names an author the database still has
    const again = new Visitor(base);
    const login = await again.submit("/auth/login", "/auth/login", {
      email: AUTHOR.email,
      password: AUTHOR.password,
      next: "/",
    });
    expect(login.code).toBe(302);
  });

  test("without --cookie_secret it warns and uses the development secret", async () => {
    const port = await freePort();
    const other = startProgram("examples/blog/blog.ts", [
      `--port=${port}`,
      "--address=127.0.0.1",
      `--db_path=${join(dbDir, "other.db")}`,
    ]);
    const printed = new ProgramOutput(other);
    try {
      await fetchWhenUp(`http://127.0.0.1:${port}/archive`);
      await printed.waitFor(/No --cookie_secret given/);
      expect(output.text).not.toContain("No --cookie_secret given");
    } finally {
      await stopProgram(other);
    }
  });
});

describe("examples/blog helpers", () => {
  test("slugify makes the demo's slugs: lower-case ASCII words joined by -, accents dropped, 'entry' when empty", () => {
    expect(slugify("Hello, World!")).toBe("hello-world");
    expect(slugify("  Ünïcödé_x  2 ")).toBe("unicode_x-2");
    expect(slugify("Ｔｏｒｎａｄｏ ﬁve")).toBe("tornado-five"); // NFKD folds full-width letters and ligatures
    expect(slugify("日本語")).toBe("entry");
    expect(slugify("!!!")).toBe("entry");
  });

  test("text_to_html makes an escaped paragraph of each block between blank lines", () => {
    expect(text_to_html("a <b>\r\nb\r\n\r\n\r\n  c & d  \n \t\n")).toBe("<p>a &lt;b&gt;\nb</p>\n<p>c &amp; d</p>");
    expect(text_to_html("\n\n")).toBe("");
  });

  test("hash_password salts each hash; check_password accepts only the same password", async () => {
    const first = await hash_password("s3cret");
    const second = await hash_password("s3cret");
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain("s3cret");
    expect(await check_password("s3cret", first)).toBe(true);
    expect(await check_password("s3cret", second)).toBe(true);
    expect(await check_password("s3cret ", first)).toBe(false);
    expect(await check_password("", first)).toBe(false);
    expect(await check_password("s3cret", "not a hash")).toBe(false);
  });
});
