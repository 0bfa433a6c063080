// Every parser over client bytes runs in time linear in its input: each test builds the worst
// shape found for one parser at two sizes and checks the time ratio with `expectLinear` (see
// tests/support/linearity.ts). Sizes are characters unless the builder says otherwise.
import * as escape from "../src/escape";
import { web } from "../src";
import { removeslash } from "../src/web/decorators";
import { parse_cookie } from "../src/httputil/cookies";
import { HTTPHeaders } from "../src/httputil/headers";
import { split_host_and_port, url_concat } from "../src/httputil/util";
import { HTTPServerRequest } from "../src/httputil";
import { create_signed_value, decode_signed_value } from "../src/web/signing";
import { decode_xsrf_token } from "../src/web/xsrf";
import { stripPythonWhitespace } from "../src/util";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";
import { openSocket, readUntil } from "./support/wire";

const SECRET = "0123456789abcdef";

describe("cookies", () => {
  test("parse_cookie: a run of spaces inside a value (the edge trim)", () => {
    expectLinear((n) => "a=x" + " ".repeat(n) + "x", parse_cookie);
  });

  test("parse_cookie: a run of Python-only whitespace (U+3000) inside a name", () => {
    expectLinear((n) => "x" + "\u3000".repeat(n) + "x=1", parse_cookie);
  });

  test("parse_cookie: runs of ; and = and quoted backslashes", () => {
    expectLinear((n) => ";".repeat(n / 2) + "=".repeat(n / 2), parse_cookie);
    expectLinear((n) => `a="${"\\".repeat(n)}"`, parse_cookie);
    expectLinear((n) => "a=1;".repeat(n / 4), parse_cookie);
  });

  test("the request's cookies (through HTTPHeaders): spaces inside a value", () => {
    expectLinear(
      (n) => HTTPHeaders.from_raw(["Cookie", "a=x" + " ".repeat(n) + "x"]),
      (headers) => new HTTPServerRequest({ method: "GET", uri: "/", headers }).cookies,
    );
  });

  test("a Cookie header of 60,000 spaces is answered at once, over a socket", async () => {
    class CookieHandler extends web.RequestHandler {
      get(): void {
        this.write(`[${this.get_cookie("a")}]`);
      }
    }
    const server = await serve([["/", CookieHandler]], {}, { max_header_size: 128 * 1024 });
    const socket = await openSocket(server.port);
    const started = Date.now();
    socket.write(`GET / HTTP/1.1\r\nHost: x\r\nCookie: a=x${" ".repeat(60000)}x\r\nConnection: close\r\n\r\n`);
    const response = await readUntil(socket, (got) => got.includes("x]"));
    socket.destroy();
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain(`[x${" ".repeat(60000)}x]`);
    // The quadratic trim took about 2 s here; linear code takes a few milliseconds.
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe("query strings", () => {
  test.each([
    ["& runs", (n: number) => "&".repeat(n)],
    ["= runs", (n: number) => "=".repeat(n)],
    ["% runs", (n: number) => "%".repeat(n)],
    ["%4 runs", (n: number) => "a=" + "%4".repeat(n / 2)],
    ["+ runs", (n: number) => "+=" + "+".repeat(n)],
    ["many fields of one name", (n: number) => "a=1&".repeat(n / 4)],
    ["many distinct names", (n: number) => Array.from({ length: n / 8 }, (_, i) => `k${i}=v`).join("&")],
    ["wide characters", (n: number) => "a=" + "\u00e9\u4e2d%".repeat(n / 3)],
  ])("parse_qs_bytes: %s", (_shape, build) => {
    expectLinear(build, (qs) => escape.parse_qs_bytes(qs, true));
  });

  test("the request's query arguments", () => {
    expectLinear(
      (n) => new HTTPServerRequest({ method: "GET", uri: "/?" + "a=%&".repeat(n / 4) }),
      (request) => request.query_arguments,
    );
  });

  test.each([
    ["% runs", (n: number) => "%".repeat(n)],
    ["%4 runs", (n: number) => "%4".repeat(n / 2)],
    ["escapes", (n: number) => "%E2%82%AC".repeat(n / 9)],
    ["+ runs", (n: number) => "+".repeat(n)],
  ])("url_unescape: %s", (_shape, build) => {
    expectLinear(build, (s) => escape.url_unescape(s));
    expectLinear(build, (s) => escape.url_unescape(s, null));
    expectLinear(build, (s) => escape.url_unescape(s, "latin1", false));
  });

  test("url_concat over a long existing query", () => {
    expectLinear((n) => "/x?" + "a=%&".repeat(n / 4), (url) => url_concat(url, { b: "1" }));
  });
});

describe("HTTPHeaders", () => {
  test("parse: many lines, continuation lines, padded values", () => {
    expectLinear((n) => "A: b\r\n".repeat(n / 6), (text) => HTTPHeaders.parse(text));
    expectLinear((n) => "A: b\r\n" + " c\r\n".repeat(n / 4), (text) => HTTPHeaders.parse(text));
    expectLinear((n) => "A:" + " ".repeat(n) + "b" + " ".repeat(n) + "\r\n", (text) => HTTPHeaders.parse(text));
    expectLinear((n) => "\r\n".repeat(n / 2), (text) => HTTPHeaders.parse(text));
  });

  test("from_raw then get, has and get_list over many values of one name", () => {
    const build = (n: number) => Array.from({ length: n / 8 }, () => ["Accept", "a"]).flat();
    expectLinear(build, (raw) => HTTPHeaders.from_raw(raw).get("accept"));
    expectLinear(build, (raw) => HTTPHeaders.from_raw(raw).has("Cookie"));
    expectLinear(build, (raw) => HTTPHeaders.from_raw(raw).get_list("accept"));
  });

  test("add many values of one name, then get", () => {
    expectLinear(
      (n) => n / 8,
      (count) => {
        const headers = new HTTPHeaders();
        for (let i = 0; i < count; i++) headers.add("X-Many", "v");
        return headers.get("x-many");
      },
    );
  });
});

describe("escape functions", () => {
  test.each([
    ["xhtml_escape", (n: number) => "<&\"'>".repeat(n / 5), escape.xhtml_escape],
    ["xhtml_unescape: & runs", (n: number) => "&".repeat(n), escape.xhtml_unescape],
    ["xhtml_unescape: &# runs", (n: number) => "&#".repeat(n / 2), escape.xhtml_unescape],
    ["xhtml_unescape: unterminated names", (n: number) => "&" + "a".repeat(n), escape.xhtml_unescape],
    ["xhtml_unescape: entities", (n: number) => "&amp;&#x41;&#65;".repeat(n / 15), escape.xhtml_unescape],
    ["squeeze: spaces", (n: number) => "a" + " ".repeat(n) + "b", escape.squeeze],
    ["squeeze: U+3000 runs", (n: number) => "a" + "\u3000".repeat(n) + "b", escape.squeeze],
    ["squeeze: U+00A0 at the end", (n: number) => "a" + "\u00a0".repeat(n), escape.squeeze],
    ["url_escape", (n: number) => "a /!'()*\u00e9".repeat(n / 9), (s: string) => escape.url_escape(s)],
    ["url_escape (path)", (n: number) => "a /!'()*\u00e9".repeat(n / 9), (s: string) => escape.url_escape(s, false)],
    ["json_decode", (n: number) => JSON.stringify("\\\"".repeat(n / 2)), escape.json_decode],
    ["json_encode", (n: number) => "</\u00e9,:\"".repeat(n / 6), escape.json_encode],
    ["to_unicode", (n: number) => Buffer.from("\u00e9".repeat(n / 2)), escape.to_unicode],
    ["utf8", (n: number) => "\u{1F600}".repeat(n / 2), escape.utf8],
    ["linkify: a-a-a... (a word boundary at every character)", (n: number) => "a-".repeat(n / 2), (s: string) => escape.linkify(s)],
    ["linkify: protocol runs with a failing tail", (n: number) => "a-".repeat(n / 4) + "a:/" + "!".repeat(n / 2), (s: string) => escape.linkify(s)],
    ["linkify: many URLs", (n: number) => "http://a.b/c-d ".repeat(n / 15), (s: string) => escape.linkify(s, true)],
    ["linkify: www. with punctuation", (n: number) => "www.".repeat(n / 8) + "!".repeat(n / 2), (s: string) => escape.linkify(s)],
    ["linkify: parentheses", (n: number) => "http://(" + "(a)".repeat(n / 3), (s: string) => escape.linkify(s)],
    ["Python strip", (n: number) => "\u3000 " + "x" + " \u2000".repeat(n / 2) + "x" + "\t".repeat(n), stripPythonWhitespace],
  ] as Array<[string, (n: number) => unknown, (input: any) => unknown]>)("%s", (_name, build, run) => {
    expectLinear(build, run);
  });
});

describe("hosts, signed values and tokens", () => {
  test.each([
    ["colons", (n: number) => ":".repeat(n)],
    ["digits", (n: number) => "a:" + "1".repeat(n)],
    ["colon-digit runs", (n: number) => ":1".repeat(n / 2)],
  ])("split_host_and_port: %s", (_shape, build) => {
    expectLinear(build, split_host_and_port);
  });

  test.each([
    ["pipes", (n: number) => "2|" + "|".repeat(n)],
    ["colons", (n: number) => "2|" + "1:".repeat(n / 2)],
    ["digits", (n: number) => "2|" + "1".repeat(n)],
    ["padded numbers", (n: number) => "2|" + " ".repeat(n) + "1" + " ".repeat(n) + "x"],
    ["underscored numbers", (n: number) => "2|1" + "_1".repeat(n / 2) + "_"],
    ["version 1", (n: number) => "a".repeat(n) + "|1|" + "0".repeat(40)],
    ["newlines", (n: number) => "1|" + "a".repeat(n) + "\n\n"],
  ])("decode_signed_value: %s", (_shape, build) => {
    expectLinear(build, (value) => decode_signed_value(SECRET, "n", value));
  });

  test("decode_signed_value: a valid value with a large payload", () => {
    const clock = () => 1_700_000_000;
    expectLinear(
      (n) => create_signed_value(SECRET, "n", "x".repeat(n), null, clock),
      (value) => decode_signed_value(SECRET, "n", value, 31, clock),
    );
  });

  test.each([
    ["hex", (n: number) => "ab".repeat(n / 2)],
    ["odd hex", (n: number) => "a".repeat(n + 1)],
    ["version 2 fields", (n: number) => "2|00000000|" + "ab".repeat(n / 2) + "|1"],
    ["pipes", (n: number) => "2|" + "|".repeat(n)],
    ["padded timestamp", (n: number) => "2|00000000|ab|" + " ".repeat(n) + "1" + " ".repeat(n) + "x"],
  ])("decode_xsrf_token: %s", (_shape, build) => {
    expectLinear(build, (token) => decode_xsrf_token(token, () => 0));
  });

  test("authenticated: the login redirect over a long request URI", () => {
    class Handler {
      current_user = null;
      redirected = "";
      request = { method: "GET", uri: "/" + "%/ ".repeat(1), full_url: () => "" };
      get_login_url(): string {
        return "\x00".repeat(8) + "https://login.example/";
      }
      redirect(url: string): void {
        this.redirected = url;
      }
    }
    const guarded = web.authenticated(function () {
      return undefined;
    } as never) as unknown as (this: Handler) => unknown;
    expectLinear(
      (n) => {
        const handler = new Handler();
        handler.request.uri = "/" + "%/ &".repeat(n / 4);
        handler.request.full_url = () => "https://x" + handler.request.uri;
        return handler;
      },
      (handler) => guarded.call(handler),
    );
  });
});

describe("path and arguments", () => {
  class Slashes extends web.RequestHandler {
    @removeslash
    override get(): void {
      this.write("served");
    }
  }

  test("removeslash: a long run of slashes before the last segment", () => {
    const get = Slashes.prototype.get as unknown as (this: unknown) => unknown;
    expectLinear(
      (n) => ({ request: { method: "GET", path: "/a" + "/".repeat(n) + "x/", query: "" }, redirect: () => undefined }),
      (handler) => get.call(handler),
    );
  });

  test("removeslash over a socket: /a, 60,000 slashes, x/ redirects at once", async () => {
    const server = await serve([["/.*", Slashes]], {}, { max_header_size: 128 * 1024 });
    const path = "/a" + "/".repeat(60000) + "x/";
    const started = Date.now();
    const socket = await openSocket(server.port);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const response = await readUntil(socket, (got) => got.includes("\r\n\r\n"));
    socket.destroy();
    expect(response).toMatch(/^HTTP\/1\.1 301 /);
    expect(response).toContain(`\r\nLocation: ${path.slice(0, -1)}\r\n`);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test("get_argument's strip over a long run of spaces", () => {
    class Args extends web.RequestHandler {}
    expectLinear(
      (n) => {
        const request = new HTTPServerRequest({ uri: "/?a=" + "+".repeat(n) + "x" + "+".repeat(n) });
        return new Args(new web.Application([]), request);
      },
      (handler) => handler.get_argument("a"),
    );
  });
});
