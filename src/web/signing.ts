/**
 * Signed values: a name and a value stamped with the time and an HMAC, so that a value
 * handed to the client (a signed cookie, most often) comes back provably unaltered.
 *
 * Two formats, both Tornado's and interchangeable with it byte for byte:
 * - version 1 (legacy): `<base64 value>|<timestamp>|<hex HMAC-SHA1 of name + value + timestamp>`;
 * - version 2 (the default): `2|<len>:<key version>|<len>:<timestamp>|<len>:<name>|<len>:<base64 value>|`
 *   followed by the hex HMAC-SHA256 of everything before it. Lengths are decimal.
 *
 * Timestamps are whole seconds since the epoch; clocks passed in return seconds (fractions allowed).
 * Python's `bytes` is a `Buffer` here and `None` is `null`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { gen_log } from "../log";

/**
 * A signing secret: one key, or a table of keys by key version (`{0: "old", 1: "new"}`) so
 * keys can be rotated. With a table, new values are signed with the key of `key_version`
 * and old values are checked with the key their own key version names.
 */
export type CookieSecret = string | Buffer | Readonly<Record<number, string | Buffer>>;

/** The format `create_signed_value` writes when no version is given. */
export const DEFAULT_SIGNED_VALUE_VERSION = 2;
/** The oldest format `decode_signed_value` accepts when no `min_version` is given. */
export const DEFAULT_SIGNED_VALUE_MIN_VERSION = 1;

const SECONDS_PER_DAY = 86400;
/** A version-1 value dated further ahead than this is taken as tampered with. */
const V1_MAX_FUTURE_SECONDS = 31 * SECONDS_PER_DAY;

/** A leading decimal version without leading zeros, then a pipe; the rest may not hold a newline except a final one. */
const VERSION_PREFIX_RE = /^([1-9][0-9]*)\|[^\n]*\n?$/;
/** What Python's `int()` takes from bytes: ASCII blanks around an optionally signed run of digits, single `_` between digits. */
const PY_INT_RE = /^[ \t\n\r\v\f]*[+-]?[0-9]+(?:_[0-9]+)*[ \t\n\r\v\f]*$/;
/** Python's default `sys.get_int_max_str_digits()`. */
const PY_INT_MAX_DIGITS = 4300;

const PIPE = 0x7c;
const COLON = 0x3a;

function nowSeconds(): number {
  return Date.now() / 1000;
}

function toBytes(value: string | Buffer): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}

/**
 * Parses an integer as Python's `int()` parses bytes or text of ASCII digits; null where
 * Python would raise `ValueError`. Never throws.
 * @internal shared with the XSRF token decoder; not part of the public API.
 */
export function _parsePythonInt(text: string | Buffer): number | null {
  const s = typeof text === "string" ? text : text.toString("latin1");
  if (!PY_INT_RE.test(s)) return null;
  const digits = s.replace(/_/g, "").trim();
  // Python refuses to convert more than 4300 digits (its default int_max_str_digits).
  if (digits.replace(/^[+-]/, "").length > PY_INT_MAX_DIGITS) return null;
  return Number(digits);
}

/** `str(int(seconds))`: truncated toward zero, written out in full however large. */
function timestampText(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new TypeError(`clock returned ${seconds}, not a finite number of seconds`);
  return BigInt(Math.trunc(seconds)).toString();
}

/**
 * The format version of a signed value. Version 1 had no version field and starts with
 * base64, so a leading number above 999 (which only base64 padding rules allow in such
 * data) means version 1 as well.
 */
function signedValueVersion(value: Buffer): number {
  const m = VERSION_PREFIX_RE.exec(value.toString("latin1"));
  if (m === null) return 1;
  const version = Number(m[1]);
  return version > 999 ? 1 : version;
}

function isKeyTable(secret: CookieSecret): secret is Readonly<Record<number, string | Buffer>> {
  return typeof secret === "object" && !Buffer.isBuffer(secret);
}

function lookupKey(table: Readonly<Record<number, string | Buffer>>, key_version: number): string | Buffer | undefined {
  const key = String(key_version);
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key_version] : undefined;
}

function signatureV1(secret: string | Buffer, ...parts: Array<string | Buffer>): Buffer {
  const hmac = createHmac("sha1", toBytes(secret));
  for (const part of parts) hmac.update(toBytes(part));
  return Buffer.from(hmac.digest("hex"), "latin1");
}

function signatureV2(secret: string | Buffer, signed: Buffer): Buffer {
  return Buffer.from(createHmac("sha256", toBytes(secret)).update(signed).digest("hex"), "latin1");
}

/** Constant-time equality that, like `hmac.compare_digest`, is simply false for different lengths. */
function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const BASE64_VALUES = new Int8Array(256).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  .split("")
  .forEach((c, i) => (BASE64_VALUES[c.charCodeAt(0)] = i));

/**
 * Decodes base64 as Python's lenient `base64.b64decode`: characters outside the standard
 * alphabet are skipped, decoding stops at complete padding, and a truncated final group is
 * an error (null), where Node's decoder would quietly accept it.
 */
