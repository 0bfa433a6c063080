import fc from "fast-check";
import { web, escape, httputil } from "../src";
import { serve } from "./support/serve";

// Property tests of request-body parsing: whatever the client sends, the only way out of the
// parser is the documented HTTPInputError (a 400), and bodies built from generated fields parse
// back to those fields.

const { parse_body_arguments, HTTPInputError } = httputil;
type Args = Record<string, Buffer[]>;
type Files = Record<string, httputil.HTTPFile[]>;

/** Characters that matter to these parsers, plus a few ordinary and non-ASCII ones. */
const TRICKY = [
  "-",
  "\r",
  "\n",
  "=",
  "&",
  ";",
  "%",
  "+",
  '"',
  "\\",
  " ",
  "\t",
  "*",
  "'",
  "a",
  "B",
  "0",
  "F",
  ":",
  "é",
  "\u2028",
  "\u00a0",
];
const trickyText = fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 200 });
const trickyBody = fc.oneof(
  trickyText.map((s) => Buffer.from(s, "utf8")),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
);
const contentType = fc.oneof(
  fc.constant("application/x-www-form-urlencoded"),
  trickyText.map((s) => "multipart/form-data" + s),
  trickyText.map((s) => "multipart/form-data; boundary=" + s),
  trickyText.map((s) => "multipart/form-data; boundary=B" + s),
  trickyText,
);

/** A multipart body of parts made from tricky text, with boundary B, so that the parser gets past the boundary. */
const trickyMultipart = fc
  .array(trickyText, { maxLength: 6 })
  .map((parts) => Buffer.from(parts.map((p) => `--B\r\n${p}`).join("\r\n") + "\r\n--B--"));

function parses(type: string, body: Buffer): "ok" | "400" {
  try {
    parse_body_arguments(type, body, Object.create(null), Object.create(null));
    return "ok";
  } catch (e) {
    if (e instanceof HTTPInputError) return "400";
    throw e;
  }
}

describe("no input throws out of the body parsers except HTTPInputError", () => {
  test("arbitrary content types and bodies", () => {
    fc.assert(
      fc.property(contentType, trickyBody, (type, body) => void parses(type, body)),
      { numRuns: 2000 },
    );
  });

  test("multipart bodies of tricky parts", () => {
    fc.assert(
      fc.property(trickyMultipart, (body) => void parses("multipart/form-data; boundary=B", body)),
      { numRuns: 2000 },
    );
  });

  test("over a socket: every such request is answered 200 or, exactly when the parser refuses it, 400", async () => {
    class Ok extends web.RequestHandler {
      post() {
        this.write("ok");
      }
    }
    const server = await serve([["/", Ok]]);
    // Header values a client can send: no CR, LF or other control characters.
    const sendable = contentType.filter((t) => /^[\x20-\x7e\u00a0-\u00ff]*$/.test(t));
    await fc.assert(
      fc.asyncProperty(sendable, fc.oneof(trickyBody, trickyMultipart), async (type, body) => {
        const response = await server.fetch("/", { method: "POST", headers: { "Content-Type": type }, body });
        expect(response.code).toBe(parses(type, body) === "ok" ? 200 : 400);
      }),
      { numRuns: 60 },
    );
  });
});

