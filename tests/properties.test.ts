import fc from "fast-check";
import { escape, httputil, template, web } from "../src";
import { parse_cookie } from "../src/httputil/cookies";
import { etagMatches } from "../src/web/output";
import { pyStrip } from "../src/util";
import { serve } from "./support/serve";

// Property tests of what reads client bytes or writes them into pages: no generated input throws
// out of the framework except through a documented error, round trips hold, and with autoescape
// on no generated string reaches a page unescaped. Runs are counted, so the time is bounded.

const RUNS = { numRuns: 300 };

/** Characters that matter to these parsers and escapers, plus ordinary, wide and astral ones. */
const TRICKY = [
  " ",
  "\t",
  "\r",
  "\n",
  "\x00",
  "\x7f",
  ";",
  "=",
  ",",
  "&",
  "%",
  "+",
  '"',
  "'",
  "\\",
  "<",
  ">",
  "/",
  ":",
  "#",
  "?",
  "a",
  "Z",
  "0",
  "7",
  "é",
  "ğ",
  "\u00a0",
  "\u2000",
  "\u2028",
  "\u{1F600}",
  "\ud800",
];
const tricky = fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 80 });
const anyText = fc.oneof(
  tricky,
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);
/** Strings without lone surrogates: what a UTF-8 round trip can carry. */
const wellFormed = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TRICKY.filter((c) => c !== "\ud800")), maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

describe("cookies", () => {
  test("parse_cookie never throws, and gives a plain map of strings", () => {
    fc.assert(
      fc.property(anyText, (header) => {
        const cookies = parse_cookie(header);
        expect(Object.getPrototypeOf(cookies)).toBeNull();
        for (const value of Object.values(cookies)) expect(typeof value).toBe("string");
      }),
      RUNS,
    );
  });

  test("a cookie formatted by format_set_cookie reads back with its value", () => {
    const name = fc.string({ unit: fc.constantFrom(..."abcXYZ09_-"), minLength: 1, maxLength: 10 });
    const value = fc.string({ unit: fc.constantFrom(...'abc09 ;,"\\=é'.split("")), maxLength: 20 });
    fc.assert(
      fc.property(name, value, (n, v) => {
        let header: string;
        try {
          header = httputil.format_set_cookie(n, v);
        } catch (err) {
          expect(err).toBeInstanceOf(httputil.CookieError); // a value a cookie cannot carry
          return;
        }
        const pair = header.split("; ")[0];
        expect(parse_cookie(pair)[n]).toBe(v);
      }),
      RUNS,
    );
  });
});

describe("query strings", () => {
  test("parse_qs_bytes never throws unless strict, and every value is a Buffer", () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (qs, keepBlank) => {
        const parsed = escape.parse_qs_bytes(qs, keepBlank);
        for (const values of Object.values(parsed)) for (const v of values) expect(Buffer.isBuffer(v)).toBe(true);
      }),
      RUNS,
    );
  });

  test("fields escaped with url_escape parse back to themselves", () => {
    const field = fc.tuple(
      wellFormed.filter((s) => s !== ""),
      wellFormed,
    );
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), (fields) => {
        const qs = fields.map(([k, v]) => `${escape.url_escape(k)}=${escape.url_escape(v)}`).join("&");
        const parsed = escape.parse_qs_bytes(qs, true);
        const expected: Record<string, string[]> = Object.create(null);
        for (const [k, v] of fields) (expected[k] ??= []).push(v);
        const got: Record<string, string[]> = Object.create(null);
        for (const [k, values] of Object.entries(parsed)) got[k] = values.map((b) => b.toString("utf8"));
        expect(got).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe("HTTPHeaders", () => {
  test("parse accepts or refuses with HTTPInputError, never anything else", () => {
    const lines = fc.array(
      fc.oneof(
        tricky,
        tricky.map((s) => `X-${s}: ${s}`),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(lines, fc.constantFrom("\r\n", "\n"), (parts, eol) => {
        try {
          httputil.HTTPHeaders.parse(parts.join(eol));
        } catch (err) {
          expect(err).toBeInstanceOf(httputil.HTTPInputError);
        }
      }),
      RUNS,
    );
  });

  test("values added are read back in order, whatever the name's case", () => {
    const name = fc.string({ unit: fc.constantFrom(..."abcXYZ-09"), minLength: 1, maxLength: 12 });
    const value = fc.string({ unit: fc.constantFrom(...'ab c09;,="é\t'), maxLength: 20 }).map((s) => s.trim());
    fc.assert(
      fc.property(name, fc.array(value, { minLength: 1, maxLength: 6 }), (n, values) => {
        const headers = new httputil.HTTPHeaders();
        for (const v of values) headers.add(n, v);
        expect(headers.get_list(n.toUpperCase())).toEqual(values);
        expect(headers.get(n.toLowerCase())).toBe(values.join(","));
        const reparsed = httputil.HTTPHeaders.parse([...headers.get_all()].map(([k, v]) => `${k}: ${v}`).join("\r\n"));
        expect(reparsed.get_list(n)).toEqual(values);
      }),
      RUNS,
    );
  });

  test("set and add refuse a value that would split the header, with an Error, never a broken header", () => {
    fc.assert(
      fc.property(tricky, (value) => {
        const headers = new httputil.HTTPHeaders();
        try {
          headers.add("X-Test", value);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          return;
        }
        expect(headers.get("X-Test")).not.toMatch(/[\r\n]/);
      }),
      RUNS,
    );
  });
});

describe("escape", () => {
  test("xhtml_unescape(xhtml_escape(s)) is s, and the escaped text holds no markup character", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const escaped = escape.xhtml_escape(s);
        expect(escaped).not.toMatch(/[<>"']/);
        expect(escaped).not.toMatch(/&(?!(?:amp|lt|gt|quot|#x27|#39);)/);
        expect(escape.xhtml_unescape(escaped)).toBe(s);
      }),
      RUNS,
    );
  });

  test("xhtml_unescape never throws on any text", () => {
    fc.assert(
      fc.property(
        anyText.map((s) => s.replace(/[a7]/g, "&#")),
        (s) => void escape.xhtml_unescape(s),
      ),
      RUNS,
    );
  });

  test("url_unescape(url_escape(s)) is s, with and without plus", () => {
    fc.assert(
      fc.property(wellFormed, fc.boolean(), (s, plus) => {
        expect(escape.url_unescape(escape.url_escape(s, plus), "utf-8", plus)).toBe(s);
      }),
      RUNS,
    );
  });

  test("url_unescape never throws on any text, to text or to bytes", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(typeof escape.url_unescape(s)).toBe("string");
        expect(Buffer.isBuffer(escape.url_unescape(s, null))).toBe(true);
      }),
      RUNS,
    );
  });

  test("json_decode(json_encode(v)) is v, and json_encode never writes '</'", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = escape.json_encode(v);
        expect(text).not.toContain("</");
        expect(escape.json_decode(text)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      RUNS,
    );
  });

  test("squeeze and linkify never throw, and linkify leaves no markup character of the input unescaped", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        escape.squeeze(s);
        const html = escape.linkify(s);
        // Only the anchors linkify makes may carry tags.
        expect(html.replace(/<a href="[^"<>]*">|<\/a>/g, "")).not.toMatch(/[<>]/);
      }),
      RUNS,
    );
  });
});

