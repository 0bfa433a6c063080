// Property-based tests (fast-check) over the parsers that read client bytes and over the escape
// functions and template autoescaping: arbitrary input never throws out of the framework except
// with the documented error, round trips give the input back, and no generated string reaches
// autoescaped output unescaped. Each property runs a fixed number of cases so runtime is bounded.
import fc from "fast-check";
import * as escape from "../src/escape";
import { CookieError, format_set_cookie, parse_cookie } from "../src/httputil/cookies";
import { HTTPHeaders } from "../src/httputil/headers";
import { HTTPInputError } from "../src/httputil/errors";
import { HTTPServerRequest } from "../src/httputil";
import { Template } from "../src/template";
import { web } from "../src";
import { serve } from "./support/serve";
import { isPythonWhitespace, stripPythonWhitespace } from "../src/util";

const RUNS = { numRuns: 300 };

/** Single UTF-16 units of any value, lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Characters a client can put in an HTTP header (Node hands header bytes over as Latin-1). */
const latin1Unit = fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c));
/** The characters the parsers treat specially, so generated input hits their edge cases often. */
const specialUnit = fc.constantFrom(
  " ", "\t", "\r", "\n", "\u00a0", "\u3000", "\u0085", "=", ";", "&", "%", "+", '"', "\\", ",", ":", "|", "#",
  "<", ">", "'", "a", "0", "7", "\u00e9", "\u{1F600}",
);

/** Strings of every shape: any UTF-16 (lone surrogates too), whole code points, Latin-1, and parser specials. */
const anyString = fc.oneof(
  fc.string({ unit: anyUnit, maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: latin1Unit, maxLength: 40 }),
  fc.string({ unit: specialUnit, maxLength: 40 }),
  fc.string({ unit: fc.oneof(specialUnit, anyUnit), maxLength: 40 }),
);
/** Well-formed text (no lone surrogates): what UTF-8 can carry. */
const wellFormed = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.oneof(specialUnit, fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 40 }),
);

describe("parse_cookie", () => {
  test("never throws, and every name comes back stripped of Python whitespace", () => {
    fc.assert(
      fc.property(anyString, (header) => {
        const parsed = parse_cookie(header);
        expect(Object.getPrototypeOf(parsed)).toBeNull();
        for (const name of Object.keys(parsed)) expect(stripPythonWhitespace(name)).toBe(name);
      }),
      RUNS,
    );
  });

  test("reads back any value format_set_cookie accepts", () => {
    const value = fc.string({ unit: fc.oneof(specialUnit, anyUnit).filter((c) => c > " "), maxLength: 40 });
    fc.assert(
      fc.property(value, (v) => {
        const header = format_set_cookie("name", v, { path: null });
        expect(parse_cookie(header).name).toBe(v);
      }),
      RUNS,
    );
  });

  test("format_set_cookie either formats or throws CookieError, for any name and value", () => {
    fc.assert(
      fc.property(anyString, anyString, (name, value) => {
        try {
          format_set_cookie(name, value);
        } catch (err) {
          expect(err).toBeInstanceOf(CookieError);
        }
      }),
      RUNS,
    );
  });

  test("a request's cookies never throw, whatever the Cookie header", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(latin1Unit, specialUnit), maxLength: 60 }), (header) => {
        const request = new HTTPServerRequest({ headers: HTTPHeaders.from_raw(["Cookie", header]) });
        for (const morsel of Object.values(request.cookies)) expect(typeof morsel.value).toBe("string");
      }),
      RUNS,
    );
  });
});

