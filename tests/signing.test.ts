import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gen_log } from "../src/log";
import { ExpectLog } from "../src/testing";
import {
  create_signed_value,
  decode_signed_value,
  get_signature_key_version,
  type CookieSecret,
} from "../src/web/signing";

/** Values computed by real Python Tornado; see the fixture's `about` and `tornado_version`. */
interface DecodeCase {
  label: string;
  secret: string | Record<string, string>;
  name: string;
  value: string;
  clock: number;
  max_age_days: number;
  min_version: number | null;
  result_hex?: string | null;
  error?: string;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "tornado-signed.json"), "utf8"));
const inputs = fixture.inputs;
const signed = fixture.signed;
const SECRET: string = inputs.secret;
const NAME: string = inputs.name;
const VALUE: string = inputs.value;
const TS: number = inputs.timestamp;
const KEYS: Record<number, string> = inputs.key_table;
const DAY = 86400;

const at = (seconds: number) => () => seconds;
const latin1 = (s: string) => Buffer.from(s, "latin1");
const decode = (
  value: string | Buffer | null,
  options: {
    secret?: CookieSecret;
    name?: string;
    clock?: number;
    max_age_days?: number;
    min_version?: number | null;
  } = {},
) =>
  decode_signed_value(
    options.secret ?? SECRET,
    options.name ?? NAME,
    value,
    options.max_age_days ?? 31,
    at(options.clock ?? TS),
    options.min_version ?? null,
  );

/** Replaces the last character of field `index` (0-based, split on `|`) with another one. */
function tamperField(value: string, index: number): string {
  const fields = value.split("|");
  const field = fields[index];
  fields[index] = field.slice(0, -1) + (field.endsWith("A") ? "B" : "A");
  return fields.join("|");
}

describe("create_signed_value matches Python Tornado byte for byte", () => {
  test(`version 2 with a plain secret (Tornado ${fixture.tornado_version})`, () => {
    expect(create_signed_value(SECRET, NAME, VALUE, null, at(TS))).toEqual(latin1(signed.v2));
  });

  test("version 2 is the default, and an explicit 2 gives the same bytes", () => {
    expect(create_signed_value(SECRET, NAME, VALUE, 2, at(TS)).toString("latin1")).toBe(signed.v2);
  });

  test("version 2 of a binary Buffer value", () => {
    const value = Buffer.from(inputs.binary_value_hex, "hex");
    expect(create_signed_value(SECRET, NAME, value, null, at(TS)).toString("latin1")).toBe(signed.v2_binary);
  });

  test("version 2 of an empty value", () => {
    expect(create_signed_value(SECRET, NAME, "", null, at(TS)).toString("latin1")).toBe(signed.v2_empty);
  });

  test("version 2 with multi-digit length prefixes and a short timestamp", () => {
    const out = create_signed_value(SECRET, inputs.long_name, inputs.long_value, null, at(inputs.long_timestamp));
    expect(out.toString("latin1")).toBe(signed.v2_long);
  });

  test.each(["0", "1", "7"])("version 2 with key version %s of a key table", (kv) => {
    const out = create_signed_value(KEYS, NAME, VALUE, null, at(TS), Number(kv));
    expect(out.toString("latin1")).toBe(signed.v2_key_versions[kv]);
  });

  test("version 1", () => {
    expect(create_signed_value(SECRET, NAME, VALUE, 1, at(TS)).toString("latin1")).toBe(signed.v1);
  });

  test("the version 2 layout is the length-prefixed one", () => {
    const out = create_signed_value("s", "n", "abc", null, at(1234567890.9)).toString("latin1");
    expect(out).toMatch(/^2\|1:0\|10:1234567890\|1:n\|4:YWJj\|[0-9a-f]{64}$/);
  });
});

describe("create_signed_value refuses bad arguments", () => {
  test("a key table without key_version", () => {
    expect(() => create_signed_value(KEYS, NAME, VALUE)).toThrow(TypeError);
  });
  test("a key table without the requested key version", () => {
    expect(() => create_signed_value(KEYS, NAME, VALUE, null, null, 3)).toThrow(TypeError);
  });
  test("a key table with version 1", () => {
    expect(() => create_signed_value(KEYS, NAME, VALUE, 1, null, 0)).toThrow(TypeError);
  });
  test("an unknown version", () => {
    expect(() => create_signed_value(SECRET, NAME, VALUE, 3)).toThrow(/Unsupported signed value version 3/);
  });
  test("a clock that is not a finite number", () => {
    expect(() => create_signed_value(SECRET, NAME, VALUE, null, () => NaN)).toThrow(TypeError);
  });
});

