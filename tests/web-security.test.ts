import { readFileSync } from "node:fs";
import { join } from "node:path";
import { web, log, testing } from "../src";
import { serve } from "./support/serve";

const fixture = JSON.parse(readFileSync(join(__dirname, "fixtures", "tornado-signed.json"), "utf8"));
const SECRET: string = fixture.inputs.secret;
const PYTHON_SIGNED: string = fixture.signed.v2;
const PYTHON_VALUE: string = fixture.inputs.value;
const FOREVER_DAYS = 1_000_000;

function cookieHeader(setCookies: string[]): string {
  return setCookies.map((c) => c.split(";")[0]).join("; ");
}

describe("signed cookies", () => {
  class Signed extends web.RequestHandler {
    get(kind: string) {
      if (kind === "set") this.set_signed_cookie("session", "user=ann");
      if (kind === "set_old_name") this.set_secure_cookie("session", "user=old");
      if (kind === "get") {
        const value = this.get_signed_cookie("session", null, Number(this.get_argument("days", "31")));
        this.write({ value: value === null ? null : value.toString("utf8") });
      }
      if (kind === "get_old_name") this.write({ value: this.get_secure_cookie("session")?.toString("utf8") ?? null });
      if (kind === "version") this.write({ version: this.get_signed_cookie_key_version("session") });
    }
  }
  const routes: web.Route[] = [["/(\\w+)", Signed]];

  test("set_signed_cookie signs with cookie_secret, for 30 days, and get_signed_cookie reads it back", async () => {
    const server = await serve(routes, { cookie_secret: SECRET });
    const set = await server.fetch("/set");
    const [cookie] = set.headers.get_list("Set-Cookie");
    expect(cookie).toMatch(/^session="2\|1:0\|10:\d{10}\|7:session\|12:dXNlcj1hbm4=\|[0-9a-f]{64}"; expires=/);
    const expires = Date.parse(/expires=([^;]+)/.exec(cookie)![1]);
    expect(Math.abs(expires - (Date.now() + 30 * 86400_000))).toBeLessThan(10_000);
    const read = await server.fetch("/get", { headers: { Cookie: cookieHeader([cookie]) } });
    expect(read.json()).toEqual({ value: "user=ann" });
  });

  test("a cookie signed by Python Tornado with the same secret is read", async () => {
    const server = await serve(routes, { cookie_secret: SECRET });
    const read = await server.fetch(`/get?days=${FOREVER_DAYS}`, { headers: { Cookie: `session="${PYTHON_SIGNED}"` } });
    expect(read.json()).toEqual({ value: PYTHON_VALUE });
  });

  test.each([
    ["tampered value", PYTHON_SIGNED.replace("dXNlcj1h", "dXNlcj1i")],
    ["tampered signature", PYTHON_SIGNED.slice(0, -1) + (PYTHON_SIGNED.endsWith("0") ? "1" : "0")],
    ["garbage", "not-a-signed-value"],
  ])("a %s reads as missing", async (_what, value) => {
    const server = await serve(routes, { cookie_secret: SECRET });
    const read = await server.fetch(`/get?days=${FOREVER_DAYS}`, { headers: { Cookie: `session="${value}"` } });
    expect(read.json()).toEqual({ value: null });
  });

  test("a value signed with another secret reads as missing", async () => {
    const server = await serve(routes, { cookie_secret: "another secret" });
    const read = await server.fetch(`/get?days=${FOREVER_DAYS}`, { headers: { Cookie: `session="${PYTHON_SIGNED}"` } });
    expect(read.json()).toEqual({ value: null });
  });

  test("an expired value reads as missing", async () => {
    const server = await serve(routes, { cookie_secret: SECRET });
    const read = await server.fetch("/get?days=31", { headers: { Cookie: `session="${PYTHON_SIGNED}"` } });
    expect(read.json()).toEqual({ value: null });
  });

  test("Tornado's older names set_secure_cookie / get_secure_cookie work", async () => {
    const server = await serve(routes, { cookie_secret: SECRET });
    const [cookie] = (await server.fetch("/set_old_name")).headers.get_list("Set-Cookie");
    expect((await server.fetch("/get_old_name", { headers: { Cookie: cookieHeader([cookie]) } })).json()).toEqual({
      value: "user=old",
    });
  });

  test("a {version: secret} cookie_secret signs with key_version and reports it", async () => {
    const server = await serve(routes, { cookie_secret: { 0: "old key", 1: "new key" }, key_version: 1 });
    const [cookie] = (await server.fetch("/set")).headers.get_list("Set-Cookie");
    expect(cookie).toMatch(/^session="2\|1:1\|/);
    const headers = { Cookie: cookieHeader([cookie]) };
    expect((await server.fetch("/get", { headers })).json()).toEqual({ value: "user=ann" });
    expect((await server.fetch("/version", { headers })).json()).toEqual({ version: 1 });
  });

  test("without cookie_secret the handler fails with a message naming the setting", async () => {
    const server = await serve(routes, { serve_traceback: true });
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/set"));
    expect(response.code).toBe(500);
    expect(response.text).toContain("You must define the &#x27;cookie_secret&#x27; setting");
  });
});

describe("XSRF", () => {
  class Form extends web.RequestHandler {
    get() {
      this.write(this.xsrf_form_html());
    }
    post() {
      this.write("posted");
    }
  }
  const routes: web.Route[] = [["/", Form]];
  const settings = { xsrf_cookies: true };
  const form = { "Content-Type": "application/x-www-form-urlencoded" };
  const PYTHON_TOKENS: string[] = fixture.xsrf.tornado_tokens_v2;

  async function tokenAndCookie(server: testing.TestServer): Promise<{ token: string; cookie: string }> {
    const page = await server.fetch("/");
    const token = /value="([^"]+)"/.exec(page.text)![1];
    return { token, cookie: cookieHeader(page.headers.get_list("Set-Cookie")) };
  }

  test("xsrf_form_html gives a hidden input and sets the _xsrf cookie in Tornado's v2 format", async () => {
    const server = await serve(routes, settings);
    const page = await server.fetch("/");
    expect(page.text).toMatch(/^<input type="hidden" name="_xsrf" value="2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+"\/>$/);
    expect(page.headers.get_list("Set-Cookie")[0]).toMatch(/^_xsrf=2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+; Path=\/$/);
  });

  test("a POST without a token gets 403 and a log line saying why", async () => {
    const server = await serve(routes, settings);
    const response = await testing.ExpectLog.around(log.gen_log, /'_xsrf' argument missing from POST/, () =>
      server.fetch("/", { method: "POST", headers: form, body: "a=1" }),
    );
    expect(response.code).toBe(403);
  });

  test("a token in the body, the X-Xsrftoken or the X-Csrftoken header matching the cookie passes", async () => {
    const server = await serve(routes, settings);
    const { token, cookie } = await tokenAndCookie(server);
    const body = await server.fetch("/", {
      method: "POST",
      headers: { ...form, Cookie: cookie },
      body: `_xsrf=${encodeURIComponent(token)}`,
    });
    expect(body.text).toBe("posted");
    for (const header of ["X-Xsrftoken", "X-Csrftoken"]) {
      const response = await server.fetch("/", {
        method: "POST",
        headers: { Cookie: cookie, [header]: token },
        body: "",
      });
      expect(response.code).toBe(200);
    }
  });

  test("a token without the cookie, or from another cookie, gets 403", async () => {
    const server = await serve(routes, settings);
    const first = await tokenAndCookie(server);
    const second = await tokenAndCookie(server);
    const noCookie = await testing.ExpectLog.around(log.gen_log, /XSRF cookie does not match/, () =>
      server.fetch("/", { method: "POST", headers: { "X-Xsrftoken": first.token }, body: "" }),
    );
    expect(noCookie.code).toBe(403);
    const crossed = await testing.ExpectLog.around(log.gen_log, /XSRF cookie does not match/, () =>
      server.fetch("/", { method: "POST", headers: { Cookie: first.cookie, "X-Xsrftoken": second.token }, body: "" }),
    );
    expect(crossed.code).toBe(403);
  });

  test("a malformed token gets 403", async () => {
    const server = await serve(routes, settings);
    const { cookie } = await tokenAndCookie(server);
    const response = await testing.ExpectLog.around(log.gen_log, /has invalid format/, () =>
      server.fetch("/", { method: "POST", headers: { Cookie: cookie, "X-Xsrftoken": "2|zz|zz|1" }, body: "" }),
    );
    expect(response.code).toBe(403);
  });

  test("each page gets a freshly masked token, and no new cookie once the client has one", async () => {
    const server = await serve(routes, settings);
    const { token, cookie } = await tokenAndCookie(server);
    const again = await server.fetch("/", { headers: { Cookie: cookie } });
    expect(again.headers.get_list("Set-Cookie")).toEqual([]);
    const second = /value="([^"]+)"/.exec(again.text)![1];
    expect(second).not.toBe(token);
    const response = await server.fetch("/", {
      method: "POST",
      headers: { Cookie: cookie, "X-Xsrftoken": second },
      body: "",
    });
    expect(response.code).toBe(200);
  });

  test("tokens masked by Python Tornado match each other here", async () => {
    const server = await serve(routes, settings);
    const response = await server.fetch("/", {
      method: "POST",
      headers: { Cookie: `_xsrf=${PYTHON_TOKENS[0]}`, "X-Xsrftoken": PYTHON_TOKENS[1] },
      body: "",
    });
    expect(response.code).toBe(200);
  });

  test("GET, HEAD and OPTIONS are not checked; a POST to a missing page gets 404, not 403", async () => {
    const server = await serve(routes, settings);
    expect((await server.fetch("/")).code).toBe(200);
    expect((await server.fetch("/nowhere", { method: "POST", body: "" })).code).toBe(404);
  });

  test("xsrf_cookie_version 1 sends the bare hex token", async () => {
    const server = await serve(routes, { ...settings, xsrf_cookie_version: 1 });
    const page = await server.fetch("/");
    expect(page.text).toMatch(/value="[0-9a-f]{32}"/);
  });
});

