/**
 * `HTTPHeaders`: Tornado's case-insensitive, multi-valued header map.
 */
import { HTTPInputError } from "./errors";
import { checkHeaderName, checkHeaderValue, isFieldValue, isTextFieldValue } from "./header-check";

/** What `new HTTPHeaders(init)` accepts. */
export type HTTPHeadersInit =
  Record<string, string | readonly string[]> | ReadonlyArray<readonly [string, string]> | HTTPHeaders;

/** Options for `HTTPHeaders.parse` and `parse_line`. */
export interface HeaderParseOptions {
  /**
   * True (the default) for HTTP headers, whose characters stand for bytes and
   * are checked against RFC 9110's field-value grammar; false for the part
   * headers of a multipart body, which are UTF-8 text where only control
   * characters are refused.
   */
  _chars_are_bytes?: boolean;
}

const COMMON_HEADER_NAMES = [
  "Accept",
  "Accept-Charset",
  "Accept-Encoding",
  "Accept-Language",
  "Accept-Ranges",
  "Authorization",
  "Cache-Control",
  "Connection",
  "Content-Disposition",
  "Content-Encoding",
  "Content-Language",
  "Content-Length",
  "Content-Range",
  "Content-Type",
  "Cookie",
  "Date",
  "Etag",
  "Expect",
  "Expires",
  "Host",
  "If-Match",
  "If-Modified-Since",
  "If-None-Match",
  "If-Range",
  "Keep-Alive",
  "Last-Modified",
  "Location",
  "Origin",
  "Pragma",
  "Range",
  "Referer",
  "Sec-Ch-Ua",
  "Sec-Ch-Ua-Mobile",
  "Sec-Ch-Ua-Platform",
  "Sec-Fetch-Dest",
  "Sec-Fetch-Mode",
  "Sec-Fetch-Site",
  "Sec-Fetch-User",
  "Sec-Websocket-Accept",
  "Sec-Websocket-Extensions",
  "Sec-Websocket-Key",
  "Sec-Websocket-Protocol",
  "Sec-Websocket-Version",
  "Server",
  "Set-Cookie",
  "Transfer-Encoding",
  "Upgrade",
  "Upgrade-Insecure-Requests",
  "User-Agent",
  "Vary",
  "Via",
  "X-Csrftoken",
  "X-Forwarded-For",
  "X-Forwarded-Proto",
  "X-Real-Ip",
  "X-Requested-With",
  "X-Scheme",
  "X-Xsrftoken",
];
const MAX_CACHED_NAMES = 1000;
const normalizedNames = new Map<string, string>();

function seedNameCache(): void {
  for (const name of COMMON_HEADER_NAMES) {
    normalizedNames.set(name, name);
    normalizedNames.set(name.toLowerCase(), name);
  }
}
seedNameCache();

function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/** Maps any spelling of a header name to Dash-Title-Case (`ETAG` -> `Etag`). */
function normalizeName(name: string): string {
  let normalized = normalizedNames.get(name);
  if (normalized === undefined) {
    normalized = name.split("-").map(titleCase).join("-");
    if (normalizedNames.size >= MAX_CACHED_NAMES) {
      normalizedNames.clear();
      seedNameCache();
    }
    normalizedNames.set(name, normalized);
  }
  return normalized;
}

/** A header's values: one string for one value, an array only from the second. */
type Values = string | string[];

function isSpaceOrTab(c: string): boolean {
  return c === " " || c === "\t";
}

function joined(values: Values): string {
  return typeof values === "string" ? values : values.join(",");
}

/** A parsed value (or continuation) checked by `header-check`'s rule for bytes or for text. */
function checkParsedValue(value: string, charsAreBytes: boolean, label: string): void {
  const ok = charsAreBytes ? isFieldValue(value) : isTextFieldValue(value);
  if (!ok) throw new HTTPInputError(`${label} ${JSON.stringify(value)}`);
}

