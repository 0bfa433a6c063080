/**
 * Every parser that reads client bytes runs in time linear in its input: the same worst shape at
 * two sizes (4 KiB and 64 KiB), best of three, must stay near the size ratio (see
 * tests/support/linearity.ts). The shapes are the ones that break backtracking regular
 * expressions and repeated scans: long runs of what a pattern trims or repeats, followed by
 * something that makes it fail.
 */
import { escape, httputil, web } from "../src";
import { removeslash } from "../src/web/decorators";
import { parse_cookie } from "../src/httputil/cookies";
import { _parsePythonInt } from "../src/web/signing";
import { decode_xsrf_token } from "../src/web/xsrf";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";
import { openSocket, readUntil } from "./support/wire";

const run = (n: number, unit: string) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

describe("cookies", () => {
  const shapes: Array<[string, (n: number) => string]> = [
    ["spaces inside a value", (n) => "a=x" + " ".repeat(n) + "x"],
    ["spaces around a name", (n) => " ".repeat(n) + "x" + " ".repeat(n) + "=1"],
    ["tabs then a semicolon", (n) => "a=" + "\t".repeat(n) + "x;b=2"],
    ["many empty fields", (n) => run(n, ";")],
    ["many tiny cookies", (n) => run(n, "a=b;")],
    ["a quoted value of escapes", (n) => 'a="' + run(n, "\\\\") + '"'],
    ["a quoted value of octal escapes", (n) => 'a="' + run(n, "\\012") + '"'],
    ["an unterminated quote", (n) => 'a="' + run(n, "\\") + "x"],
  ];
  test.each(shapes)("parse_cookie: %s", (_name, build) => {
    expectLinear(build, (header) => parse_cookie(header));
  });
});

describe("escape", () => {
  test.each<[string, (n: number) => string]>([
    ["squeeze: Unicode spaces inside", (n) => "a" + "\u2000".repeat(n) + "b"],
    ["squeeze: control runs", (n) => run(n, "\x01 \x02")],
  ])("%s", (_name, build) => {
    expectLinear(build, (text) => escape.squeeze(text));
  });

  test.each<[string, (n: number) => string]>([
    ["an ampersand then letters, no semicolon", (n) => "&" + "a".repeat(n)],
    ["many ampersands", (n) => run(n, "&")],
    ["numeric references without an end", (n) => run(n, "&#1")],
    ["hex references without an end", (n) => "&#x" + "f".repeat(n)],
  ])("xhtml_unescape: %s", (_name, build) => {
    expectLinear(build, (text) => escape.xhtml_unescape(text));
  });

  test.each<[string, (n: number) => string]>([
    ["percent runs", (n) => run(n, "%41")],
    ["broken percents", (n) => run(n, "%4")],
    ["plus signs", (n) => run(n, "+")],
    ["wide characters", (n) => run(n, "ğ%C4")],
  ])("url_unescape: %s", (_name, build) => {
    expectLinear(build, (text) => escape.url_unescape(text));
    expectLinear(build, (text) => escape.url_unescape(text, null));
  });

  test.each<[string, (n: number) => string]>([
    ["a&a&a", (n) => run(n, "a&")],
    ["names full of escapes", (n) => run(n, "%C4%9F") + "=1"],
    ["equals signs", (n) => "a" + "=".repeat(n)],
  ])("parse_qs_bytes: %s", (_name, build) => {
    expectLinear(build, (text) => escape.parse_qs_bytes(text, true));
  });

  test("xhtml_escape, url_escape, json_decode, utf8/to_unicode on their worst characters", () => {
    expectLinear(
      (n) => run(n, "<&\"'>"),
      (text) => escape.xhtml_escape(text),
    );
    expectLinear(
      (n) => run(n, "ğ /!'()*"),
      (text) => escape.url_escape(text),
    );
    expectLinear(
      (n) => JSON.stringify(run(n, '\\"\u2028')),
      (text) => escape.json_decode(text),
    );
    expectLinear(
      (n) => run(n, "ğ\u{1F600}a"),
      (text) => escape.to_unicode(escape.utf8(text)),
    );
  });

  test.each<[string, (n: number) => string]>([
    ["a scheme then letters", (n) => "http://" + "a".repeat(n)],
    ["a scheme then punctuation", (n) => "http://" + run(n, "a!")],
    ["parentheses", (n) => "http://" + run(n, "(a")],
    ["entities", (n) => "http://" + run(n, "&amp;")],
    ["many schemes", (n) => run(n, "a:/")],
    ["www without an end", (n) => run(n, "www.")],
    ["a-a-a... (a word boundary at every character)", (n) => run(n, "a-")],
    ["protocol runs with a failing tail", (n) => run(n / 2, "a-") + "a:/" + "!".repeat(n / 2)],
    ["www. then punctuation", (n) => run(n / 2, "www.") + "!".repeat(n / 2)],
  ])("linkify: %s", (_name, build) => {
    expectLinear(build, (text) => escape.linkify(text), { small: 1024, large: 16384 });
  });
});

