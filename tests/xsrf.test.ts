import * as fs from "node:fs";
import * as path from "node:path";
import { HTTPError } from "../src/web/errors";
import { authenticated, type AuthenticatedHandler } from "../src/web/auth";
import { decode_xsrf_token, encode_xsrf_token, xsrf_form_html, xsrf_tokens_match } from "../src/web/xsrf";

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "tornado-signed.json"), "utf8"));
const RAW = Buffer.from(fixture.xsrf.raw_token_hex, "hex");
const TS: number = fixture.xsrf.timestamp;
const NOW = 1234567890.5;
const at = (seconds: number) => () => seconds;

interface XsrfCase {
  cookie: string;
  version: number | null;
  token_hex: string | null;
  timestamp: number | "now" | null;
  tornado_head?: { version: number | null; token_hex: string | null; timestamp: number | null };
}

describe("encode_xsrf_token", () => {
  test("version 2 is 2|mask|masked token|whole seconds, and decodes to the token", () => {
    const encoded = encode_xsrf_token(RAW, TS);
    expect(encoded).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|1700000000$/);
    expect(decode_xsrf_token(encoded)).toEqual({ version: 2, token: RAW, timestamp: 1700000000 });
  });

  test("each call uses a fresh mask, so the text differs while the token does not", () => {
    const seen = new Set(Array.from({ length: 20 }, () => encode_xsrf_token(RAW, TS)));
    expect(seen.size).toBe(20);
    for (const text of seen) expect(decode_xsrf_token(text).token).toEqual(RAW);
  });

  test("the masked part really is masked (not the bare token)", () => {
    const masks = Array.from({ length: 20 }, () => encode_xsrf_token(RAW, TS).split("|")[2]);
    expect(masks.filter((m) => m === RAW.toString("hex")).length).toBeLessThan(2);
  });

  test("version 1 is the bare hex token, as Tornado writes it", () => {
    expect(encode_xsrf_token(RAW, TS, 1)).toBe(fixture.xsrf.tornado_token_v1);
  });

  test("an unknown version throws", () => {
    expect(() => encode_xsrf_token(RAW, TS, 3)).toThrow(/unknown xsrf cookie version 3/);
  });
});

describe("decode_xsrf_token reads Python Tornado's tokens", () => {
  test.each(fixture.xsrf.tornado_tokens_v2 as string[])("v2 token %s gives the same raw bytes", (token) => {
    expect(decode_xsrf_token(token)).toEqual({ version: 2, token: RAW, timestamp: Math.trunc(TS) });
  });

  const cases: XsrfCase[] = fixture.xsrf.decode_cases;
  test.each(cases.map((c) => [JSON.stringify(c.cookie), c] as const))("%s decodes as in Tornado", (_label, c) => {
    // Where Tornado's git HEAD differs from the installed release, HEAD is what we follow.
    const expected = c.tornado_head ?? c;
    const got = decode_xsrf_token(c.cookie, at(NOW));
    expect(got.version).toBe(expected.version);
    expect(got.token === null ? null : got.token.toString("hex")).toBe(expected.token_hex);
    expect(got.timestamp).toBe(expected.timestamp === "now" ? Math.trunc(NOW) : expected.timestamp);
  });
});