describe("query strings", () => {
  test("parse_qs_bytes never throws without strict_parsing, on text or bytes", () => {
    fc.assert(
      fc.property(anyString, fc.boolean(), (qs, keepBlank) => {
        escape.parse_qs_bytes(qs, keepBlank);
        escape.parse_qs_bytes(Buffer.from(qs, "utf8"), keepBlank);
      }),
      RUNS,
    );
  });

  test("with strict_parsing it throws only its documented Error", () => {
    fc.assert(
      fc.property(anyString, (qs) => {
        try {
          escape.parse_qs_bytes(qs, true, true);
        } catch (err) {
          expect((err as Error).message).toMatch(/^bad query field: /);
        }
      }),
      RUNS,
    );
  });

  test("url_escape'd pairs parse back to the same names and values, in order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(wellFormed, wellFormed), { maxLength: 8 }), (pairs) => {
        const qs = pairs.map(([n, v]) => `${escape.url_escape(n)}=${escape.url_escape(v)}`).join("&");
        const parsed = escape.parse_qs_bytes(qs, true);
        const expected: Record<string, string[]> = Object.create(null);
        for (const [n, v] of pairs) (expected[n] ??= []).push(v);
        const got: Record<string, string[]> = Object.create(null);
        for (const n of Object.keys(parsed)) got[n] = parsed[n].map((b) => b.toString("utf8"));
        expect(got).toEqual(expected);
      }),
      RUNS,
    );
  });

  test("the request's query arguments never throw, whatever the URI", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(latin1Unit, specialUnit), maxLength: 60 }), (query) => {
        const request = new HTTPServerRequest({ uri: "/?" + query });
        for (const values of Object.values(request.query_arguments)) expect(values.every(Buffer.isBuffer)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("HTTPHeaders", () => {
  const token = fc.string({ unit: fc.constantFrom(..."!#$%&'*+-.^_`|~09AZaz"), minLength: 1, maxLength: 12 });
  const fieldChar = fc.oneof(
    fc.integer({ min: 0x21, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constantFrom(0x20, 0x09),
  ).map((c) => String.fromCharCode(c));
  /** RFC 9110 field values: field characters with no space or tab at either end. */
  const fieldValue = fc.string({ unit: fieldChar, maxLength: 20 }).map((v) => v.replace(/^[ \t]+/, "").replace(/[ \t]+$/, ""));

  test("parse throws nothing but HTTPInputError, on any text", () => {
    const text = fc.oneof(anyString, fc.array(fc.string({ unit: fc.oneof(latin1Unit, specialUnit), maxLength: 20 })).map((lines) => lines.join("\r\n")));
    fc.assert(
      fc.property(text, fc.boolean(), (headerText, charsAreBytes) => {
        try {
          HTTPHeaders.parse(headerText, { _chars_are_bytes: charsAreBytes });
        } catch (err) {
          expect(err).toBeInstanceOf(HTTPInputError);
        }
      }),
      RUNS,
    );
  });

  test("add then get_list and get give every value back, in order, under any spelling of the name", () => {
    fc.assert(
      fc.property(token, fc.array(fieldValue, { minLength: 1, maxLength: 6 }), (name, values) => {
        const headers = new HTTPHeaders();
        for (const value of values) headers.add(name, value);
        expect(headers.get_list(name.toUpperCase())).toEqual(values);
        expect(headers.get(name.toLowerCase())).toBe(values.join(","));
        expect(headers.has(name)).toBe(true);
      }),
      RUNS,
    );
  });

  test("toString parses back to the same pairs, and from_raw reads the same values", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(token, fieldValue), { maxLength: 8 }), (pairs) => {
        const headers = new HTTPHeaders();
        for (const [name, value] of pairs) headers.add(name, value);
        const reparsed = HTTPHeaders.parse(headers.toString());
        expect([...reparsed.get_all()]).toEqual([...headers.get_all()]);
        const raw = HTTPHeaders.from_raw(pairs.flat());
        for (const [name] of pairs) expect(raw.get(name)).toBe(headers.get(name));
      }),
      RUNS,
    );
  });

  test("add throws HTTPInputError for anything but a token name and a field value", () => {
    fc.assert(
      fc.property(anyString, anyString, (name, value) => {
        try {
          new HTTPHeaders().add(name, value);
        } catch (err) {
          expect(err).toBeInstanceOf(HTTPInputError);
        }
      }),
      RUNS,
    );
  });
});

