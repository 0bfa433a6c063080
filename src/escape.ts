/**
 * Escaping and unescaping for HTML, JSON and URLs, plus the small string
 * conversions (`utf8`, `to_unicode`) the rest of the framework builds on, and `linkify`.
 *
 * Python's `bytes` is a `Buffer` here and Python's `None` is `null`.
 */
import { isPlainObject, pyStrip } from "./util";
import { isUtf8 } from "node:buffer";

/** Encodings `url_unescape` can decode percent-escaped bytes with. */
export type UrlEncoding = "utf-8" | "latin1";

const XHTML_SPECIAL_RE = /[&<>"']/g;
const XHTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
};

/**
 * Escapes `& < > " '` so the text is safe inside HTML or XML content and
 * quoted attribute values. A Buffer is decoded as UTF-8 first.
 * @throws TypeError if a Buffer is not valid UTF-8.
 */
export function xhtml_escape(value: string | Buffer): string {
  return to_unicode(value).replace(XHTML_SPECIAL_RE, (c) => XHTML_ESCAPES[c]);
}

/** The 96 Latin-1 entity names, in code point order from U+00A0. */
const LATIN1_ENTITIES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr " +
  "deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest " +
  "Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml " +
  "ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig " +
  "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml " +
  "eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

/** The other HTML 4 entities as `name:hex code point`. */
const OTHER_ENTITIES =
  "quot:22 amp:26 lt:3c gt:3e OElig:152 oelig:153 Scaron:160 scaron:161 Yuml:178 fnof:192 circ:2c6 " +
  "tilde:2dc Alpha:391 Beta:392 Gamma:393 Delta:394 Epsilon:395 Zeta:396 Eta:397 Theta:398 Iota:399 " +
  "Kappa:39a Lambda:39b Mu:39c Nu:39d Xi:39e Omicron:39f Pi:3a0 Rho:3a1 Sigma:3a3 Tau:3a4 Upsilon:3a5 " +
  "Phi:3a6 Chi:3a7 Psi:3a8 Omega:3a9 alpha:3b1 beta:3b2 gamma:3b3 delta:3b4 epsilon:3b5 zeta:3b6 " +
  "eta:3b7 theta:3b8 iota:3b9 kappa:3ba lambda:3bb mu:3bc nu:3bd xi:3be omicron:3bf pi:3c0 rho:3c1 " +
  "sigmaf:3c2 sigma:3c3 tau:3c4 upsilon:3c5 phi:3c6 chi:3c7 psi:3c8 omega:3c9 thetasym:3d1 upsih:3d2 " +
  "piv:3d6 ensp:2002 emsp:2003 thinsp:2009 zwnj:200c zwj:200d lrm:200e rlm:200f ndash:2013 mdash:2014 " +
  "lsquo:2018 rsquo:2019 sbquo:201a ldquo:201c rdquo:201d bdquo:201e dagger:2020 Dagger:2021 " +
  "bull:2022 hellip:2026 permil:2030 prime:2032 Prime:2033 lsaquo:2039 rsaquo:203a oline:203e " +
  "frasl:2044 euro:20ac image:2111 weierp:2118 real:211c trade:2122 alefsym:2135 larr:2190 uarr:2191 " +
  "rarr:2192 darr:2193 harr:2194 crarr:21b5 lArr:21d0 uArr:21d1 rArr:21d2 dArr:21d3 hArr:21d4 " +
  "forall:2200 part:2202 exist:2203 empty:2205 nabla:2207 isin:2208 notin:2209 ni:220b prod:220f " +
  "sum:2211 minus:2212 lowast:2217 radic:221a prop:221d infin:221e ang:2220 and:2227 or:2228 cap:2229 " +
  "cup:222a int:222b there4:2234 sim:223c cong:2245 asymp:2248 ne:2260 equiv:2261 le:2264 ge:2265 " +
  "sub:2282 sup:2283 nsub:2284 sube:2286 supe:2287 oplus:2295 otimes:2297 perp:22a5 sdot:22c5 " +
  "lceil:2308 rceil:2309 lfloor:230a rfloor:230b lang:2329 rang:232a loz:25ca spades:2660 clubs:2663 " +
  "hearts:2665 diams:2666";

