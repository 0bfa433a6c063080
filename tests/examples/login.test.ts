/**
 * examples/login: the program is started on a free port and used over HTTP on 127.0.0.1, the
 * cookies kept by hand (`Set-Cookie` in, `Cookie` out), redirects not followed.
 */

import type { ChildProcess } from "node:child_process";
import { testing } from "../../src";
import { is_local_path } from "../../examples/login/login";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

/** A browser's cookies for one site, and requests that carry them. */
class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  /** Keeps each `Set-Cookie`; one that expires in the past deletes the cookie. */
  #take(response: testing.HTTPResponse): testing.HTTPResponse {
    for (const line of response.headers.get_list("Set-Cookie")) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const expires = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith("expires="));
      if (expires !== undefined && Date.parse(expires.slice("expires=".length)) < Date.now()) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return response;
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async get(path: string): Promise<testing.HTTPResponse> {
    return this.#take(
      await testing.fetch(this.base + path, { follow_redirects: false, headers: { Cookie: this.#cookieHeader() } }),
    );
  }

  async post(path: string, fields: Record<string, string>): Promise<testing.HTTPResponse> {
    return this.#take(
      await testing.fetch(this.base + path, {
        method: "POST",
        follow_redirects: false,
        headers: { Cookie: this.#cookieHeader(), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** Logs in as `name` through the form (with its XSRF token); returns the POST's response. */
  async login(name: string, next?: string): Promise<testing.HTTPResponse> {
    const form = await this.get(next === undefined ? "/login" : `/login?next=${encodeURIComponent(next)}`);
    expect(form.code).toBe(200);
    const token = /name="_xsrf" value="([^"]+)"/.exec(form.text)?.[1];
    const sentNext = /name="next" value="([^"]*)"/.exec(form.text)?.[1];
    expect(token).toBeDefined();
    return this.post("/login", { name, next: sentNext ?? "/", _xsrf: token! });
  }
}

describe("examples/login/login.ts as a program", () => {
  let child: ChildProcess | null = null;
  let base = "";

  beforeEach(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = startProgram("examples/login/login.ts", [
      `--port=${port}`,
      "--address=127.0.0.1",
      "--cookie_secret=login test secret",
    ]);
    new ProgramOutput(child); // drains its output
    await fetchWhenUp(`${base}/login`);
  });

  afterEach(async () => {
    if (child !== null) {
      await stopProgram(child);
      child = null;
    }
  });

  test("a visitor who is not logged in is sent to /login?next=/", async () => {
    const response = await new Browser(base).get("/");
    expect(response.code).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?next=%2F");
  });

  test("logging in sets a signed user cookie and the greeting page says hello", async () => {
    const browser = new Browser(base);
    const login = await browser.login("Ada");
    expect(login.code).toBe(302);
    expect(login.headers.get("Location")).toBe("/");
    expect(browser.cookies.get("user")).toMatch(/^"?2\|1:0\|\d+:\d+\|4:user\|/);
    const page = await browser.get("/");
    expect(page.code).toBe(200);
    expect(page.text).toContain("<h1>Hello, Ada</h1>");
    expect(page.text).toContain('<a href="/logout">Log out</a>');
  });

  test("the name is escaped on the page", async () => {
    const browser = new Browser(base);
    await browser.login(`<img src=x onerror="alert(1)">`);
    const page = await browser.get("/");
    expect(page.text).toContain("Hello, &lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(page.text).not.toContain("<img");
  });

  test("a tampered cookie counts as logged out", async () => {
    const browser = new Browser(base);
    await browser.login("Ada");
    const cookie = browser.cookies.get("user")!;
    // Another name with Ada's signature, and Ada's cookie with one signature digit changed.
    const otherName = cookie.replace(
      `|4:${Buffer.from("Ada").toString("base64")}|`,
      `|4:${Buffer.from("Bob").toString("base64")}|`,
    );
    const badSignature = cookie.replace(
      /\|([0-9a-f])([0-9a-f]*)("?)$/,
      (_, first: string, rest: string, quote: string) => `|${first === "0" ? "1" : "0"}${rest}${quote}`,
    );
    for (const forged of [otherName, badSignature, "Ada"]) {
      expect(forged).not.toBe(cookie);
      browser.cookies.set("user", forged);
      const page = await browser.get("/");
      expect(page.code).toBe(302);
      expect(page.headers.get("Location")).toBe("/login?next=%2F");
    }
  });

  test("next is followed when it is a local path, and replaced by / otherwise (no open redirect)", async () => {
    expect((await new Browser(base).login("Ada", "/?tab=2")).headers.get("Location")).toBe("/?tab=2");
    for (const next of ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]) {
      const login = await new Browser(base).login("Ada", next);
      expect(login.code).toBe(302);
      expect(login.headers.get("Location")).toBe("/");
    }
  });

  test("a login POST without the XSRF token is refused with 403 and sets no user", async () => {
    const browser = new Browser(base);
    await browser.get("/login");
    const response = await browser.post("/login", { name: "Mallory", next: "/" });
    expect(response.code).toBe(403);
    expect(browser.cookies.has("user")).toBe(false);
  });

  test("an empty name gets the form again with 400", async () => {
    const response = await new Browser(base).login("   ");
    expect(response.code).toBe(400);
    expect(response.text).toContain("Please give a name.");
  });

  test("logout clears the cookie and redirects; the greeting then asks for a login again", async () => {
    const browser = new Browser(base);
    await browser.login("Ada");
    const logout = await browser.get("/logout");
    expect(logout.code).toBe(302);
    expect(logout.headers.get("Location")).toBe("/");
    expect(logout.headers.get_list("Set-Cookie").some((c) => /^user=""; expires=/.test(c))).toBe(true);
    expect(browser.cookies.has("user")).toBe(false);
    expect((await browser.get("/")).code).toBe(302);
  });
});

test("is_local_path accepts paths on this site only", () => {
  expect(["/", "/a/b?c=d", "/%2F%2Fx"].every(is_local_path)).toBe(true);
  expect(["", "a", "http://x/", "//x", "/\\x", " /x"].some(is_local_path)).toBe(false);
});
