/**
 * `application/x-www-form-urlencoded` bodies, parsed straight from the body's
 * bytes. Gives what `parse_qs_bytes(body, true)` gives (Python's `parse_qs`
 * with blank values kept), without the intermediate strings and arrays: the
 * field count is checked before anything is allocated, a value without
 * escapes is a view of the body rather than a copy, and every empty value is
 * one shared Buffer. A body of N bytes therefore costs at most about N bytes
 * plus a bounded number of small objects, and the time is linear in N.
 */
import { HTTPInputError } from "./errors";

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;
const EMPTY = Buffer.alloc(0);

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** The number of `&`-separated fields, as Python's `max_num_fields` counts them: one more than the separators. */
export function countFields(body: Buffer): number {
  let count = 1;
  for (let at = body.indexOf(AMPERSAND); at >= 0; at = body.indexOf(AMPERSAND, at + 1)) count++;
  return count;
}

function needsDecoding(body: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = body[i];
    if (c === PERCENT || c === PLUS) return true;
  }
  return false;
}

/**
 * `body[start:end]` with `%XX` escapes decoded and `+` read as a space; a `%`
 * without two hex digits after it stays as it is. A view when nothing needs
 * decoding, a new Buffer of at most `end - start` bytes otherwise.
 */
function unquoteRange(body: Buffer, start: number, end: number): Buffer {
  if (start === end) return EMPTY;
  if (!needsDecoding(body, start, end)) return body.subarray(start, end);
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = body[i];
    if (c === PERCENT && i + 2 < end) {
      const hi = HEX_VALUE[body[i + 1]];
      const lo = HEX_VALUE[body[i + 2]];
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = c === PLUS ? SPACE : c;
  }
  return out.subarray(0, n);
}

/** Appends to `map[key]`, creating the list as an own property even for `__proto__`. */
export function listFor<T>(map: Record<string, T[]>, key: string): T[] {
  if (Object.hasOwn(map, key)) return map[key];
  const list: T[] = [];
  Object.defineProperty(map, key, { value: list, enumerable: true, writable: true, configurable: true });
  return list;
}

/** Adds the field `body[start:end]` (`name=value`, or a bare `name`) to `args`; an empty field adds nothing. */
function addField(body: Buffer, start: number, end: number, args: Record<string, Buffer[]>): void {
  if (start === end) return;
  // A bounded loop: `body.indexOf("=", start)` could scan past this field to the end of the body
  // for every field, quadratic on `a&a&...&a=b`.
  let eq = start;
  while (eq < end && body[eq] !== EQUALS) eq++;
  // Names are text: decoded as UTF-8, invalid bytes becoming U+FFFD, as parse_qs_bytes does.
  const name = unquoteRange(body, start, eq).toString("utf8");
  listFor(args, name).push(eq === end ? EMPTY : unquoteRange(body, eq + 1, end));
}

/**
 * Parses a urlencoded form body into `args` (name -> raw values, blank values
 * kept), adding to what it already holds.
 * @param max_fields most fields the body may have, counted as Python's
 * `parse_qs(max_num_fields=...)` counts them (separators plus one).
 * @throws HTTPInputError (`Invalid x-www-form-urlencoded body: Max number of
 * fields exceeded`) when there are more, before anything is added.
 */
export function parseUrlencodedBody(body: Buffer, args: Record<string, Buffer[]>, max_fields: number): void {
  if (countFields(body) > max_fields) {
    throw new HTTPInputError("Invalid x-www-form-urlencoded body: Max number of fields exceeded");
  }
  let start = 0;
  for (let at = body.indexOf(AMPERSAND); at >= 0; at = body.indexOf(AMPERSAND, start)) {
    addField(body, start, at, args);
    start = at + 1;
  }
  addField(body, start, body.length, args);
}