function pythonB64Decode(data: Buffer): Buffer | null {
  const out = Buffer.allocUnsafe(Math.ceil((data.length * 3) / 4));
  let n = 0;
  let quadPos = 0;
  let carry = 0;
  let pads = 0;
  for (const byte of data) {
    if (byte === 0x3d /* = */) {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.subarray(0, n);
      continue;
    }
    const v = BASE64_VALUES[byte];
    if (v < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        carry = v;
        quadPos = 1;
        break;
      case 1:
        out[n++] = (carry << 2) | (v >> 4);
        carry = v & 0x0f;
        quadPos = 2;
        break;
      case 2:
        out[n++] = ((carry << 4) | (v >> 2)) & 0xff;
        carry = v & 0x03;
        quadPos = 3;
        break;
      default:
        out[n++] = ((carry << 6) | v) & 0xff;
        quadPos = 0;
    }
  }
  return quadPos === 0 ? out.subarray(0, n) : null;
}

/**
 * Signs `value` under `name` so `decode_signed_value` can later prove it unaltered and fresh.
 *
 * @param secret the key, or a `{key version: key}` table used with `key_version`.
 * @param name what the value is for (a cookie's name); a different name will not decode it.
 * @param value the payload; a string is encoded as UTF-8.
 * @param version the format, 1 or 2; null means 2.
 * @param clock returns the current time in seconds since the epoch; null means the real time.
 * @param key_version which key of a table to sign with (written into the value); null means 0.
 * @returns the signed value as ASCII bytes, identical to Tornado's for the same inputs and time.
 * @throws TypeError if a key table is given without a `key_version` it holds, or with version 1,
 *   or if the clock returns a non-finite number; Error for an unsupported version.
 */
export function create_signed_value(
  secret: CookieSecret,
  name: string,
  value: string | Buffer,
  version: number | null = null,
  clock: (() => number) | null = null,
  key_version: number | null = null,
): Buffer {
  if (version === null) version = DEFAULT_SIGNED_VALUE_VERSION;
  const timestamp = timestampText((clock ?? nowSeconds)());
  const encoded = Buffer.from(toBytes(value).toString("base64"), "latin1");
  if (version === 1) {
    if (isKeyTable(secret)) throw new TypeError("a key version table needs signed value version 2 or later");
    return Buffer.concat([
      encoded,
      Buffer.from(`|${timestamp}|`, "latin1"),
      signatureV1(secret, name, encoded, timestamp),
    ]);
  }
  if (version !== 2) throw new Error(`Unsupported signed value version ${version}`);
  // Each field is "<length>:<content>". The name's length counts characters, as Python's len()
  // of a str does, while its content is UTF-8: a non-ASCII name does not decode again (in
  // Tornado neither), but the output stays byte-identical to Tornado's.
  const nameLength = [...name].length;
  const keyVersionText = String(key_version || 0);
  const head = `2|${keyVersionText.length}:${keyVersionText}|${timestamp.length}:${timestamp}|${nameLength}:`;
  const toSign = Buffer.concat([
    Buffer.from(head, "latin1"),
    Buffer.from(name, "utf8"),
    Buffer.from(`|${encoded.length}:`, "latin1"),
    encoded,
    Buffer.from("|", "latin1"),
  ]);
  let key: string | Buffer;
  if (isKeyTable(secret)) {
    const found = key_version === null ? undefined : lookupKey(secret, key_version);
    if (found === undefined) {
      throw new TypeError(`key_version ${key_version} is not in the cookie secret table`);
    }
    key = found;
  } else {
    key = secret;
  }
  return Buffer.concat([toSign, signatureV2(key, toSign)]);
}

/**
 * Checks and unwraps a value made by `create_signed_value` (ours or Tornado's).
 *
 * @param secret the key, or a `{key version: key}` table (the value's key version picks the key).
 * @param name the name the value was signed under.
 * @param value the signed value; null or empty gives null.
 * @param max_age_days how old, in days, the signature may be (fractions allowed).
 * @param clock returns the current time in seconds since the epoch; null means the real time.
 * @param min_version the oldest format to accept (1 or 2); null means 1.
 * @returns the original value's bytes, or null if the value is malformed, tampered with, signed
 *   with another key or under another name, older than `max_age_days`, of a format older than
 *   `min_version` or unknown, or (version 1 only) dated more than 31 days ahead. Bad input never throws.
 * @throws Error if `min_version` is above 2 (a configuration mistake, as in Tornado).
 */
export function decode_signed_value(
  secret: CookieSecret,
  name: string,
  value: string | Buffer | null,
  max_age_days = 31,
  clock: (() => number) | null = null,
  min_version: number | null = null,
): Buffer | null {
  if (min_version === null) min_version = DEFAULT_SIGNED_VALUE_MIN_VERSION;
  if (min_version > 2) throw new Error(`Unsupported min_version ${min_version}`);
  if (value === null || value === undefined || value.length === 0) return null;
  const bytes = toBytes(value);
  const version = signedValueVersion(bytes);
  if (version < min_version) return null;
  const now = clock ?? nowSeconds;
  if (version === 1) {
    // Tornado asserts here; a client-supplied legacy value must not crash the request.
    if (isKeyTable(secret)) return null;
    return decodeV1(secret, name, bytes, max_age_days, now);
  }
  if (version === 2) return decodeV2(secret, name, bytes, max_age_days, now);
  return null;
}