describe("templates with autoescape on", () => {
  const page = new template.Template('<p title="{{ x }}">{{ x }}</p>');
  const raw = new template.Template("{% raw x %}");

  test("no generated string reaches the output unescaped, and the output unescapes back to it", () => {
    fc.assert(
      fc.property(anyText, (x) => {
        const html = page.generate({ x }).toString("utf8");
        const inner = html.slice('<p title="'.length, html.length - "</p>".length);
        const [attribute, body] = inner.split('">');
        for (const part of [attribute, body]) {
          expect(part).not.toMatch(/[<>"']/);
          const expected = Buffer.from(x, "utf8").toString("utf8"); // lone surrogates become U+FFFD
          expect(escape.xhtml_unescape(part)).toBe(expected);
        }
      }),
      RUNS,
    );
  });

  test("{% raw %} is the one way past autoescape", () => {
    fc.assert(
      fc.property(wellFormed, (x) => expect(raw.generate({ x }).toString("utf8")).toBe(x)),
      RUNS,
    );
  });
});

describe("If-None-Match", () => {
  /** The tokens as Tornado finds them: `*`, `"..."` and `W/"..."`, left to right. */
  function byRegex(etag: string, header: string): boolean {
    const tokens = header.match(/\*|(?:W\/)?"[^"]*"/g);
    if (!etag || tokens === null) return false;
    if (tokens[0] === "*") return true;
    const strip = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);
    return tokens.some((tag) => strip(tag) === strip(etag));
  }

  test("etagMatches agrees with Tornado's token expression on every header", () => {
    const header = fc.string({ unit: fc.constantFrom('"', "W", "/", "*", ",", " ", "a", "b"), maxLength: 30 });
    const etag = fc.constantFrom('"a"', 'W/"a"', '"ab"', '""', '"b"');
    fc.assert(
      fc.property(etag, header, (e, h) => expect(etagMatches(e, h)).toBe(byRegex(e, h))),
      { numRuns: 2000 },
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
    "http://",
    "https:",
    "//",
    ":",
    "/",
    "www.",
    "www",
    ".",
    "-",
    "a-",
    "a-b:",
    "a",
    "\u00e9",
    "\u4e2d",
    "\u{1F600}",
    " ",
    "(",
    ")",
    "&",
    "&amp;",
    "<",
    "'",
    "!",
    "?",
    "#",
    "_",
    "9",
    "\u3000",
    ",",
  );
  fc.assert(
    fc.property(
      fc.array(piece, { maxLength: 25 }).map((parts) => parts.join("")),
      (text) => {
        expect(escape.linkify(text, false, "", false, ["http", "https", "a-b"])).toBe(linkifyReference(text));
      },
    ),
    { numRuns: 1000 },
  );
});

test("pyStrip removes exactly Python's whitespace set from both ends", () => {
  const ws = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  const reference = (s: string) => s.replace(new RegExp(`^${ws}+`), "").replace(new RegExp(`${ws}+$`), "");
  const edges = fc.string({
    unit: fc.constantFrom(" ", "\t", "\x1c", "\x85", "\u3000", "\ufeff", "\u200b", "a"),
    maxLength: 20,
  });
  fc.assert(
    fc.property(fc.oneof(anyText, edges), (s) => expect(pyStrip(s)).toBe(reference(s))),
    RUNS,
  );
  const single = new RegExp(`^${ws}$`);
  const mismatched: number[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    const c = String.fromCharCode(code);
    if ((pyStrip("a" + c) === "a") !== single.test(c)) mismatched.push(code);
  }
  expect(mismatched).toEqual([]);
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
