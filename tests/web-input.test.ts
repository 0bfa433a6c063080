import { web, log, testing } from "../src";
import { serve } from "./support/serve";
import { exchangeUntilClose, splitResponse } from "./support/wire";

class Echo extends web.RequestHandler {
  get() {
    this.echo();
  }
  post() {
    this.echo();
  }
  echo() {
    const name = this.get_argument("name", "foo");
    this.write({
      argument: this.get_argument(name, null),
      arguments: this.get_arguments(name),
      query: this.get_query_arguments(name),
      body: this.get_body_arguments(name),
      query_one: this.get_query_argument(name, null),
      body_one: this.get_body_argument(name, null),
    });
  }
}

const form = { "Content-Type": "application/x-www-form-urlencoded" };

describe("arguments", () => {
  test("get_argument takes the last value and the body wins over the query", async () => {
    const server = await serve([["/", Echo]]);
    const response = await server.fetch("/?foo=bar", { method: "POST", headers: form, body: "foo=hello" });
    expect(response.json()).toEqual({
      argument: "hello",
      arguments: ["bar", "hello"],
      query: ["bar"],
      body: ["hello"],
      query_one: "bar",
      body_one: "hello",
    });
  });

  test("values are URL-decoded (+ is a space), stripped, control characters become spaces", async () => {
    const server = await serve([["/", Echo]]);
    const response = await server.fetch("/?foo=%20a+b%01c%20&foo=%C3%A9");
    expect(response.json().arguments).toEqual(["a b c", "é"]);
  });

  test("get_arguments with strip=false keeps surrounding space", async () => {
    class Raw extends web.RequestHandler {
      get() {
        this.write({ values: this.get_arguments("x", false), one: this.get_argument("x", null, false) });
      }
    }
    const server = await serve([["/", Raw]]);
    expect((await server.fetch("/?x=+padded+")).json()).toEqual({ values: [" padded "], one: " padded " });
  });

  test("an empty value is an empty string, not missing", async () => {
    const server = await serve([["/", Echo]]);
    expect((await server.fetch("/?foo=")).json().argument).toBe("");
  });

  test("a missing required argument gives 400 and logs Missing argument NAME", async () => {
    class Required extends web.RequestHandler {
      get() {
        this.write(this.get_argument("needed"));
      }
    }
    const server = await serve([["/", Required]]);
    const response = await testing.ExpectLog.around(
      log.gen_log,
      /^400 GET \/ \(127\.0\.0\.1\): Missing argument needed$/,
      () => server.fetch("/"),
    );
    expect(response.code).toBe(400);
    expect(response.text).toBe("<html><title>400: Bad Request</title><body>400: Bad Request</body></html>");
  });

  test("MissingArgumentError carries the argument name", () => {
    const error = new web.MissingArgumentError("needed");
    expect(error.status_code).toBe(400);
    expect(error.arg_name).toBe("needed");
    expect(error).toBeInstanceOf(web.HTTPError);
  });

  test("invalid UTF-8 in an argument gives 400", async () => {
    const server = await serve([["/", Echo]]);
    const response = await testing.ExpectLog.around(log.gen_log, /Invalid unicode in foo/, () =>
      server.fetch("/?foo=%FF"),
    );
    expect(response.code).toBe(400);
  });

  test("multipart bodies fill arguments and request.files", async () => {
    class Upload extends web.RequestHandler {
      post() {
        const file = this.request.files.upload[0];
        this.write({
          title: this.get_argument("title"),
          filename: file.filename,
          type: file.content_type,
          size: file.body.length,
          text: file.body.toString(),
        });
      }
    }
    const boundary = "----tornadoTestBoundary";
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="title"',
      "",
      "My file",
      `--${boundary}`,
      'Content-Disposition: form-data; name="upload"; filename="hello.txt"',
      "Content-Type: text/plain",
      "",
      "hello, file",
      `--${boundary}--`,
      "",
    ].join("\r\n");
    const server = await serve([["/", Upload]]);
    const response = await server.fetch("/", {
      method: "POST",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(response.json()).toEqual({
      title: "My file",
      filename: "hello.txt",
      type: "text/plain",
      size: 11,
      text: "hello, file",
    });
  });

  test("a malformed multipart body gives 400", async () => {
    const server = await serve([["/", Echo]]);
    const response = await testing.ExpectLog.around(log.gen_log, /Invalid body/, () =>
      server.fetch("/", {
        method: "POST",
        headers: { "Content-Type": "multipart/form-data; boundary=abc" },
        body: "--abc\r\nno headers end",
      }),
    );
    expect(response.code).toBe(400);
  });

  test("a JSON body is not parsed into arguments, as in Tornado", async () => {
    const server = await serve([["/", Echo]]);
    const response = await server.fetch("/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"foo": "x"}',
    });
    expect(response.json().argument).toBeNull();
  });
});