function buildEntityMap(): Map<string, string> {
  const map = new Map<string, string>();
  LATIN1_ENTITIES.split(" ").forEach((name, i) => map.set(name, String.fromCharCode(0xa0 + i)));
  for (const entry of OTHER_ENTITIES.split(" ")) {
    const [name, hex] = entry.split(":");
    map.set(name, String.fromCharCode(parseInt(hex, 16)));
  }
  return map;
}

const HTML4_ENTITIES = buildEntityMap();
const ENTITY_RE = /&(#?)([\p{L}\p{N}_]+?);/gu;
const HEX_RE = /^[xX][0-9a-fA-F]+$/;
const DECIMAL_RE = /^[0-9]+$/;

function numericEntity(body: string): string | undefined {
  let code = NaN;
  if (HEX_RE.test(body)) code = parseInt(body.slice(1), 16);
  else if (DECIMAL_RE.test(body)) code = parseInt(body, 10);
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

function convertEntity(match: string, hash: string, body: string): string {
  const text = hash === "#" ? numericEntity(body) : HTML4_ENTITIES.get(body);
  return text ?? match;
}

/**
 * Reverses `xhtml_escape`: replaces `&#NN;`, `&#xNN;` and the HTML 4 named
 * entities (`&eacute;`) with their characters. Unknown or malformed entities
 * are left as they are. A Buffer is decoded as UTF-8 first.
 * @throws TypeError if a Buffer is not valid UTF-8.
 */
export function xhtml_unescape(value: string | Buffer): string {
  return to_unicode(value).replace(ENTITY_RE, convertEntity);
}

/**
 * Turns compact `JSON.stringify` output into Python's `json.dumps` form in one pass: a space
 * after each `,` and `:` between items, every character from U+007F up written as `\uXXXX`,
 * and `</` inside strings as `<\/`. Text between changes is copied in slices.
 */
function pythonJson(json: string): string {
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (inString) {
      if (code === 0x22) {
        inString = false;
      } else if (code === 0x5c) {
        i++; // an escape: the next character is part of it, a quote included
      } else if (code >= 0x7f) {
        out += json.slice(last, i) + "\\u" + code.toString(16).padStart(4, "0");
        last = i + 1;
      } else if (code === 0x2f && json.charCodeAt(i - 1) === 0x3c) {
        out += json.slice(last, i) + "\\";
        last = i;
      }
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x2c || code === 0x3a) {
      out += json.slice(last, i + 1) + " ";
      last = i + 1;
    }
  }
  return last === 0 ? json : out + json.slice(last);
}

/**
 * Encodes a value as JSON exactly as Tornado does (Python's `json.dumps`):
 * `", "` and `": "` separators, every character outside printable ASCII
 * escaped as `\uXXXX`, and `</` written as `<\/` so the output can sit in a
 * `<script>` element. Values are converted as `JSON.stringify` converts them
 * (`toJSON`, `undefined` members dropped).
 * @throws TypeError for a value JSON cannot represent at top level
 * (`undefined`, a function, a symbol), a BigInt, or a circular structure.
 */
export function json_encode(value: unknown): string {
  const json: string | undefined = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  return pythonJson(json);
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Parses JSON text. A Buffer is decoded as UTF-8 (a leading byte order mark
 * is skipped, as Python's `json.loads` does for bytes).
 * @throws SyntaxError for malformed JSON; TypeError for invalid UTF-8.
 */
export function json_decode(value: string | Buffer): any {
  if (typeof value === "string") return JSON.parse(value);
  const bytes = value.subarray(0, 3).equals(UTF8_BOM) ? value.subarray(3) : value;
  return JSON.parse(to_unicode(bytes));
}

const CONTROL_OR_SPACE_RUN_RE = /[\x00-\x20]+/g;

/**
 * Collapses every run of control characters and spaces (U+0000..U+0020)
 * into one space and strips whitespace from both ends.
 */
export function squeeze(value: string): string {
  return pyStrip(value.replace(CONTROL_OR_SPACE_RUN_RE, " "));
}

const HEX_UPPER = Array.from({ length: 256 }, (_, b) => "%" + b.toString(16).toUpperCase().padStart(2, "0"));

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x5f ||
    b === 0x2e ||
    b === 0x2d ||
    b === 0x7e
  );
}

function buildByteEscapes(plus: boolean): string[] {
  return HEX_UPPER.map((hex, b) => {
    if (isUnreserved(b)) return String.fromCharCode(b);
    if (plus && b === 0x20) return "+";
    if (!plus && b === 0x2f) return "/";
    return hex;
  });
}

const PLUS_BYTE_ESCAPES = buildByteEscapes(true);
const PATH_BYTE_ESCAPES = buildByteEscapes(false);

function escapeBytes(bytes: Uint8Array, plus: boolean): string {
  const table = plus ? PLUS_BYTE_ESCAPES : PATH_BYTE_ESCAPES;
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += table[bytes[i]];
  return out;
}

const URI_COMPONENT_FIXUP_INPUT_RE = /[!'()* /]/;
const URI_COMPONENT_FIXUP_RE = /[!'()*]|%20|%2F/g;

function fixPlus(match: string): string {
  if (match === "%20") return "+";
  return match.length === 1 ? HEX_UPPER[match.charCodeAt(0)] : match;
}

function fixPath(match: string): string {
  if (match === "%2F") return "/";
  return match.length === 1 ? HEX_UPPER[match.charCodeAt(0)] : match;
}

/**
 * Percent-encodes a value for a URL, as Python's `quote_plus` (the default,
 * for query strings: space becomes `+`, `/` becomes `%2F`) or `quote` with
 * `/` kept (`plus=false`, for paths: space becomes `%20`). Only letters,
 * digits and `_.-~` pass unescaped; strings are encoded as UTF-8 first and
 * Buffers are escaped byte for byte. Hex digits are uppercase.
 * @throws URIError if a string holds a lone surrogate.
 */
export function url_escape(value: string | Buffer, plus = true): string {
  if (typeof value !== "string") return escapeBytes(value, plus);
  const encoded = encodeURIComponent(value);
  if (!URI_COMPONENT_FIXUP_INPUT_RE.test(value)) return encoded;
  return encoded.replace(URI_COMPONENT_FIXUP_RE, plus ? fixPlus : fixPath);
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  const digit = i.toString(16);
  HEX_VALUE[digit.charCodeAt(0)] = i;
  HEX_VALUE[digit.toUpperCase().charCodeAt(0)] = i;
}

/** Decodes `%XX` escapes (and `+` with `plus`) in text whose characters are all <= U+00FF. */
function percentDecodeLatin1(text: string, plus: boolean): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length) {
      const hi = HEX_VALUE[text.charCodeAt(i + 1)];
      const lo = HEX_VALUE[text.charCodeAt(i + 2)];
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = plus && c === 0x2b ? 0x20 : c;
  }
  return out.subarray(0, n);
}

const WIDE_CHAR_RE = /[^\x00-\xff]/;
const WIDE_RUN_RE = /[^\x00-\xff]+/g;

function stringToBytes(value: string): Buffer {
  if (!WIDE_CHAR_RE.test(value)) return Buffer.from(value, "latin1");
  const chunks: Buffer[] = [];
  let last = 0;
  for (let m = WIDE_RUN_RE.exec(value); m !== null; m = WIDE_RUN_RE.exec(value)) {
    chunks.push(Buffer.from(value.slice(last, m.index), "latin1"), Buffer.from(m[0], "utf8"));
    last = m.index + m[0].length;
  }
  chunks.push(Buffer.from(value.slice(last), "latin1"));
  return Buffer.concat(chunks);
}

/**
 * Percent-decodes a URL component to raw bytes. A `%` not followed by two hex
 * digits is kept literally; with `plus`, a `+` becomes a space. Characters up
 * to U+00FF stand for the byte of the same value (Node hands raw request-line
 * bytes over as Latin-1 text); wider characters are encoded as UTF-8.
 */
export function unquote_to_bytes(value: string, plus: boolean): Buffer {
  if (!value.includes("%") && !(plus && value.includes("+"))) return stringToBytes(value);
  const text = WIDE_CHAR_RE.test(value) ? stringToBytes(value).toString("latin1") : value;
  return percentDecodeLatin1(text, plus);
}

const PERCENT_RUN_RE = /(?:%[0-9A-Fa-f]{2})+/g;

function unquoteText(text: string, encoding: UrlEncoding): string {
  if (!text.includes("%")) return text;
  const charset = encoding === "utf-8" ? "utf8" : "latin1";
  return text.replace(PERCENT_RUN_RE, (run) => percentDecodeLatin1(run, false).toString(charset));
}

/**
 * Decodes a percent-encoded URL component. With `plus` (the default, for
 * query strings and form bodies) `+` means a space; pass `plus=false` for
 * URL paths. With an encoding the escaped bytes are decoded as text
 * (invalid UTF-8 becomes U+FFFD) and other characters are kept; with
 * `encoding=null` the result is the raw bytes.
 * @throws TypeError if a Buffer is not valid UTF-8 and a string is wanted.
 */
export function url_unescape(value: string | Buffer, encoding?: UrlEncoding, plus?: boolean): string;
export function url_unescape(value: string | Buffer, encoding: null, plus?: boolean): Buffer;
export function url_unescape(value: string | Buffer, encoding: UrlEncoding | null, plus?: boolean): string | Buffer;
export function url_unescape(
  value: string | Buffer,
  encoding: UrlEncoding | null = "utf-8",
  plus = true,
): string | Buffer {
  if (encoding === null) {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    return percentDecodeLatin1(bytes.toString("latin1"), plus);
  }
  const text = to_unicode(value);
  return unquoteText(plus ? text.replaceAll("+", " ") : text, encoding);
}

const NAME_NEEDS_DECODING_RE = /[%+\x80-\uffff]/;

function decodeArgumentName(raw: string): string {
  if (!NAME_NEEDS_DECODING_RE.test(raw)) return raw;
  return unquote_to_bytes(raw, true).toString("utf8");
}

function splitField(field: string, keepBlank: boolean, strict: boolean): [string, string] | null {
  const eq = field.indexOf("=");
  if (eq < 0) {
    if (strict) throw new Error(`bad query field: '${field}'`);
    return keepBlank && field !== "" ? [field, ""] : null;
  }
  const value = field.slice(eq + 1);
  return value !== "" || keepBlank ? [field.slice(0, eq), value] : null;
}

/**
 * Parses a query string or form body into `name -> [raw value bytes]`, like
 * Python's `parse_qs`: fields are split on `&` only, `+` is a space, values
 * stay raw bytes (so the caller chooses the charset), names are decoded as
 * UTF-8 with U+FFFD for invalid bytes. A Buffer, or string characters up to
 * U+00FF, are read as raw bytes. The result has a null prototype, so a field
 * named `__proto__` is an ordinary entry.
 * @param keep_blank_values keep fields with empty values (`a=` or `a`).
 * @param strict_parsing throw on a field without `=` or an empty field.
 * @throws Error (`bad query field: '...'`) on a malformed field when
 * `strict_parsing` is set.
 */
export function parse_qs_bytes(
  qs: string | Buffer,
  keep_blank_values = false,
  strict_parsing = false,
): Record<string, Buffer[]> {
  const result: Record<string, Buffer[]> = Object.create(null);
  const text = typeof qs === "string" ? qs : qs.toString("latin1");
  if (text === "") return result;
  for (const field of text.split("&")) {
    const pair = splitField(field, keep_blank_values, strict_parsing);
    if (pair === null) continue;
    (result[decodeArgumentName(pair[0])] ??= []).push(unquote_to_bytes(pair[1], true));
  }
  return result;
}

function describeType(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  return value.constructor?.name ?? "object";
}

/**
 * Converts a string to its UTF-8 bytes. A Buffer is returned unchanged, any
 * other Uint8Array is wrapped as a Buffer without copying, null stays null.
 * @throws TypeError for any other type.
 */
export function utf8(value: string | Uint8Array): Buffer;
export function utf8(value: null): null;
export function utf8(value: string | Uint8Array | null): Buffer | null;
export function utf8(value: unknown): Buffer | null {
  if (value === null || Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`Expected bytes, unicode, or null; got ${describeType(value)}`);
}

/**
 * Converts bytes to a string by decoding them as UTF-8 (strictly, as Python
 * does). A string is returned unchanged and null stays null.
 * @throws TypeError for invalid UTF-8 or a value of any other type.
 */
export function to_unicode(value: string | Uint8Array): string;
export function to_unicode(value: null): null;
export function to_unicode(value: string | Uint8Array | null): string | null;
export function to_unicode(value: unknown): string | null {
  if (typeof value === "string" || value === null) return value;
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`Expected bytes, unicode, or null; got ${describeType(value)}`);
  }
  if (!isUtf8(value)) throw new TypeError("Invalid UTF-8 in byte string");
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return bytes.toString("utf8");
}

