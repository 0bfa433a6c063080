import * as escape from "../src/escape";

const hex = (b: Buffer): string => b.toString("hex");

describe("xhtml_escape / xhtml_unescape", () => {
  const pairs: Array<[string | Buffer, string]> = [
    ["<foo>", "&lt;foo&gt;"],
    [Buffer.from("<foo>"), "&lt;foo&gt;"],
    ["<>&\"'", "&lt;&gt;&amp;&quot;&#x27;"],
    ["&amp;", "&amp;amp;"],
    ["<\u00e9>", "&lt;\u00e9&gt;"],
    [Buffer.from("<\u00e9>"), "&lt;\u00e9&gt;"],
  ];

  test.each(pairs)("escapes the five special characters of %p", (raw, escaped) => {
    expect(escape.xhtml_escape(raw)).toBe(escaped);
  });

  test.each(pairs)("unescaping the escaped form of %p gives the text back", (raw, escaped) => {
    expect(escape.xhtml_unescape(escaped)).toBe(escape.to_unicode(raw));
  });

  test("returns plain text unchanged", () => {
    expect(escape.xhtml_escape("plain text")).toBe("plain text");
  });

  test.each([
    ["foo&#32;bar", "foo bar"],
    ["foo&#x20;bar", "foo bar"],
    ["foo&#X20;bar", "foo bar"],
    ["foo&#xabc;bar", "foo\u0abcbar"],
    ["foo&#xyz;bar", "foo&#xyz;bar"],
    ["foo&#;bar", "foo&#;bar"],
    ["foo&#x;bar", "foo&#x;bar"],
    ["&#128512;", "\u{1F600}"],
    ["&#1114112;", "&#1114112;"],
  ])("decodes numeric entity %p, leaving malformed ones as they are", (escaped, text) => {
    expect(escape.xhtml_unescape(escaped)).toBe(text);
  });

  test("decodes HTML 4 named entities and leaves unknown names alone", () => {
    expect(escape.xhtml_unescape("&eacute;&Eacute;&euro;&hellip;&nbsp;&yuml;&diams;")).toBe(
      "\u00e9\u00c9\u20ac\u2026\u00a0\u00ff\u2666",
    );
    expect(escape.xhtml_unescape("&nosuch; &amp &AMP;")).toBe("&nosuch; &amp &AMP;");
  });

  test("rejects a Buffer that is not UTF-8", () => {
    expect(() => escape.xhtml_escape(Buffer.from([0xff]))).toThrow(TypeError);
  });
});

describe("url_escape", () => {
  test.each([
    [Buffer.from("\u00e9", "utf8"), "%C3%A9"],
    [Buffer.from("\u00e9", "latin1"), "%E9"],
    ["\u00e9", "%C3%A9"],
  ])("escapes %p byte for byte in UTF-8", (raw, escaped) => {
    expect(escape.url_escape(raw)).toBe(escaped);
  });

  test("uses + for spaces by default and %20 with plus=false", () => {
    expect(escape.url_escape("+ #%")).toBe("%2B+%23%25");
    expect(escape.url_escape("+ #%", false)).toBe("%2B%20%23%25");
  });

  test("escapes / only in plus mode", () => {
    expect(escape.url_escape("a/b")).toBe("a%2Fb");
    expect(escape.url_escape("a/b", false)).toBe("a/b");
    expect(escape.url_escape(Buffer.from("a/b c"), false)).toBe("a/b%20c");
  });

  test("leaves only letters, digits and _.-~ unescaped, with uppercase hex", () => {
    expect(escape.url_escape("aZ09_.-~!'()*:@?&=,;$")).toBe("aZ09_.-~%21%27%28%29%2A%3A%40%3F%26%3D%2C%3B%24");
    expect(escape.url_escape(Buffer.from([0x00, 0x7f, 0xab]))).toBe("%00%7F%AB");
  });

  test("encodes characters outside the BMP as four UTF-8 bytes", () => {
    expect(escape.url_escape("\u{1F600}")).toBe("%F0%9F%98%80");
  });
});