describe("users and authenticated", () => {
  class Login extends web.RequestHandler {
    get() {
      this.write("login page");
    }
  }

  class Private extends web.RequestHandler {
    get_current_user() {
      return this.get_cookie("user");
    }

    @web.authenticated
    get() {
      this.write(`hello ${this.current_user}`);
    }

    @web.authenticated
    async post() {
      this.write(`posted by ${this.current_user}`);
    }
  }

  class AsyncUser extends web.RequestHandler {
    seenInPrepare: unknown = null;
    async get_current_user() {
      await new Promise((resolve) => setImmediate(resolve));
      return this.get_cookie("user");
    }
    prepare() {
      this.seenInPrepare = this.current_user;
    }
    get() {
      this.write({ prepare: this.seenInPrepare as string | null, now: this.current_user as string | null });
    }
  }

  const routes: web.Route[] = [
    ["/login", Login],
    ["/private", Private],
    ["/async_user", AsyncUser],
  ];

  test("a GET without a user is redirected to login_url with next", async () => {
    const server = await serve(routes, { login_url: "/login" });
    const response = await server.fetch("/private?x=1", { follow_redirects: false });
    expect(response.code).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?next=%2Fprivate%3Fx%3D1");
  });

  test("an absolute login_url gets the full URL as next", async () => {
    const server = await serve(routes, { login_url: "http://auth.example/login" });
    const response = await server.fetch("/private", { follow_redirects: false });
    expect(response.headers.get("Location")).toBe(
      `http://auth.example/login?next=${encodeURIComponent(`http://127.0.0.1:${server.port}/private`)}`,
    );
  });

  test("a POST without a user gets 403", async () => {
    const server = await serve(routes, { login_url: "/login" });
    expect((await server.fetch("/private", { method: "POST", body: "" })).code).toBe(403);
  });

  test("a logged-in user passes, sync and async", async () => {
    const server = await serve(routes, { login_url: "/login" });
    expect((await server.fetch("/private", { headers: { Cookie: "user=ann" } })).text).toBe("hello ann");
    expect((await server.fetch("/private", { method: "POST", headers: { Cookie: "user=ann" }, body: "" })).text).toBe(
      "posted by ann",
    );
  });

  test("an async get_current_user is awaited before prepare", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/async_user", { headers: { Cookie: "user=ann" } })).json()).toEqual({
      prepare: "ann",
      now: "ann",
    });
  });

  test("without login_url, authenticated fails naming the setting", async () => {
    const server = await serve(routes);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/private"));
    expect(response.code).toBe(500);
  });
});