function stripSpaceAndTab(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceOrTab(text[start])) start++;
  while (end > start && isSpaceOrTab(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * A map of HTTP headers whose names are case-insensitive and kept in
 * Tornado's Dash-Title-Case (`content-type` -> `Content-Type`, `ETAG` ->
 * `Etag`). A name may hold several values (`add`, `get_list`, `get_all`);
 * `get` and iteration give them joined with `,`.
 */
export class HTTPHeaders implements Iterable<[string, string]> {
  /** Name -> value or values; null until something is stored (or, for `from_raw`, until the map is needed). */
  #store: Map<string, Values> | null = null;
  /** Node's flat raw list, kept as is until something needs the map (`get`/`has` scan it instead). */
  #raw: readonly string[] | null = null;
  /** The raw list joined with newlines by `_compact()`, split again on first read. */
  #packed: string | null = null;
  #lastKey: string | null = null;

  /** The name -> values map, made on first need (from the raw list, if there is one). */
  get #lists(): Map<string, Values> {
    if (this.#store === null) {
      const raw = this.#unpacked();
      this.#store = new Map();
      this.#raw = null;
      if (raw !== null) {
        for (let i = 0; i + 1 < raw.length; i += 2) this.#append(normalizeName(raw[i]), raw[i + 1]);
      }
    }
    return this.#store;
  }

  /**
   * @param init a record of name -> value or values, a list of
   * `[name, value]` pairs (repeated names keep every value), or another
   * `HTTPHeaders` to copy. Values given here are not validated.
   */
  constructor(init?: HTTPHeadersInit) {
    if (init instanceof HTTPHeaders) {
      const store = this.#lists;
      for (const [name, values] of init.#lists) store.set(name, typeof values === "string" ? values : values.slice());
    } else if (Array.isArray(init)) {
      for (const [name, value] of init as ReadonlyArray<readonly [string, string]>)
        this.#append(normalizeName(name), value);
    } else if (init !== undefined) {
      this.#appendRecord(init as Record<string, string | readonly string[]>);
    }
  }

  /**
   * Builds headers from Node's flat `req.rawHeaders` list (`[name, value,
   * name, value, ...]`). Node has already validated them, so this skips the
   * checks `add` makes. The map is built only when first needed: a request
   * whose handler reads a header or two never builds it.
   */
  static from_raw(rawHeaders: readonly string[]): HTTPHeaders {
    const headers = new HTTPHeaders();
    headers.#raw = rawHeaders;
    return headers;
  }

  /**
   * Parses a header block of `Name: value` lines separated by CRLF or LF.
   * A line starting with a space or tab continues the previous value
   * (joined with one space). Blank lines are ignored.
   * @throws HTTPInputError for a line without a colon, a continuation line
   * with nothing to continue, an invalid name or an invalid value.
   */
  static parse(headerText: string, options?: HeaderParseOptions): HTTPHeaders {
    const headers = new HTTPHeaders();
    let start = 0;
    for (let lf = headerText.indexOf("\n"); lf >= 0; lf = headerText.indexOf("\n", start)) {
      headers.parse_line(headerText.slice(start, lf + 1), options);
      start = lf + 1;
    }
    headers.parse_line(headerText.slice(start), options);
    return headers;
  }

  /**
   * Adds one header line (with or without its trailing CRLF/LF) to the map.
   * @throws HTTPInputError as `parse` does.
   */
  parse_line(line: string, options?: HeaderParseOptions): void {
    const charsAreBytes = options?._chars_are_bytes ?? true;
    let text = line;
    if (text.endsWith("\n")) text = text.slice(0, text.endsWith("\r\n") ? -2 : -1);
    if (text === "") return;
    if (isSpaceOrTab(text[0])) {
      this.#continueLastValue(text, charsAreBytes);
      return;
    }
    const colon = text.indexOf(":");
    if (colon < 0) throw new HTTPInputError("no colon in header line");
    const name = checkHeaderName(text.slice(0, colon));
    const value = stripSpaceAndTab(text.slice(colon + 1));
    checkParsedValue(value, charsAreBytes, "Invalid header value");
    this.#addUnchecked(name, value);
  }

  /**
   * Adds a value for `name`, keeping any values already there.
   * @throws HTTPInputError if the name is not an HTTP token or the value has
   * characters a header value may not contain (controls, DEL, anything
   * above U+00FF, or leading/trailing whitespace): header-check.ts's rule.
   */
  add(name: string, value: string): void {
    this.#addUnchecked(checkHeaderName(name), checkHeaderValue(value));
  }

  /**
   * Replaces every value of `name` with `value`.
   * @throws HTTPInputError as `add` does, for the same names and values.
   */
  set(name: string, value: string): void {
    this.#lists.set(normalizeName(checkHeaderName(name)), checkHeaderValue(value));
  }

  /**
   * `set` without the check, for a value the caller has built from checked parts (a decimal
   * `Content-Length`, say). Internal: a wrong value here reaches the client as it is.
   */
  _set_unchecked(name: string, value: string): void {
    this.#lists.set(normalizeName(name), value);
  }

  /**
   * Returns the value of `name`, several values joined with `,`, or
   * `defaultValue` (undefined if not given) when the header is absent.
   */
  get(name: string): string | undefined;
  get<D>(name: string, defaultValue: D): string | D;
  get<D>(name: string, defaultValue?: D): string | D | undefined {
    if (this.#unpacked() !== null) return this.#rawValue(name) ?? defaultValue;
    if (this.#store === null) return defaultValue;
    const values = this.#store.get(normalizeName(name));
    return values === undefined ? defaultValue : joined(values);
  }

  /**
   * Returns the value of `name` (several joined with `,`) when present; otherwise sets it to
   * `value` and returns that (Python's `dict.setdefault`).
   * @throws HTTPInputError as `set` does, when `value` is stored and invalid.
   */
  setdefault(name: string, value: string): string {
    const present = this.get(name);
    if (present !== undefined) return present;
    this.set(name, value);
    return value;
  }

  /** Returns a copy of every value of `name`, in order; `[]` if absent. */
  get_list(name: string): string[] {
    const values = this.#lists.get(normalizeName(name));
    if (values === undefined) return [];
    return typeof values === "string" ? [values] : values.slice();
  }

  /** Yields every `[name, value]` pair, one per value, names normalised. */
  *get_all(): IterableIterator<[string, string]> {
    for (const [name, values] of this.#lists) {
      if (typeof values === "string") yield [name, values];
      else for (const value of values) yield [name, value];
    }
  }

  /** Every `[name, value]` pair flattened into one list (`[name, value, name, value, ...]`), as Node's `writeHead` takes them. */
  _flat(): string[] {
    const flat: string[] = [];
    this._flat_into(flat);
    return flat;
  }

  /**
   * `_flat` into a list the caller keeps for reuse: its items are overwritten by index and its
   * length set to the pairs' count (emptying a list by setting its length to 0 would drop its
   * storage, to be made again by the next write).
   */
  _flat_into(out: string[]): void {
    const lists = this.#lists;
    let at = 0;
    // By key, not by entry: the entries iterator would make a [name, values] pair per header.
    for (const name of lists.keys()) {
      const values = lists.get(name)!;
      if (typeof values === "string") {
        out[at++] = name;
        out[at++] = values;
      } else {
        for (let i = 0; i < values.length; i++) {
          out[at++] = name;
          out[at++] = values[i];
        }
      }
    }
    if (out.length !== at) out.length = at;
  }

  /**
   * Packs headers still held as Node's raw list into one string until they are next read: one
   * string instead of a list of two per header, for a request that lives long and is rarely read
   * again (a WebSocket's). Does nothing once the map has been built.
   */
  _compact(): void {
    if (this.#raw === null) return;
    // Node refuses CR and LF inside header names and values, so a newline separates them safely.
    this.#packed = this.#raw.join("\n");
    this.#raw = null;
  }

  /** The raw list (unpacked first if `_compact` packed it), or null when the map is in use. */
  #unpacked(): readonly string[] | null {
    if (this.#packed !== null) {
      this.#raw = this.#packed.split("\n");
      this.#packed = null;
    }
    return this.#raw;
  }

  /** Whether a header called `name` (any case) is present. */
  has(name: string): boolean {
    if (this.#unpacked() !== null) return this.#rawValue(name) !== undefined;
    return this.#store !== null && this.#store.has(normalizeName(name));
  }

  /** Removes every value of `name`; returns whether it was present. */
  delete(name: string): boolean {
    return this.#lists.delete(normalizeName(name));
  }

  /** The normalised names, in first-added order. */
  keys(): IterableIterator<string> {
    return this.#lists.keys();
  }

  /** Yields `[name, joinedValue]` for each name, as `get` would join it. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [name, values] of this.#lists) yield [name, joined(values)];
  }

  /** A copy whose value lists are independent of this one's. */
  copy(): HTTPHeaders {
    return new HTTPHeaders(this);
  }

  /** The number of distinct header names. */
  get size(): number {
    return this.#lists.size;
  }

  /** The headers as `Name: value\n` lines, one per value. */
  toString(): string {
    let out = "";
    for (const [name, value] of this.get_all()) out += `${name}: ${value}\n`;
    return out;
  }

  #append(normalizedName: string, value: string): void {
    const store = this.#lists;
    const values = store.get(normalizedName);
    if (values === undefined) store.set(normalizedName, value);
    else if (typeof values === "string") store.set(normalizedName, [values, value]);
    else values.push(value);
  }

  /** `get` on the raw list: its values for `name` (any case) joined with `,`, or undefined. */
  #rawValue(name: string): string | undefined {
    const raw = this.#raw!;
    let lower: string | null = null;
    let value: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const key = raw[i];
      if (key.length !== name.length) continue;
      if (key !== name) {
        lower ??= name.toLowerCase();
        if (key.toLowerCase() !== lower) continue;
      }
      value = value === undefined ? raw[i + 1] : value + "," + raw[i + 1];
    }
    return value;
  }

  #appendRecord(init: Record<string, string | readonly string[]>): void {
    for (const [name, value] of Object.entries(init)) {
      const normalized = normalizeName(name);
      if (typeof value === "string") this.#append(normalized, value);
      else for (const item of value) this.#append(normalized, item);
    }
  }

  /** Appends a value whose name and value have been checked; continuation lines extend it. */
  #addUnchecked(name: string, value: string): void {
    const normalized = normalizeName(name);
    this.#lastKey = normalized;
    this.#append(normalized, value);
  }

  #continueLastValue(line: string, charsAreBytes: boolean): void {
    const key = this.#lastKey;
    const values = key === null ? undefined : this.#lists.get(key);
    if (values === undefined) throw new HTTPInputError("first header line cannot start with whitespace");
    const part = stripSpaceAndTab(line);
    checkParsedValue(part, charsAreBytes, charsAreBytes ? "Invalid header continuation" : "Invalid header value");
    if (typeof values === "string") this.#lists.set(key!, values + " " + part);
    else values[values.length - 1] += " " + part;
  }
}