describe("url_unescape", () => {
  test.each([
    ["%C3%A9", "utf-8", "\u00e9"],
    ["%C3%A9", "latin1", "\u00c3\u00a9"],
  ] as const)("decodes %p as %p", (escaped, encoding, text) => {
    expect(escape.url_unescape(escaped, encoding)).toBe(text);
    expect(escape.url_unescape(Buffer.from(escaped), encoding)).toBe(text);
  });

  test("returns raw bytes when the encoding is null", () => {
    const bytes: Buffer = escape.url_unescape("%C3%A9", null);
    expect(bytes).toEqual(Buffer.from("\u00e9"));
    expect(escape.url_unescape(Buffer.from("%C3%A9"), null)).toEqual(Buffer.from("\u00e9"));
  });

  test("treats + as a space only in plus mode", () => {
    expect(escape.url_unescape("%2B+%23%25")).toBe("+ #%");
    expect(escape.url_unescape("%2B%20%23%25", "utf-8", false)).toBe("+ #%");
    expect(escape.url_unescape("a+b", "utf-8", false)).toBe("a+b");
    expect(escape.url_unescape("%2B+%23%25", null)).toEqual(Buffer.from("+ #%"));
    expect(escape.url_unescape("%2B%20%23%25", null, false)).toEqual(Buffer.from("+ #%"));
  });

  test("keeps malformed escapes and literal non-ASCII characters", () => {
    expect(escape.url_unescape("%zz%4%")).toBe("%zz%4%");
    expect(escape.url_unescape("\u00e9%C3%A9")).toBe("\u00e9\u00e9");
  });

  test("replaces invalid UTF-8 with U+FFFD", () => {
    expect(escape.url_unescape("a%FFb")).toBe("a\ufffdb");
  });
});

describe("unquote_to_bytes", () => {
  test("decodes escapes to raw bytes, with + as space when asked", () => {
    expect(hex(escape.unquote_to_bytes("a%20b+c%ff", true))).toBe(
      hex(Buffer.from([0x61, 0x20, 0x62, 0x20, 0x63, 0xff])),
    );
    expect(escape.unquote_to_bytes("a+b", false).toString("latin1")).toBe("a+b");
  });

  test("keeps a malformed escape literally", () => {
    expect(escape.unquote_to_bytes("100%", false).toString("latin1")).toBe("100%");
    expect(escape.unquote_to_bytes("%g1%1", false).toString("latin1")).toBe("%g1%1");
  });

  test("reads characters up to U+00FF as bytes and wider ones as UTF-8", () => {
    expect(hex(escape.unquote_to_bytes("\u00e9", false))).toBe("e9");
    expect(hex(escape.unquote_to_bytes("\u00e9\u20ac%41", false))).toBe("e9e282ac41");
  });
});

describe("json_encode", () => {
  test("matches Python's json.dumps layout, escaping and </ guard", () => {
    expect(escape.json_encode({ a: 1, b: [1, 2], c: "</script>\u00e9" })).toBe(
      '{"a": 1, "b": [1, 2], "c": "<\\/script>\\u00e9"}',
    );
  });

  test("escapes every character outside printable ASCII as lowercase \\uXXXX", () => {
    expect(escape.json_encode("\u007f\u00ff\u20ac\u{1F600}")).toBe('"\\u007f\\u00ff\\u20ac\\ud83d\\ude00"');
    expect(escape.json_encode('\n\r\t\b\f\u0001"\\')).toBe('"\\n\\r\\t\\b\\f\\u0001\\"\\\\"');
  });

  test("formats nested and empty containers like Python", () => {
    expect(escape.json_encode({ x: [], y: {}, z: [{ a: null, b: true }], "s, t": "a,\nb" })).toBe(
      '{"x": [], "y": {}, "z": [{"a": null, "b": true}], "s, t": "a,\\nb"}',
    );
  });

  test("round-trips through json_decode", () => {
    expect(escape.json_decode(escape.json_encode("\u00e9"))).toBe("\u00e9");
  });

  test("drops undefined members and honours toJSON, as JSON.stringify does", () => {
    expect(escape.json_encode({ a: undefined, d: new Date(0) })).toBe('{"d": "1970-01-01T00:00:00.000Z"}');
  });

  test("throws TypeError for a top-level value JSON cannot represent", () => {
    expect(() => escape.json_encode(undefined)).toThrow(TypeError);
  });
});

describe("json_decode", () => {
  test("accepts strings and UTF-8 Buffers", () => {
    expect(escape.json_decode(Buffer.from('"foo"'))).toBe("foo");
    expect(escape.json_decode('"foo"')).toBe("foo");
    expect(escape.json_decode(Buffer.from('"\u00e9"'))).toBe("\u00e9");
  });

  test("skips a UTF-8 byte order mark in a Buffer", () => {
    expect(escape.json_decode(Buffer.from("\ufeff[1]"))).toEqual([1]);
  });
});

describe("squeeze", () => {
  test("collapses runs of whitespace and control characters and strips the ends", () => {
    expect(escape.squeeze("sequences     of    whitespace   chars")).toBe("sequences of whitespace chars");
    expect(escape.squeeze(" \t a\x00\x01b\r\n ")).toBe("a b");
  });
});