describe("decode_xsrf_token", () => {
  test("a version-1 token is its hex bytes, stamped with the current time", () => {
    expect(decode_xsrf_token("deadbeef", at(NOW))).toEqual({
      version: 1,
      token: Buffer.from("deadbeef", "hex"),
      timestamp: 1234567890,
    });
  });

  test("legacy text that is not hex is taken as its own UTF-8 bytes", () => {
    expect(decode_xsrf_token("xoxo", at(NOW)).token).toEqual(Buffer.from("xoxo"));
    expect(decode_xsrf_token("\u00e9t\u00e9", at(NOW)).token).toEqual(Buffer.from("\u00e9t\u00e9", "utf8"));
  });

  test("a short mask is refused (Tornado HEAD validates the mask length)", () => {
    expect(decode_xsrf_token("2|000000|00112233|0")).toEqual({ version: null, token: null, timestamp: null });
  });

  test.each([
    "2|00000000|00112233",
    "2|00000000|0011223|0",
    "2|zzzzzzzz|00112233|0",
    "2|00000000|00112233|soon",
    "1|deadbeef",
    "3|00000000|00112233|0",
    "2|a|b|c|d",
    "2|\u{1F600}|00|0",
    "2|00000000|00112233|\ud800",
  ])("malformed %p gives nulls without throwing", (cookie) => {
    expect(() => decode_xsrf_token(cookie)).not.toThrow();
    expect(decode_xsrf_token(cookie)).toEqual({ version: null, token: null, timestamp: null });
  });

  test.each(["", "|", "||||", "\u0000", "\ud800", "2", "2|", "0|x", "x".repeat(10000)])(
    "odd input %p never throws",
    (cookie) => {
      expect(() => decode_xsrf_token(cookie)).not.toThrow();
    },
  );

  test("a non-string argument gives nulls", () => {
    expect(decode_xsrf_token(undefined as unknown as string)).toEqual({ version: null, token: null, timestamp: null });
  });
});