/** Same as `to_unicode`; Tornado's name for "the native string type". */
export const native_str = to_unicode;

/** Same as `to_unicode`; kept for code written against Tornado's old name. */
export const to_basestring = to_unicode;

function convertEntries(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(obj)) {
    Object.defineProperty(out, key, {
      value: recursive_unicode(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Walks arrays and plain objects and returns a copy in which every Buffer
 * (or other Uint8Array) is decoded to a string as `to_unicode` does. Other
 * values are returned as they are.
 * @throws TypeError if a Buffer in the structure is not valid UTF-8.
 */
export function recursive_unicode(obj: unknown): any {
  if (obj instanceof Uint8Array) return to_unicode(obj);
  if (Array.isArray(obj)) return obj.map((item) => recursive_unicode(item));
  if (isPlainObject(obj)) return convertEntries(obj);
  return obj;
}

/** Options of `linkify`, as Tornado's keyword arguments. */
export interface LinkifyOptions {
  /** Shorten long URLs for display (the full URL goes in a `title`). Default false. */
  shorten?: boolean;
  /**
   * Extra attributes for each `<a>` (`'rel="nofollow"'`), or a function from
   * the link's href to them. Default none.
   */
  extra_params?: string | ((href: string) => string);
  /** Only link URLs that name a protocol, so not `www.example.com`. Default false. */
  require_protocol?: boolean;
  /** Protocols that may be linked. Default `["http", "https"]`; never add `javascript`. */
  permitted_protocols?: readonly string[];
}

/** Python's `\w` and `\s` for `str` patterns, as class contents. */
const WORD = "\\p{L}\\p{N}_";
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Python's Unicode `\b`. */
const BOUNDARY = `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`;
const URL_CHAR = `(?:[^${SPACE}&()]|&amp;|&quot;)`;
const URL_TAIL = `(?:(?:${URL_CHAR}*(?:[^!"#$%&'()*+,.:;<=>?@\\[\\]^\`{|}~${SPACE}]))|(?:\\(${URL_CHAR}*\\)))+)`;
/** Tornado's URL pattern, tried at one position (sticky): groups are the URL, its protocol and its slashes. */
const URL_RE = new RegExp(`${BOUNDARY}((?:([${WORD}-]+):(\\/{1,3})|www[.])${URL_TAIL}`, "uy");
/** The same with the `protocol:` branch disabled (`(?!)` never matches), so the groups keep their numbers. */
const WWW_URL_RE = new RegExp(`${BOUNDARY}((?:(?!)([${WORD}-]+):(\\/{1,3})|www[.])${URL_TAIL}`, "uy");
/** Where a match can start: a word boundary before a word character or `-`. */
const URL_START_RE = new RegExp(`${BOUNDARY}(?=[${WORD}-])`, "gu");
/** A run of the characters a protocol name is made of, from one position (sticky). */
const PROTOCOL_RUN_RE = new RegExp(`[${WORD}-]*`, "uy");

type UrlReplacer = (url: string, proto: string | undefined, slashes: string | undefined) => string;

/**
 * `html.replace(URL_RE, replace)` as Python's `re.sub` would do it with one global pattern, in
 * linear time. The global pattern retries `[\w-]+:` from every word boundary inside a run such as
 * `a-a-a-...` (quadratic); but the protocol branch from any position in a run reaches the same
 * `:` at the run's end, so once it has failed from one position it fails from every later one in
 * the run, and only the `www.` branch is tried there.
 */
function replaceUrls(html: string, replace: UrlReplacer): string {
  let out = "";
  let copied = 0;
  let protocolFailsBefore = -1;
  URL_START_RE.lastIndex = 0;
  for (let start = URL_START_RE.exec(html); start !== null; start = URL_START_RE.exec(html)) {
    const at = start.index;
    const pattern = at < protocolFailsBefore ? WWW_URL_RE : URL_RE;
    pattern.lastIndex = at;
    const m = pattern.exec(html);
    if (m !== null) {
      out += html.slice(copied, at) + replace(m[1], m[2], m[3]);
      copied = URL_START_RE.lastIndex = at + m[0].length;
      continue;
    }
    if (pattern === URL_RE) {
      PROTOCOL_RUN_RE.lastIndex = at;
      protocolFailsBefore = at + PROTOCOL_RUN_RE.exec(html)![0].length;
    }
    // A zero-width match leaves lastIndex in place: step over this code point.
    URL_START_RE.lastIndex = at + ((html.codePointAt(at) ?? 0) > 0xffff ? 2 : 1);
  }
  return copied === 0 ? html : out + html.slice(copied);
}

const MAX_LEN = 30;

/** Code point helpers: Python measures and slices strings in code points. */
function cpLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
function cpSlice(s: string, start: number, end?: number): string {
  return Array.from(s).slice(start, end).join("");
}

function shortenUrl(url: string, proto: string | undefined, slashes: string | undefined): string {
  const protoLen = proto ? cpLength(proto) + 1 + cpLength(slashes ?? "") : 0;
  const parts = cpSlice(url, protoLen).split("/");
  let short = url;
  if (parts.length > 1) {
    // Keep the host and a hint of the path.
    short = cpSlice(url, 0, protoLen) + parts[0] + "/" + cpSlice(parts[1], 0, 8).split("?")[0].split(".")[0];
  }
  if (cpLength(short) > MAX_LEN * 1.5) short = cpSlice(short, 0, MAX_LEN);
  if (short === url) return url;
  const amp = Array.from(short).lastIndexOf("&");
  // Do not cut an HTML entity in half.
  if (amp > MAX_LEN - 5) short = cpSlice(short, 0, amp);
  short += "...";
  return cpLength(short) >= cpLength(url) ? url : short;
}

/**
 * Turns plain text into HTML with links: the text is HTML-escaped, then each
 * URL (`http://...`, and `www....` unless `require_protocol`) becomes
 * `<a href="...">...</a>`, as Tornado's `tornado.escape.linkify`. A URL with a
 * protocol outside `permitted_protocols` is left as text. Pass the options
 * positionally as in Python (`linkify(text, true)`) or as one object
 * (`linkify(text, { shorten: true })`). A Buffer is decoded as UTF-8.
 */
export function linkify(text: string | Uint8Array, options?: LinkifyOptions): string;
export function linkify(
  text: string | Uint8Array,
  shorten?: boolean,
  extra_params?: string | ((href: string) => string),
  require_protocol?: boolean,
  permitted_protocols?: readonly string[],
): string;
export function linkify(
  text: string | Uint8Array,
  shortenOrOptions: boolean | LinkifyOptions = false,
  extraParams: string | ((href: string) => string) = "",
  requireProtocol = false,
  permittedProtocols: readonly string[] = ["http", "https"],
): string {
  let shorten = shortenOrOptions;
  if (typeof shortenOrOptions === "object" && shortenOrOptions !== null) {
    shorten = shortenOrOptions.shorten ?? false;
    extraParams = shortenOrOptions.extra_params ?? "";
    requireProtocol = shortenOrOptions.require_protocol ?? false;
    permittedProtocols = shortenOrOptions.permitted_protocols ?? ["http", "https"];
  }
  const fixedParams = typeof extraParams === "string" && extraParams ? " " + extraParams.trim() : "";
  return replaceUrls(
    xhtml_escape(typeof text === "string" ? text : Buffer.from(text)),
    (url: string, proto: string | undefined, slashes: string | undefined) => {
      if (requireProtocol && !proto) return url;
      if (proto && !permittedProtocols.includes(proto)) return url;
      const href = proto ? url : "http://" + url;
      let params = typeof extraParams === "function" ? " " + extraParams(href).trim() : fixedParams;
      let shown = url;
      if (shorten && cpLength(url) > MAX_LEN) {
        shown = shortenUrl(url, proto, slashes);
        // The full URL shows on hover.
        if (shown !== url) params += ` title="${href}"`;
      }
      return `<a href="${href}"${params}>${shown}</a>`;
    },
  );
}