function splitOn(bytes: Buffer, separator: number): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(separator); i !== -1; i = bytes.indexOf(separator, start)) {
    parts.push(bytes.subarray(start, i));
    start = i + 1;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

function decodeV1(
  secret: string | Buffer,
  name: string,
  value: Buffer,
  max_age_days: number,
  clock: () => number,
): Buffer | null {
  const parts = splitOn(value, PIPE);
  if (parts.length !== 3) return null;
  const [payload, timestampBytes, passedSignature] = parts;
  if (!digestsEqual(passedSignature, signatureV1(secret, name, payload, timestampBytes))) {
    gen_log.warning("Invalid cookie signature %r", value.toString("latin1"));
    return null;
  }
  // The v1 signature has no separators, so digits can slide between payload and timestamp
  // without breaking it; the range and leading-zero checks below catch such moves.
  const timestamp = _parsePythonInt(timestampBytes);
  if (timestamp === null) return null;
  if (timestamp < clock() - max_age_days * SECONDS_PER_DAY) {
    gen_log.warning("Expired cookie %r", value.toString("latin1"));
    return null;
  }
  if (timestamp > clock() + V1_MAX_FUTURE_SECONDS) {
    gen_log.warning("Cookie timestamp in future; possible tampering %r", value.toString("latin1"));
    return null;
  }
  if (timestampBytes[0] === 0x30 /* 0 */) {
    gen_log.warning("Tampered cookie %r", value.toString("latin1"));
    return null;
  }
  return pythonB64Decode(payload);
}

interface FieldsV2 {
  key_version: number;
  timestamp: Buffer;
  name: Buffer;
  value: Buffer;
  signature: Buffer;
}

/**
 * Takes one `<length>:<content>|` field off the front, with Python's slicing rules (a negative
 * length counts from the end) so odd input parses exactly as in Tornado. Null if malformed.
 */
function consumeField(s: Buffer): [Buffer, Buffer] | null {
  const colon = s.indexOf(COLON);
  const lengthBytes = colon === -1 ? s : s.subarray(0, colon);
  const rest = colon === -1 ? s.subarray(s.length) : s.subarray(colon + 1);
  const n = _parsePythonInt(lengthBytes);
  if (n === null) return null;
  // Buffer.subarray counts negative indices from the end and clamps, exactly as Python slices do.
  const after = rest.subarray(n, n + 1);
  if (after.length !== 1 || after[0] !== PIPE) return null;
  return [rest.subarray(0, n), rest.subarray(n + 1)];
}

/** Splits a version-2 value (after its `2|`) into its fields; null if malformed. */
function decodeFieldsV2(value: Buffer): FieldsV2 | null {
  let rest = value.subarray(2);
  const fields: Buffer[] = [];
  for (let i = 0; i < 4; i++) {
    const consumed = consumeField(rest);
    if (consumed === null) return null;
    fields.push(consumed[0]);
    rest = consumed[1];
  }
  const key_version = _parsePythonInt(fields[0]);
  if (key_version === null) return null;
  return { key_version, timestamp: fields[1], name: fields[2], value: fields[3], signature: rest };
}

function decodeV2(
  secret: CookieSecret,
  name: string,
  value: Buffer,
  max_age_days: number,
  clock: () => number,
): Buffer | null {
  const fields = decodeFieldsV2(value);
  if (fields === null) return null;
  // What was signed is everything before the signature (all of it sliced off when the signature is empty, as in Python).
  const signed = value.subarray(0, value.length - (fields.signature.length || value.length));
  let key: string | Buffer | undefined;
  if (isKeyTable(secret)) {
    key = lookupKey(secret, fields.key_version);
    if (key === undefined) return null;
  } else {
    key = secret;
  }
  if (!digestsEqual(fields.signature, signatureV2(key, signed))) return null;
  if (!fields.name.equals(Buffer.from(name, "utf8"))) return null;
  const timestamp = _parsePythonInt(fields.timestamp);
  if (timestamp === null) return null;
  if (timestamp < clock() - max_age_days * SECONDS_PER_DAY) return null;
  return pythonB64Decode(fields.value);
}

/**
 * The key version a signed value claims (read without checking the signature), to tell
 * which key of a rotated secret signed it.
 * @returns the key version, or null for a version-1 value, a malformed value or null. Never throws.
 */
export function get_signature_key_version(value: string | Buffer | null): number | null {
  if (value === null || value === undefined) return null;
  const bytes = toBytes(value);
  if (signedValueVersion(bytes) < 2) return null;
  return decodeFieldsV2(bytes)?.key_version ?? null;
}
