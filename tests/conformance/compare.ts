/**
 * Turns a raw response into the fields that matter, and compares the fields of the two sides,
 * letting through only the differences deliberate.ts lists for that very case and field.
 */
import { isDeepStrictEqual } from "node:util";
import { gunzipSync } from "node:zlib";
import { DELIBERATE_DIFFERENCES } from "./deliberate";
import type { RawResponse } from "./runner";

/** A response (or any outcome) as named fields: `status`, `reason`, `body`, `header:etag`, `cookie:name`... */
export type Fields = Record<string, unknown>;

/** Headers that say nothing about the application: the clock, the server's name, the connection's framing. */
const IGNORED_HEADERS = new Set(["date", "server", "connection", "keep-alive", "transfer-encoding", "set-cookie"]);
/** Headers holding a date that moves with the clock: compared as an offset from the response's `Date`. */
const RELATIVE_TIME_HEADERS = new Set(["expires"]);
const SIGNED_VALUE = /2\|1:(\d+)\|10:\d{10}\|(\d+:[^|]*)\|(\d+:[A-Za-z0-9+/=]*)\|[0-9a-f]{64}/g;
const XSRF_TOKEN = /2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d{10}/g;

/** The fields of a raw response: status, reason, each header that matters, each cookie set, the body. */
export function responseFields(response: RawResponse): Fields {
  const date = headerDate(response);
  const fields: Fields = { status: response.status, reason: response.reason };
  const encoded = header(response, "content-encoding") !== undefined;
  for (const [rawName, value] of response.headers) {
    const name = rawName.toLowerCase();
    if (IGNORED_HEADERS.has(name) || (encoded && name === "content-length")) continue;
    const normalized = RELATIVE_TIME_HEADERS.has(name) ? relativeTime(value, date) : value;
    const key = `header:${name}`;
    fields[key] = key in fields ? `${fields[key]}\n${normalized}` : normalized;
  }
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() !== "set-cookie") continue;
    const [key, cookie] = cookieField(value, date);
    fields[key] = key in fields ? [fields[key], cookie].flat() : cookie;
  }
  const { value, volatile } = bodyValue(response);
  fields.body = value;
  if (volatile && "header:etag" in fields) fields["header:etag"] = "<hash of a body with volatile parts>";
  return fields;
}

/** The first value of header `name` (lower-case), if any. */
function header(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

function headerDate(response: RawResponse): number | null {
  const value = header(response, "date");
  return value === undefined ? null : Date.parse(value);
}

/** A date as seconds from the response's `Date`, to the nearest 10 s (both sides compute it from their own clock). */
function relativeTime(value: string, date: number | null): string {
  const time = Date.parse(value);
  if (Number.isNaN(time) || date === null) return value;
  return `Date${time >= date ? "+" : "-"}${Math.round(Math.abs(time - date) / 10000) * 10}s`;
}

/** One `Set-Cookie` as a field `cookie:<name>` holding the masked value and the attributes by lower-cased name. */
function cookieField(setCookie: string, date: number | null): [string, Record<string, string>] {
  const [pair, ...attributes] = setCookie.split(";").map((part) => part.trim());
  const eq = pair.indexOf("=");
  const name = pair.slice(0, eq);
  const cookie: Record<string, string> = { value: maskVolatile(pair.slice(eq + 1)) };
  for (const attribute of attributes) {
    const at = attribute.indexOf("=");
    const key = (at < 0 ? attribute : attribute.slice(0, at)).toLowerCase();
    const value = at < 0 ? "" : attribute.slice(at + 1);
    cookie[key] = key === "expires" ? relativeTime(value, date) : value;
  }
  return [`cookie:${name}`, cookie];
}

/** Masks what differs on every call: a signed value's timestamp and signature, an XSRF token's random bytes. */
function maskVolatile(text: string): string {
  return text
    .replace(SIGNED_VALUE, (_, keyVersion, name, value) => `<signed v2 key=${keyVersion} name=${name} value=${value}>`)
    .replace(XSRF_TOKEN, "<xsrf token v2>");
}

/**
 * The body: gunzipped when gzip-encoded, parsed when JSON (compared by value), else text with
 * volatile parts masked; `volatile` says whether there were any (then the ETag cannot match).
 */
function bodyValue(response: RawResponse): { value: unknown; volatile: boolean } {
  const bytes = header(response, "content-encoding") === "gzip" ? gunzipSync(response.body) : response.body;
  const type = header(response, "content-type") ?? "";
  const text = bytes.toString("utf8");
  if (type.startsWith("application/json")) {
    try {
      return { value: JSON.parse(text), volatile: false };
    } catch {
      return { value: text, volatile: false };
    }
  }
  const masked = maskVolatile(text);
  return { value: masked, volatile: masked !== text };
}

/** The names of the fields whose values differ between `python` and `ts` (a field missing on one side differs). */
function differingFields(python: Fields, ts: Fields): string[] {
  const names = new Set([...Object.keys(python), ...Object.keys(ts)]);
  return [...names].filter((name) => !isDeepStrictEqual(python[name], ts[name])).sort();
}

const compared = new Set<string>();

/**
 * Asserts that `python` and `ts` agree on every field, except the fields deliberate.ts lists for
 * `caseId`; and that each of those still differs, so the list stays true.
 */
export function expectConformance(caseId: string, python: Fields, ts: Fields): void {
  compared.add(caseId);
  const listed = DELIBERATE_DIFFERENCES.filter((d) => d.case === caseId);
  const expected = new Set(listed.flatMap((d) => d.fields));
  const differing = differingFields(python, ts);
  const unexpected = differing.filter((field) => !expected.has(field));
  const vanished = [...expected].filter((field) => !differing.includes(field));
  const problems = [
    ...unexpected.map((field) => `${field} differs:\n  python: ${show(python[field])}\n  ts:     ${show(ts[field])}`),
    ...vanished.map(
      (field) =>
        `${field} is listed in deliberate.ts as differing, but both sides answer ${show(ts[field])}: remove it from deliberate.ts`,
    ),
  ];
  if (problems.length > 0) throw new Error(`${caseId}:\n${problems.join("\n")}`);
}

function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

/**
 * Asserts that every deliberate difference listed for cases starting with `prefix` was compared
 * in this test file, so the list names no case that no longer exists.
 */
export function expectDeliberateCasesCompared(prefix: string): void {
  const stale = DELIBERATE_DIFFERENCES.filter((d) => d.case.startsWith(prefix) && !compared.has(d.case)).map(
    (d) => d.case,
  );
  expect(stale).toEqual([]);
}