describe("decode_signed_value reads Python Tornado's values", () => {
  const value = Buffer.from(VALUE, "utf8");

  test("version 2, as a string and as a Buffer", () => {
    expect(decode(signed.v2)).toEqual(value);
    expect(decode(latin1(signed.v2))).toEqual(value);
  });

  test("version 1", async () => {
    expect(decode(signed.v1)).toEqual(value);
  });

  test.each(["0", "1", "7"])("key version %s, with the key table and with that key alone", (kv) => {
    expect(decode(signed.v2_key_versions[kv], { secret: KEYS })).toEqual(value);
    expect(decode(signed.v2_key_versions[kv], { secret: KEYS[Number(kv)] })).toEqual(value);
  });

  test("a value signed with a key the table no longer has", () => {
    expect(decode(signed.v2_key_versions["1"], { secret: { 0: KEYS[0] } })).toBeNull();
  });

  test("a key version signed with another key of the table", () => {
    const forged = signed.v2_key_versions["1"].replace("|1:1|", "|1:0|");
    expect(decode(forged, { secret: KEYS })).toBeNull();
  });
});

describe("decode_signed_value rejects what it must", () => {
  const v2Fields = (signed.v2 as string).split("|").length;
  test.each(Array.from({ length: v2Fields }, (_, i) => i))("version 2 with field %i altered", (i) => {
    expect(decode(tamperField(signed.v2, i))).toBeNull();
  });

  test.each([0, 1, 2])("version 1 with field %i altered", async (i) => {
    const result = await ExpectLog.around(gen_log, /Invalid cookie signature/, () => decode(tamperField(signed.v1, i)));
    expect(result).toBeNull();
  });

  test("a truncated or extended signature", () => {
    expect(decode(signed.v2.slice(0, -1))).toBeNull();
    expect(decode(signed.v2 + "0")).toBeNull();
  });

  test("a wrong name", async () => {
    expect(decode(signed.v2, { name: "other" })).toBeNull();
    await ExpectLog.around(gen_log, /Invalid cookie signature/, () =>
      expect(decode(signed.v1, { name: "other" })).toBeNull(),
    );
  });

  test("a wrong secret", async () => {
    expect(decode(signed.v2, { secret: SECRET + "x" })).toBeNull();
    await ExpectLog.around(gen_log, /Invalid cookie signature/, () =>
      expect(decode(signed.v1, { secret: SECRET + "x" })).toBeNull(),
    );
  });

  test("an expired value (clock moved 32 days), unless max_age_days allows it", async () => {
    expect(decode(signed.v2, { clock: TS + 32 * DAY })).toBeNull();
    expect(decode(signed.v2, { clock: TS + 32 * DAY, max_age_days: 33 })).not.toBeNull();
    await ExpectLog.around(gen_log, /Expired cookie/, () =>
      expect(decode(signed.v1, { clock: TS + 32 * DAY })).toBeNull(),
    );
  });

  test("max_age_days takes fractions of a day", () => {
    expect(decode(signed.v2, { clock: TS + DAY, max_age_days: 0.5 })).toBeNull();
    expect(decode(signed.v2, { clock: TS + DAY, max_age_days: 1.5 })).not.toBeNull();
  });

  test("version 1 dated more than 31 days ahead is taken as tampering; version 2 has no such rule", async () => {
    await ExpectLog.around(gen_log, /timestamp in future/, () =>
      expect(decode(signed.v1, { clock: TS - 32 * DAY })).toBeNull(),
    );
    expect(decode(signed.v1, { clock: TS - 30 * DAY })).not.toBeNull();
    expect(decode(signed.v2, { clock: TS - 100 * DAY })).not.toBeNull();
  });

  test("version 1 with characters slid from the payload into the timestamp gives null (Tornado raises ValueError)", () => {
    // v1 signs name + value + timestamp with no separator, so "…=|123|sig" and "…|=123|sig" share a signature.
    const made = create_signed_value(SECRET, NAME, "ab", 1, at(123)).toString("latin1");
    const [payload, timestamp, signature] = made.split("|");
    expect(payload.endsWith("=")).toBe(true);
    expect(decode(`${payload.slice(0, -1)}|=${timestamp}|${signature}`, { clock: 200 })).toBeNull();
  });

  test("version 1 with a leading zero in the timestamp is taken as tampering", async () => {
    const payload = Buffer.from("ab").toString("base64");
    expect(decode(`${payload}|5|${signatureV1(payload, "5")}`, { clock: 10 })).toEqual(Buffer.from("ab"));
    const padded = `${payload}|05|${signatureV1(payload, "05")}`;
    await ExpectLog.around(gen_log, /Tampered cookie/, () => expect(decode(padded, { clock: 10 })).toBeNull());
  });

  test("min_version 2 refuses version 1 but not version 2", () => {
    expect(decode(signed.v1, { min_version: 2 })).toBeNull();
    expect(decode(signed.v2, { min_version: 2 })).not.toBeNull();
  });

  test("min_version above 2 is a configuration error", () => {
    expect(() => decode(signed.v2, { min_version: 3 })).toThrow(/Unsupported min_version 3/);
  });

  test("a version-1 value against a key table gives null (Tornado asserts)", () => {
    expect(decode(signed.v1, { secret: KEYS })).toBeNull();
  });

  test.each<[string, string | Buffer | null]>([
    ["null", null],
    ["empty", ""],
    ["empty Buffer", Buffer.alloc(0)],
    ["a pipe", "|"],
    ["a bare 2|", "2|"],
    ["version 3", "3|1:0|x"],
    ["a huge version", "1000|abc"],
    ["text", "not a signed value"],
    ["a negative length", "2|-2:0|x"],
    ["no colon", "2|10|"],
    ["a huge length", `2|${"9".repeat(5000)}:0|x`],
    ["non-ASCII", "2|1:0|10:\u00e9"],
    ["invalid UTF-8", Buffer.from([0x32, 0x7c, 0xff, 0xfe])],
    ["only digits", "12345678"],
  ])("malformed input (%s) gives null without throwing", (_label, value) => {
    expect(() => decode(value)).not.toThrow();
    expect(decode(value)).toBeNull();
  });
});