/** Every `&` in escaped text starts one of the five entities xhtml_escape writes. */
const ESCAPED_TEXT_RE = /^(?:[^&<>"']|&amp;|&lt;|&gt;|&quot;|&#x27;)*$/su;

describe("escape functions", () => {
  test("xhtml_escape leaves no markup character, and xhtml_unescape gives the text back", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const escaped = escape.xhtml_escape(s);
        expect(escaped).toMatch(ESCAPED_TEXT_RE);
        expect(escape.xhtml_unescape(escaped)).toBe(s);
      }),
      RUNS,
    );
  });

  test("xhtml_unescape never throws on text", () => {
    const entityish = fc.string({ unit: fc.constantFrom("&", "#", "x", "X", ";", "1", "f", "amp", "lt", "\u00e9", "a"), maxLength: 30 });
    fc.assert(fc.property(fc.oneof(anyString, entityish), (s) => void escape.xhtml_unescape(s)), RUNS);
  });

  test("url_unescape(url_escape(s)) is s, with and without plus", () => {
    fc.assert(
      fc.property(wellFormed, fc.boolean(), (s, plus) => {
        const escaped = escape.url_escape(s, plus);
        expect(escaped).toMatch(plus ? /^[A-Za-z0-9_.\-~%+]*$/ : /^[A-Za-z0-9_.\-~%/]*$/);
        expect(escape.url_unescape(escaped, "utf-8", plus)).toBe(s);
        expect(escape.url_unescape(escaped, null, plus)).toEqual(Buffer.from(s, "utf8"));
      }),
      RUNS,
    );
  });

  test("url_escape throws only URIError (a lone surrogate); url_unescape never throws on text", () => {
    fc.assert(
      fc.property(anyString, fc.boolean(), (s, plus) => {
        try {
          escape.url_escape(s, plus);
        } catch (err) {
          expect(err).toBeInstanceOf(URIError);
        }
        escape.url_unescape(s, "utf-8", plus);
        escape.url_unescape(s, "latin1", plus);
        escape.url_unescape(s, null, plus);
      }),
      RUNS,
    );
  });

  test("squeeze leaves no edge whitespace and no run of blanks, and is idempotent", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const squeezed = escape.squeeze(s);
        expect(stripPythonWhitespace(squeezed)).toBe(squeezed);
        expect(squeezed).not.toMatch(/[\x00-\x20]{2}/);
        expect(escape.squeeze(squeezed)).toBe(squeezed);
      }),
      RUNS,
    );
  });

  test("stripPythonWhitespace matches a regex over Python's whitespace set", () => {
    const ws = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
    const reference = (s: string) => s.replace(new RegExp(`^${ws}+`), "").replace(new RegExp(`${ws}+$`), "");
    fc.assert(fc.property(anyString, (s) => expect(stripPythonWhitespace(s)).toBe(reference(s))), RUNS);
    const single = new RegExp(`^${ws}$`);
    const mismatched: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (isPythonWhitespace(code) !== single.test(String.fromCharCode(code))) mismatched.push(code);
    }
    expect(mismatched).toEqual([]);
  });

  test("json_decode(json_encode(s)) is s; the JSON is ASCII with no </", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.array(anyString), fc.dictionary(anyString, anyString)), (value) => {
        const json = escape.json_encode(value);
        expect(json).toMatch(/^[\x20-\x7e]*$/);
        expect(json).not.toContain("</");
        expect(escape.json_decode(json)).toEqual(value);
        expect(escape.json_decode(Buffer.from(json))).toEqual(value);
      }),
      RUNS,
    );
  });

  test("to_unicode(utf8(s)) is s; arbitrary bytes decode or throw TypeError", () => {
    fc.assert(
      fc.property(wellFormed, fc.uint8Array({ maxLength: 30 }), (s, bytes) => {
        expect(escape.to_unicode(escape.utf8(s))).toBe(s);
        try {
          expect(typeof escape.to_unicode(bytes)).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
        }
      }),
      RUNS,
    );
  });

  test("linkify leaves no markup of the text unescaped: only its own <a> tags", () => {
    const urlish = fc.string({ unit: fc.oneof(specialUnit, fc.constantFrom("http://", "www.", "(", ")", "/", ".", "-", "&amp;")), maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(anyString, urlish), fc.boolean(), (s, shorten) => {
        const html = escape.linkify(s, shorten);
        const withoutLinks = html.replace(/<a href="[^<>"]*"(?: title="[^<>"]*")?>([^<>"']*)<\/a>/g, "$1");
        expect(withoutLinks).toMatch(ESCAPED_TEXT_RE);
      }),
      RUNS,
    );
  });
});