describe("request", () => {
  test("exposes method, uri, path, query, version, headers, body, remote_ip, protocol, host and full_url", async () => {
    class Inspect extends web.RequestHandler {
      post() {
        const r = this.request;
        this.write({
          method: r.method,
          uri: r.uri,
          path: r.path,
          query: r.query,
          version: r.version,
          header: r.headers.get("X-Custom"),
          body: r.body.toString(),
          remote_ip: r.remote_ip,
          protocol: r.protocol,
          host: r.host,
          host_name: r.host_name,
          full_url: r.full_url(),
          time_ok: r.request_time() >= 0 && r.request_time() < 5,
        });
      }
    }
    const server = await serve([["/inspect", Inspect]]);
    const response = await server.fetch("/inspect?a=1", {
      method: "POST",
      headers: { "X-Custom": "yes" },
      body: "payload",
    });
    expect(response.json()).toEqual({
      method: "POST",
      uri: "/inspect?a=1",
      path: "/inspect",
      query: "a=1",
      version: "HTTP/1.1",
      header: "yes",
      body: "payload",
      remote_ip: "127.0.0.1",
      protocol: "http",
      host: `127.0.0.1:${server.port}`,
      host_name: "127.0.0.1",
      full_url: `http://127.0.0.1:${server.port}/inspect?a=1`,
      time_ok: true,
    });
  });
});

describe("cookies", () => {
  class Cookies extends web.RequestHandler {
    get(kind: string) {
      if (kind === "read") {
        this.write({
          foo: this.get_cookie("foo"),
          missing: this.get_cookie("missing", "default"),
          morsel: this.cookies.foo?.value ?? null,
        });
      }
      if (kind === "set") {
        this.set_cookie("str", "asdf");
        this.set_cookie("unicode_args", "blah", { domain: "foo.com", path: "/foo" });
        this.set_cookie("foo", "bar", { max_age: 10 });
        this.set_cookie("a", "1", { secure: true });
        this.set_cookie("c", "1", { httponly: true });
        this.set_cookie("equals", "a=b");
        this.set_cookie("same", "Lax", { samesite: "Lax" });
      }
      if (kind === "replace") {
        this.set_cookie("x", "first");
        this.set_cookie("x", "second");
      }
      if (kind === "expires") this.set_cookie("e", "1", { expires_days: 1 });
      if (kind === "clear") this.clear_cookie("foo", { path: "/" });
      if (kind === "clear_all") this.clear_all_cookies();
      if (kind === "bad") this.set_cookie("bad", "a b");
    }
  }

  async function setCookies(
    server: testing.TestServer,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<string[]> {
    const response = await server.fetch(path, { headers });
    return response.headers.get_list("Set-Cookie");
  }

  test("get_cookie reads request cookies, unquoting quoted values", async () => {
    const server = await serve([["/(\\w+)", Cookies]]);
    const response = await server.fetch("/read", { headers: { Cookie: 'foo="bar"; other=1' } });
    expect(response.json()).toEqual({ foo: "bar", missing: "default", morsel: "bar" });
  });

  test("set_cookie writes Tornado's Set-Cookie values", async () => {
    const server = await serve([["/(\\w+)", Cookies]]);
    expect(await setCookies(server, "/set")).toEqual([
      "str=asdf; Path=/",
      "unicode_args=blah; Domain=foo.com; Path=/foo",
      "foo=bar; Max-Age=10; Path=/",
      "a=1; Path=/; Secure",
      "c=1; HttpOnly; Path=/",
      'equals="a=b"; Path=/',
      "same=Lax; Path=/; SameSite=Lax",
    ]);
  });

  test("setting a cookie twice sends only the last value", async () => {
    const server = await serve([["/(\\w+)", Cookies]]);
    expect(await setCookies(server, "/replace")).toEqual(["x=second; Path=/"]);
  });

  test("expires_days sets an expiry about that many days ahead", async () => {
    const server = await serve([["/(\\w+)", Cookies]]);
    const [cookie] = await setCookies(server, "/expires");
    const expires = Date.parse(/expires=([^;]+)/.exec(cookie)![1]);
    expect(Math.abs(expires - (Date.now() + 86400_000))).toBeLessThan(10_000);
  });

  test("clear_cookie and clear_all_cookies expire cookies in the past", async () => {
    const server = await serve([["/(\\w+)", Cookies]]);
    const [cleared] = await setCookies(server, "/clear");
    expect(cleared).toMatch(/^foo=""; expires=[^;]+ GMT; Path=\/$/);
    expect(Date.parse(/expires=([^;]+)/.exec(cleared)![1])).toBeLessThan(Date.now() - 300 * 86400_000);
    const all = await setCookies(server, "/clear_all", { Cookie: "a=1; b=2" });
    expect(all.map((c) => c.split(";")[0])).toEqual(['a=""', 'b=""']);
  });

  test("a cookie value with a space is refused with an error (500)", async () => {
    const server = await serve([["/(\\w+)", Cookies]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/bad"));
    expect(response.code).toBe(500);
  });
});

describe("HTTP/1.0 and raw requests", () => {
  test("a request without Host on HTTP/1.0 has host 127.0.0.1", async () => {
    class Host extends web.RequestHandler {
      get() {
        this.write(this.request.host);
      }
    }
    const server = await serve([["/", Host]]);
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.0\r\n\r\n");
    expect(splitResponse(raw).body).toBe("127.0.0.1");
  });
});