/** A version-1 signature made independently of the code under test. */
function signatureV1(payload: string, timestamp: string): string {
  return createHmac("sha1", SECRET).update(NAME).update(payload).update(timestamp).digest("hex");
}

describe("decode_signed_value agrees with Python Tornado on every fixture case", () => {
  const cases: DecodeCase[] = fixture.decode_cases;
  const toSecret = (secret: DecodeCase["secret"]): CookieSecret => secret;

  test.each(cases.map((c) => [c.label, c] as const))("%s", (_label, c) => {
    const run = () =>
      decode_signed_value(toSecret(c.secret), c.name, c.value, c.max_age_days, at(c.clock), c.min_version);
    const result = run();
    if (c.error !== undefined) {
      // Tornado raises AssertionError for a version-1-looking value with a key table; we give null.
      expect(c.error).toBe("AssertionError");
      expect(result).toBeNull();
    } else {
      expect(result === null ? null : result.toString("hex")).toBe(c.result_hex);
    }
  });
});

describe("get_signature_key_version", () => {
  test.each(Object.entries(fixture.key_versions as Record<string, { value: string; key_version: number | null }>))(
    "%s agrees with Python Tornado",
    (_label, c) => {
      expect(get_signature_key_version(c.value)).toBe(c.key_version);
      expect(get_signature_key_version(latin1(c.value))).toBe(c.key_version);
    },
  );

  test("null and malformed input give null", () => {
    expect(get_signature_key_version(null)).toBeNull();
    expect(get_signature_key_version("")).toBeNull();
    expect(get_signature_key_version("2|x:1|")).toBeNull();
  });

  test("reads the key version we write", () => {
    expect(get_signature_key_version(create_signed_value(KEYS, NAME, VALUE, null, null, 7))).toBe(7);
  });
});

describe("round trips", () => {
  test.each([
    ["text", "hello"],
    ["unicode", "\u00fc\u2603\u{1F600}"],
    ["binary", Buffer.from([0, 1, 2, 253, 254, 255])],
    ["pipes and colons", "a|b:c|2|1:0"],
    ["long", "x".repeat(5000)],
  ])("%s survives create + decode", (_label, value) => {
    const made = create_signed_value(SECRET, NAME, value);
    expect(decode_signed_value(SECRET, NAME, made)).toEqual(
      typeof value === "string" ? Buffer.from(value, "utf8") : value,
    );
    const madeV1 = create_signed_value(SECRET, NAME, value, 1);
    expect(decode_signed_value(SECRET, NAME, madeV1)).toEqual(
      typeof value === "string" ? Buffer.from(value, "utf8") : value,
    );
  });

  test("a Buffer secret works like the same string", () => {
    const made = create_signed_value(Buffer.from(SECRET), NAME, VALUE, null, at(TS));
    expect(made.toString("latin1")).toBe(signed.v2);
    expect(decode(made, { secret: Buffer.from(SECRET) })).toEqual(Buffer.from(VALUE));
  });

  test("a non-ASCII name does not decode again, exactly as in Tornado", () => {
    // Tornado prefixes the name with its length in characters but decodes by bytes.
    const made = create_signed_value(SECRET, "n\u00e4me", "x", null, at(1e9));
    expect(made.toString("latin1")).toBe(
      "2|1:0|10:1000000000|4:n\u00c3\u00a4me|4:eA==|" + made.toString("latin1").split("|").pop(),
    );
    expect(decode_signed_value(SECRET, "n\u00e4me", made, 31, at(1e9))).toBeNull();
  });
});