describe("xsrf_tokens_match", () => {
  test("equal tokens match, different ones do not", () => {
    expect(xsrf_tokens_match(RAW, Buffer.from(RAW))).toBe(true);
    const other = Buffer.from(RAW);
    other[15] ^= 1;
    expect(xsrf_tokens_match(RAW, other)).toBe(false);
  });

  test("tokens of different lengths do not match (and do not throw)", () => {
    expect(xsrf_tokens_match(RAW, RAW.subarray(0, 8))).toBe(false);
    expect(xsrf_tokens_match(Buffer.alloc(0), RAW)).toBe(false);
    expect(xsrf_tokens_match(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });

  test("two differently masked encodings of one token match once decoded, as a cookie and a form value do", () => {
    const cookie = decode_xsrf_token(encode_xsrf_token(RAW, TS)).token!;
    const form = decode_xsrf_token(encode_xsrf_token(RAW, TS)).token!;
    expect(xsrf_tokens_match(cookie, form)).toBe(true);
    const legacy = decode_xsrf_token(RAW.toString("hex")).token!;
    expect(xsrf_tokens_match(cookie, legacy)).toBe(true);
  });
});

describe("xsrf_form_html", () => {
  test("is a hidden _xsrf input carrying the token", () => {
    const token = encode_xsrf_token(RAW, TS);
    expect(xsrf_form_html(token)).toBe(`<input type="hidden" name="_xsrf" value="${token}"/>`);
  });

  test("escapes the token", () => {
    expect(xsrf_form_html(`a"<b>&'`)).toBe('<input type="hidden" name="_xsrf" value="a&quot;&lt;b&gt;&amp;&#x27;"/>');
    expect(xsrf_form_html(Buffer.from("x<y"))).toBe('<input type="hidden" name="_xsrf" value="x&lt;y"/>');
  });
});

/** A stand-in handler with just what `authenticated` reads. */
class FakeHandler implements AuthenticatedHandler {
  current_user: unknown = null;
  redirected: string | null = null;
  ran: unknown[] | null = null;
  request: { method: string; uri: string; host: string; full_url(): string };

  constructor(
    method: string,
    uri: string,
    public login_url = "/login",
  ) {
    this.request = {
      method,
      uri,
      host: "example.com:8888",
      full_url() {
        return `http://${this.host}${this.uri}`;
      },
    };
  }

  get_login_url(): string {
    return this.login_url;
  }

  redirect(url: string): void {
    this.redirected = url;
  }

  @authenticated
  get(...args: string[]): string {
    this.ran = args;
    return "got";
  }

  @authenticated
  async head(): Promise<string> {
    await Promise.resolve();
    return "headed";
  }

  @authenticated
  async post(): Promise<string> {
    return "posted";
  }

  delete = authenticated(function (this: FakeHandler, id: string): string {
    this.ran = [id];
    return "deleted";
  });

  put = authenticated(async function (this: FakeHandler): Promise<string> {
    return "put";
  });
}

describe("authenticated", () => {
  test("GET without a user redirects to the login URL with next=<uri>, and the method does not run", () => {
    const h = new FakeHandler("GET", "/relative");
    expect(h.get("a")).toBeUndefined();
    expect(h.redirected).toBe("/login?next=%2Frelative");
    expect(h.ran).toBeNull();
  });

  test("HEAD without a user redirects too, even for an async method", () => {
    const h = new FakeHandler("HEAD", "/page?x=1&y=2");
    expect(h.head()).toBeUndefined();
    expect(h.redirected).toBe("/login?next=%2Fpage%3Fx%3D1%26y%3D2");
  });

  test("an absolute login URL gets the full URL as next", () => {
    const h = new FakeHandler("GET", "/absolute", "http://127.0.0.1:9999/login");
    h.get();
    expect(h.redirected).toBe("http://127.0.0.1:9999/login?next=http%3A%2F%2Fexample.com%3A8888%2Fabsolute");
  });

  test("a login URL that already has a query is used as it is", () => {
    const h = new FakeHandler("GET", "/relative", "/login?service=app");
    h.get();
    expect(h.redirected).toBe("/login?service=app");
  });

  test.each(["POST", "DELETE", "PUT", "PATCH", "OPTIONS"])(
    "%s without a user throws HTTPError(403) and does not redirect",
    (method) => {
      const h = new FakeHandler(method, "/relative");
      const call = method === "POST" ? () => h.post() : method === "PUT" ? () => h.put() : () => h.delete("7");
      expect(call).toThrow(HTTPError);
      try {
        call();
      } catch (e) {
        expect((e as HTTPError).status_code).toBe(403);
      }
      expect(h.redirected).toBeNull();
      expect(h.ran).toBeNull();
    },
  );

  test("a logged-in user passes through to a sync method, with its arguments and result", () => {
    const h = new FakeHandler("GET", "/relative");
    h.current_user = { name: "ann" };
    expect(h.get("a", "b")).toBe("got");
    expect(h.ran).toEqual(["a", "b"]);
    expect(h.redirected).toBeNull();
    h.request.method = "DELETE";
    expect(h.delete("9")).toBe("deleted");
    expect(h.ran).toEqual(["9"]);
  });

  test("a logged-in user passes through to async methods, decorator and wrapper alike", async () => {
    const h = new FakeHandler("POST", "/relative");
    h.current_user = "ann";
    await expect(h.post()).resolves.toBe("posted");
    await expect(h.put()).resolves.toBe("put");
    h.request.method = "HEAD";
    await expect(h.head()).resolves.toBe("headed");
  });

  test("any falsy current_user counts as logged out", () => {
    for (const user of [null, undefined, 0, "", false]) {
      const h = new FakeHandler("GET", "/r");
      h.current_user = user;
      h.get();
      expect(h.redirected).toBe("/login?next=%2Fr");
    }
  });

  test("the wrapper keeps the method's name", () => {
    expect(FakeHandler.prototype.get.name).toBe("get");
  });

  test("refuses a non-function", () => {
    expect(() => authenticated(42 as unknown as () => void)).toThrow(TypeError);
  });

  interface AuthCase {
    method: string;
    login_url: string;
    uri: string;
    full_url: string;
    redirect?: string;
    status?: number;
  }
  const cases: AuthCase[] = fixture.authenticated;
  test.each(cases.map((c) => [c.method, JSON.stringify(c.login_url), JSON.stringify(c.uri), c] as const))(
    "%s with login_url %s and uri %s behaves as in Tornado",
    (_m, _l, _u, c) => {
      const h = new FakeHandler(c.method, c.uri, c.login_url);
      h.request.full_url = () => c.full_url;
      const guarded = authenticated(function (this: FakeHandler) {
        return "ran";
      });
      if (c.status !== undefined) {
        expect(() => guarded.call(h)).toThrow(expect.objectContaining({ status_code: c.status }));
      } else {
        expect(guarded.call(h)).toBeUndefined();
        expect(h.redirected).toBe(c.redirect);
      }
    },
  );
});