describe("urlencoded bodies", () => {
  test("are parsed as parse_qs_bytes(body, keep_blank_values=true) parses them (Tornado's way)", () => {
    fc.assert(
      fc.property(trickyBody, (body) => {
        const args: Args = Object.create(null);
        parse_body_arguments("application/x-www-form-urlencoded", body, args, Object.create(null));
        expect(args).toEqual(escape.parse_qs_bytes(body, true));
        expect(Object.keys(args)).toEqual(Object.keys(escape.parse_qs_bytes(body, true)));
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- Round trips: bodies built from generated fields ----

const name = fc.string({ unit: "grapheme", maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 64 }).map((a): Buffer => Buffer.from(a));

function percentEncodeBytes(value: Buffer): string {
  let out = "";
  for (const b of value)
    out += /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : "%" + b.toString(16).padStart(2, "0");
  return out;
}

/** name -> values, in the order the fields were generated. */
function grouped<T>(pairs: Array<[string, T]>): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const [key, value] of pairs) map.set(key, [...(map.get(key) ?? []), value]);
  return map;
}

function expectSameGroups<T>(actual: Record<string, T[]>, expected: Map<string, T[]>): void {
  expect(Object.keys(actual).sort()).toEqual([...expected.keys()].sort());
  for (const [key, values] of expected) expect(actual[key]).toEqual(values);
}

/** A handler that sends back what it parsed, bytes as hex. */
class Echo extends web.RequestHandler {
  post() {
    const hex = (b: Buffer) => b.toString("hex");
    const args = Object.entries(this.request.body_arguments).map(([k, vs]) => [k, vs.map(hex)]);
    const files = Object.entries(this.request.files).map(([k, fs]) => [
      k,
      fs.map((f) => [f.filename, f.content_type, hex(f.body)]),
    ]);
    this.write({ args, files });
  }
}

describe("round trips over a socket", () => {
  test("a urlencoded body built from generated fields parses back to those fields", async () => {
    const server = await serve([["/", Echo]]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, bytes), { maxLength: 8 }), async (fields) => {
        const body = fields.map(([k, v]) => `${encodeURIComponent(k)}=${percentEncodeBytes(v)}`).join("&");
        const response = await server.fetch("/", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body,
        });
        const echoed = response.json() as { args: Array<[string, string[]]> };
        expectSameGroups(Object.fromEntries(echoed.args), grouped(fields.map(([k, v]) => [k, v.toString("hex")])));
      }),
      { numRuns: 40 },
    );
  });

  // Names and file names: printable text without the quote and backslash that would need escaping.
  const partName = fc.string({
    unit: fc.constantFrom(..."abcXYZ019 _-.;=*'%é日ü".split("")),
    minLength: 1,
    maxLength: 10,
  });
  const fileType = fc.option(fc.constantFrom("text/plain", "application/octet-stream", "image/png; x=1"), {
    nil: undefined,
  });
  const field = fc.record({ name: partName, value: bytes });
  const file = fc.record({ name: partName, filename: partName, type: fileType, body: bytes });

  test("a multipart body built from generated fields and files parses back to them", async () => {
    const server = await serve([["/", Echo]]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(field, { maxLength: 5 }),
        fc.array(file, { maxLength: 5 }),
        fc.stringMatching(/^[A-Za-z0-9]{8,40}$/),
        async (fields, files, tag) => {
          const boundary = "----fc" + tag;
          const parts = [
            ...fields.map((f) =>
              Buffer.concat([Buffer.from(`Content-Disposition: form-data; name="${f.name}"\r\n\r\n`), f.value]),
            ),
            ...files.map((f) =>
              Buffer.concat([
                Buffer.from(
                  `Content-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\n${f.type ? `Content-Type: ${f.type}\r\n` : ""}\r\n`,
                ),
                f.body,
              ]),
            ),
          ];
          const body = Buffer.concat([
            ...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\n`), p, Buffer.from("\r\n")]),
            Buffer.from(`--${boundary}--\r\n`),
          ]);
          const response = await server.fetch("/", {
            method: "POST",
            headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
            body,
          });
          const echoed = response.json() as { args: Array<[string, string[]]>; files: Array<[string, string[][]]> };
          expectSameGroups(
            Object.fromEntries(echoed.args),
            grouped(fields.map((f) => [f.name, f.value.toString("hex")])),
          );
          const expectedFiles = grouped(
            files.map((f) => [f.name, [f.filename, f.type ?? "application/unknown", f.body.toString("hex")]]),
          );
          expectSameGroups(Object.fromEntries(echoed.files), expectedFiles);
        },
      ),
      { numRuns: 40 },
    );
  });
});

// Parsing directly (no socket) with many more runs: the same round trip for multipart.
test("multipart round trip, many runs, in-process", () => {
  const partName = fc.string({ unit: fc.constantFrom(..."ab Z9;=*'%é".split("")), minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(fc.array(fc.tuple(partName, bytes), { maxLength: 6 }), (fields) => {
      const body = Buffer.concat([
        ...fields.flatMap(([k, v]) => [
          Buffer.from(`--xyzzy\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`),
          v,
          Buffer.from("\r\n"),
        ]),
        Buffer.from("--xyzzy--"),
      ]);
      const args: Args = Object.create(null);
      const files: Files = Object.create(null);
      parse_body_arguments("multipart/form-data; boundary=xyzzy", body, args, files);
      expectSameGroups(args, grouped(fields));
    }),
    { numRuns: 1000 },
  );
});
