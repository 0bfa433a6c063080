/**
 * The XSRF token format, as Tornado writes and reads it in the `_xsrf` cookie and form field.
 *
 * A token is 16 random bytes. On the wire it travels as:
 * - version 2 (the default): `2|<mask hex>|<masked token hex>|<timestamp>`, the token XORed with a
 *   fresh random 4-byte mask each time it is written, so a page compressed together with
 *   secret-dependent text leaks nothing about the token (the BREACH attack);
 * - version 1: the token as bare hex;
 * - anything else is read, as Tornado reads it, as a legacy token made of the text's own bytes.
 *
 * The handler-side logic (which cookie, which argument or header, when to set the cookie) lives
 * in `RequestHandler`; these are the plain functions it is built from.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { xhtml_escape } from "../escape";
import { gen_log } from "../log";
import { _parsePythonInt } from "./signing";

/** A token read back from a cookie or a request argument; all fields null when it could not be read. */
export interface DecodedXsrfToken {
  /** 2 or 1 as read (legacy text reads as 1, as in Tornado); null if unreadable. */
  version: number | null;
  /** The raw token bytes; null if unreadable. */
  token: Buffer | null;
  /** When the token was made, in whole seconds since the epoch (the current time for version 1); null if unreadable. */
  timestamp: number | null;
}

/** The same test signed values use: a decimal version without leading zeros, a pipe, no inner newline. */
const VERSION_PREFIX_RE = /^([1-9][0-9]*)\|[^\n]*\n?$/;
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const MASK_BYTES = 4;
const UNREADABLE: Readonly<DecodedXsrfToken> = Object.freeze({ version: null, token: null, timestamp: null });

/** XORs `data` with the 4-byte `mask` repeated, as a WebSocket frame is masked. */
function applyMask(mask: Buffer, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ mask[i & 3];
  return out;
}

/** Python's `binascii.a2b_hex`: null where it would raise (odd length, a non-hex character). */
function fromHex(text: Buffer): Buffer | null {
  const s = text.toString("latin1");
  return HEX_RE.test(s) ? Buffer.from(s, "hex") : null;
}

/**
 * Writes a token in cookie/form format.
 * @param token the raw token (Tornado uses 16 random bytes).
 * @param timestamp when the token was made, in seconds since the epoch; truncated to whole seconds.
 * @param version 2 (masked with a fresh random mask on every call) or 1 (bare hex, no timestamp).
 * @returns ASCII text safe for a cookie value or a form field.
 * @throws Error for a version other than 1 or 2; TypeError for a non-finite version-2 timestamp.
 */
export function encode_xsrf_token(token: Buffer, timestamp: number, version = 2): string {
  if (version === 1) return token.toString("hex");
  if (version !== 2) throw new Error(`unknown xsrf cookie version ${version}`);
  if (!Number.isFinite(timestamp))
    throw new TypeError(`xsrf token timestamp ${timestamp} is not a finite number of seconds`);
  const mask = randomBytes(MASK_BYTES);
  const seconds = BigInt(Math.trunc(timestamp)).toString();
  return `2|${mask.toString("hex")}|${applyMask(mask, token).toString("hex")}|${seconds}`;
}

/**
 * Reads a token written by `encode_xsrf_token` (or Tornado) from a cookie or request value,
 * following Tornado's `_decode_xsrf_token` case for case:
 * - `2|mask|masked|timestamp` gives version 2 and the unmasked token; a malformed one, or any
 *   other leading `<number>|`, is unreadable;
 * - otherwise version 1: the bytes of even-length hex text, or else the text's own UTF-8 bytes
 *   (legacy tokens such as `xoxo`), stamped with the current time.
 * @param clock returns the current time in seconds since the epoch, for version-1 timestamps; null means the real time.
 * @returns the decoded parts, or all nulls if unreadable. Never throws.
 */
export function decode_xsrf_token(cookie: string, clock: (() => number) | null = null): DecodedXsrfToken {
  if (typeof cookie !== "string") return { ...UNREADABLE };
  const bytes = Buffer.from(cookie, "utf8");
  const m = VERSION_PREFIX_RE.exec(bytes.toString("latin1"));
  if (m === null) {
    const token = fromHex(bytes) ?? bytes;
    const now = (clock ?? (() => Date.now() / 1000))();
    return { version: 1, token, timestamp: Number.isFinite(now) ? Math.trunc(now) : null };
  }
  const parts = m[1] === "2" ? cookie.split("|") : [];
  if (parts.length !== 4) return unreadable(m[1] === "2" ? "malformed version 2 token" : "unknown xsrf cookie version");
  const mask = fromHex(Buffer.from(parts[1], "utf8"));
  if (mask === null || mask.length !== MASK_BYTES) return unreadable("bad xsrf token mask");
  const masked = fromHex(Buffer.from(parts[2], "utf8"));
  if (masked === null) return unreadable("bad masked xsrf token");
  const timestamp = _parsePythonInt(parts[3]);
  if (timestamp === null) return unreadable("bad xsrf token timestamp");
  return { version: 2, token: applyMask(mask, masked), timestamp };
}

function unreadable(why: string): DecodedXsrfToken {
  gen_log.debug("Could not decode xsrf token: %s", why);
  return { ...UNREADABLE };
}

/**
 * Compares two raw tokens in constant time (for equal lengths), as `check_xsrf_cookie` does.
 * @returns true only if both hold the same bytes. Never throws.
 */
export function xsrf_tokens_match(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The hidden form field carrying the token: `<input type="hidden" name="_xsrf" value="…"/>`.
 * @param token the encoded token (what `RequestHandler.xsrf_token` gives), HTML-escaped here.
 * @throws TypeError if a Buffer token is not valid UTF-8.
 */
export function xsrf_form_html(token: string | Buffer): string {
  return `<input type="hidden" name="_xsrf" value="${xhtml_escape(token)}"/>`;
}