/** Tornado's pattern as one global regular expression: what linkify did before its linear scan. */
function linkifyReference(text: string): string {
  const word = "\\p{L}\\p{N}_";
  const space = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const boundary = `(?:(?<=[${word}])(?![${word}])|(?<![${word}])(?=[${word}]))`;
  const urlChar = `(?:[^${space}&()]|&amp;|&quot;)`;
  const urlRe = new RegExp(
    `${boundary}((?:([${word}-]+):(\\/{1,3})|www[.])` +
      `(?:(?:${urlChar}*(?:[^!"#$%&'()*+,.:;<=>?@\\[\\]^\`{|}~${space}]))|(?:\\(${urlChar}*\\)))+)`,
    "gu",
  );
  return escape.xhtml_escape(text).replace(urlRe, (_m, url: string, proto: string | undefined) => {
    if (proto && !["http", "https", "a-b"].includes(proto)) return url;
    return `<a href="${proto ? url : "http://" + url}">${url}</a>`;
  });
}

test("linkify finds exactly the URLs Tornado's single global pattern finds", () => {
  const piece = fc.constantFrom(
    "http://", "https:", "//", ":", "/", "www.", "www", ".", "-", "a-", "a-b:", "a", "\u00e9", "\u4e2d", "\u{1F600}",
    " ", "(", ")", "&", "&amp;", "<", "'", "!", "?", "#", "_", "9", "\u3000", ",",
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 25 }).map((parts) => parts.join("")), (text) => {
      expect(escape.linkify(text, false, "", false, ["http", "https", "a-b"])).toBe(linkifyReference(text));
    }),
    { numRuns: 1000 },
  );
});

describe("template autoescaping", () => {
  const render = (source: string, x: unknown) => new Template(source).generate({ x }).toString("utf8");

  test("{{ x }} of any string is escaped and unescapes back to it", () => {
    fc.assert(
      fc.property(wellFormed, (x) => {
        const out = render("{{ x }}", x);
        expect(out).toMatch(ESCAPED_TEXT_RE);
        expect(escape.xhtml_unescape(out)).toBe(x);
      }),
      RUNS,
    );
  });

  test("inside an attribute, and for values that are not strings, nothing goes out unescaped", () => {
    const value = fc.oneof(wellFormed, fc.array(wellFormed, { maxLength: 4 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(value, (x) => {
        const out = render('<p title="{{ x }}">{{ x }}</p>', x);
        const match = /^<p title="(.*)">(.*)<\/p>$/su.exec(out);
        expect(match).not.toBeNull();
        expect(match![1]).toMatch(ESCAPED_TEXT_RE);
        expect(match![1]).toBe(match![2]);
        expect(escape.xhtml_unescape(match![1])).toBe(x === null ? "" : String(x));
      }),
      RUNS,
    );
  });

  test("a Buffer value is decoded, then escaped", () => {
    fc.assert(
      fc.property(wellFormed, (x) => {
        expect(escape.xhtml_unescape(render("{{ x }}", Buffer.from(x)))).toBe(x);
      }),
      RUNS,
    );
  });
});

describe("get_argument strips as Python's str.strip()", () => {
  class Echo extends web.RequestHandler {
    get(): void {
      this.write(escape.json_encode([this.get_argument("a"), this.get_argument("a", null, false)]));
    }
  }

  test("U+0085 is stripped and U+FEFF is kept, over a socket", async () => {
    const server = await serve([["/", Echo]]);
    const response = await server.fetch("/?a=%C2%85x%EF%BB%BF");
    expect(JSON.parse(response.body.toString("utf8"))).toEqual(["x\ufeff", "\u0085x\ufeff"]);
  });
});