describe("utf8 / to_unicode / recursive_unicode", () => {
  test("utf8 encodes strings and passes bytes and null through", () => {
    const buf = Buffer.from("x");
    expect(escape.utf8("\u00e9")).toEqual(Buffer.from([0xc3, 0xa9]));
    expect(escape.utf8(buf)).toBe(buf);
    expect(escape.utf8(null)).toBeNull();
    expect(escape.utf8(new Uint8Array([1, 2]))).toEqual(Buffer.from([1, 2]));
  });

  test("utf8 rejects other types with TypeError", () => {
    expect(() => escape.utf8(42 as unknown as string)).toThrow(TypeError);
  });

  test("to_unicode decodes UTF-8 strictly and passes strings and null through", () => {
    expect(escape.to_unicode(Buffer.from([0xc3, 0xa9]))).toBe("\u00e9");
    expect(escape.to_unicode("x")).toBe("x");
    expect(escape.to_unicode(null)).toBeNull();
    expect(() => escape.to_unicode(Buffer.from([0xc3]))).toThrow(TypeError);
    expect(() => escape.to_unicode({} as unknown as string)).toThrow(TypeError);
  });

  test("native_str and to_basestring are to_unicode", () => {
    expect(escape.native_str).toBe(escape.to_unicode);
    expect(escape.to_basestring).toBe(escape.to_unicode);
  });

  test("recursive_unicode decodes Buffers inside arrays and objects", () => {
    expect(escape.recursive_unicode({ foo: Buffer.from("bar") })).toEqual({ foo: "bar" });
    expect(escape.recursive_unicode([Buffer.from("foo"), Buffer.from("bar")])).toEqual(["foo", "bar"]);
    expect(escape.recursive_unicode(Buffer.from("foo"))).toBe("foo");
    expect(escape.recursive_unicode({ a: [{ b: Buffer.from("c") }], n: 1 })).toEqual({ a: [{ b: "c" }], n: 1 });
  });

  test("recursive_unicode keeps a __proto__ key as data", () => {
    const out = escape.recursive_unicode(JSON.parse('{"__proto__": {"polluted": 1}}'));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(["__proto__"]);
  });
});

describe("parse_qs_bytes", () => {
  const asText = (parsed: Record<string, Buffer[]>): Record<string, string[]> =>
    Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.map((b) => b.toString("latin1"))]));

  test("groups repeated names in order with values as bytes", () => {
    expect(asText(escape.parse_qs_bytes("a=1&b=2&a=3"))).toEqual({ a: ["1", "3"], b: ["2"] });
  });

  test("drops blank values unless keep_blank_values is set", () => {
    expect(asText(escape.parse_qs_bytes("a=&b&c=1"))).toEqual({ c: ["1"] });
    expect(asText(escape.parse_qs_bytes("a=&b&&c=1", true))).toEqual({ a: [""], b: [""], c: ["1"] });
  });

  test("splits on & only, not ;", () => {
    expect(asText(escape.parse_qs_bytes("a=1;b=2"))).toEqual({ a: ["1;b=2"] });
  });

  test("decodes + as space and keeps value bytes raw", () => {
    const parsed = escape.parse_qs_bytes("x=a+b%2B&y=%FF%C3%A9");
    expect(parsed.x[0].toString()).toBe("a b+");
    expect(hex(parsed.y[0])).toBe("ffc3a9");
  });

  test("reads a Buffer or Latin-1 text as raw bytes and decodes names as UTF-8", () => {
    expect(hex(escape.parse_qs_bytes(Buffer.from([0x76, 0x3d, 0xe9])).v[0])).toBe("e9");
    expect(Object.keys(escape.parse_qs_bytes("%C3%A9=1&\u00c3\u00a9=2"))).toEqual(["\u00e9"]);
    expect(Object.keys(escape.parse_qs_bytes("%FF=1"))).toEqual(["\ufffd"]);
  });

  test("treats a __proto__ field as an ordinary name", () => {
    const parsed = escape.parse_qs_bytes("__proto__=x&constructor=y");
    expect(parsed["__proto__"][0].toString()).toBe("x");
    expect(parsed["constructor"][0].toString()).toBe("y");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test("throws on malformed fields with strict_parsing", () => {
    expect(() => escape.parse_qs_bytes("a=1&b", false, true)).toThrow("bad query field: 'b'");
    expect(() => escape.parse_qs_bytes("a=1&&b=2", true, true)).toThrow("bad query field: ''");
    expect(asText(escape.parse_qs_bytes("a=1&b=", true, true))).toEqual({ a: ["1"], b: [""] });
  });
});

describe("linkify", () => {
  test("is in escape, as in Tornado, and links URLs in escaped text (Python Tornado 6.2's answer)", () => {
    expect(escape.linkify("see http://example.com/?a=1&b=<2> now")).toBe(
      'see <a href="http://example.com/?a=1&amp;b">http://example.com/?a=1&amp;b</a>=&lt;2&gt; now',
    );
  });
});