describe("httputil", () => {
  test.each<[string, (n: number) => string]>([
    ["colons", (n) => run(n, ":")],
    ["digits after a colon", (n) => "h:" + "1".repeat(n) + "x"],
    ["a long host", (n) => "a".repeat(n) + ":80"],
  ])("split_host_and_port: %s", (_name, build) => {
    expectLinear(build, (netloc) => httputil.split_host_and_port(netloc));
  });

  test.each<[string, (n: number) => string]>([
    ["a long target", (n) => "GET /" + "a".repeat(n) + " HTTP/1.1"],
    ["spaces", (n) => "GET " + " ".repeat(n) + "x"],
    ["a long method without a space", (n) => "G".repeat(n)],
  ])("parse_request_start_line: %s", (_name, build) => {
    expectLinear(build, (line) => {
      try {
        httputil.parse_request_start_line(line);
      } catch {
        // malformed is an answer too
      }
    });
  });

  test.each<[string, (n: number) => string]>([
    ["many short lines", (n) => run(n, "A: b\r\n")],
    ["continuation lines", (n) => "A: b\r\n" + run(n, " c\r\n")],
    ["one long value with spaces", (n) => "A: b" + " ".repeat(n) + "c\r\n"],
    ["colons", (n) => "A" + run(n, ":")],
  ])("HTTPHeaders.parse: %s", (_name, build) => {
    expectLinear(build, (text) => {
      try {
        httputil.HTTPHeaders.parse(text);
      } catch {
        // a refusal is an answer
      }
    });
  });

  test("HTTPHeaders.from_raw, get and get_list over many values of one name", () => {
    const build = (n: number) => {
      const raw: string[] = [];
      for (let i = 0; i < n / 8; i++) raw.push("X-A", "v" + i);
      return raw;
    };
    expectLinear(build, (raw) => {
      const headers = httputil.HTTPHeaders.from_raw(raw);
      headers.get("X-A");
      headers.get_list("X-A");
    });
  });
});

describe("signed values and XSRF tokens", () => {
  test.each<[string, (n: number) => string]>([
    ["pipes", (n) => run(n, "|")],
    ["a version prefix then digits", (n) => "2|" + "1".repeat(n)],
    ["length fields of spaces", (n) => "2|1:0|" + " ".repeat(n) + "x"],
    ["colons", (n) => "2|" + run(n, "1:")],
  ])("decode_signed_value: %s", (_name, build) => {
    expectLinear(build, (value) => web.decode_signed_value("secret", "name", value));
  });

  test.each<[string, (n: number) => string]>([
    ["spaces around digits", (n) => " ".repeat(n) + "1" + " ".repeat(n) + "x"],
    ["underscores", (n) => "1" + run(n, "_1") + "_"],
  ])("Python int parsing: %s", (_name, build) => {
    expectLinear(build, (text) => _parsePythonInt(text));
  });

  test.each<[string, (n: number) => string]>([
    ["hex digits", (n) => "2|" + "a".repeat(n)],
    ["pipes", (n) => run(n, "2|")],
    ["a version then a newline", (n) => "2|" + "a".repeat(n) + "\nx"],
  ])("decode_xsrf_token: %s", (_name, build) => {
    expectLinear(build, (cookie) => decode_xsrf_token(cookie));
  });
});

describe("over a socket", () => {
  class CookieReader extends web.RequestHandler {
    get() {
      this.write(String(this.get_cookie("a")?.length ?? -1));
    }
  }

  test("a Cookie header of 'a=x', 60,000 spaces and 'x' is answered at once and a concurrent GET is not held up", async () => {
    const server = await serve([["/", CookieReader]]);
    const socket = await openSocket(server.port);
    const started = process.hrtime.bigint();
    socket.write(`GET / HTTP/1.1\r\nHost: x\r\nCookie: a=x${" ".repeat(60000)}x\r\n\r\n`);
    const answer = await readUntil(socket, (r) => /\r\n\r\n\d+$/.test(r));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n60002$/);
    expect(elapsedMs).toBeLessThan(500); // the quadratic trim took about 2 s here
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
    const server = await serve([["/.*", Slashes]], {}, { max_header_size: 128 * 1024, max_uri_size: 128 * 1024 });
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
      (n) =>
        new Args(
          new web.Application([]),
          new httputil.HTTPServerRequest({ uri: "/?a=" + "+".repeat(n) + "x" + "+".repeat(n) }),
        ),
      (handler) => handler.get_argument("a"),
    );
  });
});
