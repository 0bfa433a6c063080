/**
 * The pieces of Python's `urllib.parse` the auth mixins rely on, with Python's
 * semantics (not WHATWG `URL`'s, which lowercases hosts, drops default ports and re-escapes):
 * `urlencode` over ordered pairs, `urljoin`, and the `urlparse` split used to normalize a URL
 * for signing.
 * @module
 */
import { url_escape } from "../escape";

/** A parameter value as the mixins take it: Python would `str()` it. */
export type ParamValue = string | number | boolean;

/** Ordered parameters: a record (insertion order) or a Map, as Python's dict. */
export type Params = Readonly<Record<string, ParamValue>> | ReadonlyMap<string, ParamValue>;

/** Python's `str()` of a parameter value: booleans are `True`/`False`. */
export function py_str(value: ParamValue): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

/**
 * The parameters as a Map in Python dict order (a record's keys in the order written: a Map
 * keeps even integer-like keys where they were put, which a record does not).
 */
export function params_map(params: Params): Map<string, ParamValue> {
  return params instanceof Map ? new Map(params) : new Map(Object.entries(params));
}

/**
 * Python's `urllib.parse.urlencode(params)`: `name=value` pairs joined by `&`, each side
 * escaped as `quote_plus` (space as `+`, only letters, digits and `_.-~` kept), strings as
 * UTF-8 first, Buffers byte for byte. The pairs come from a record, a Map or any iterable of
 * `[name, value]` pairs (Python's list of tuples), in their order.
 */
export function urlencode(
  params: Params | ReadonlyMap<string, ParamValue | Buffer> | Iterable<readonly [string, ParamValue | Buffer]>,
): string {
  const pairs: Iterable<readonly [string, ParamValue | Buffer]> =
    Symbol.iterator in params ? (params as Iterable<readonly [string, ParamValue | Buffer]>) : Object.entries(params);
  const out: string[] = [];
  for (const [name, value] of pairs) {
    out.push(`${url_escape(name)}=${url_escape(Buffer.isBuffer(value) ? value : py_str(value))}`);
  }
  return out.join("&");
}

/** Python's `urlsplit` result. */
interface SplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

/** Python's `urllib.parse.urlsplit(url, scheme)`. */
function urlsplit(url: string, defaultScheme = ""): SplitUrl {
  let rest = url;
  let scheme = defaultScheme;
  const colon = rest.indexOf(":");
  if (colon > 0 && SCHEME_CHARS_RE.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? "" : rest.slice(end + 2);
  }
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)];
  let query = "";
  const question = rest.indexOf("?");
  if (question >= 0) [rest, query] = [rest.slice(0, question), rest.slice(question + 1)];
  return { scheme, netloc, path: rest, query, fragment };
}

/** Python's `urlunsplit` for the schemes the mixins meet (all use a netloc). */
function urlunsplit({ scheme, netloc, path, query, fragment }: SplitUrl): string {
  let url = path;
  if (netloc || (scheme && USES_RELATIVE.has(scheme) && !url.startsWith("//"))) {
    if (url && !url.startsWith("/")) url = "/" + url;
    url = "//" + netloc + url;
  }
  if (scheme) url = scheme + ":" + url;
  if (query) url += "?" + query;
  if (fragment) url += "#" + fragment;
  return url;
}

// Python's `uses_relative` (which, for these, is also `uses_netloc`).
const USES_RELATIVE = new Set([
  "",
  "ftp",
  "http",
  "gopher",
  "nntp",
  "imap",
  "wais",
  "file",
  "https",
  "shttp",
  "mms",
  "prospero",
  "rtsp",
  "rtspu",
  "sftp",
  "svn",
  "svn+ssh",
  "ws",
  "wss",
]);

/** RFC 3986's dot-segment removal as Python's `urljoin` does it on a merged path. */
function resolveSegments(basePath: string, path: string): string {
  let segments: string[];
  if (path.startsWith("/")) {
    segments = path.split("/");
  } else {
    const base = basePath.split("/");
    if (base[base.length - 1] !== "") base.pop();
    segments = [...base, ...path.split("/")];
    if (segments.length >= 2) {
      const middle = segments.slice(1, -1).filter((segment) => segment !== "");
      segments = [segments[0], ...middle, segments[segments.length - 1]];
    }
  }
  const resolved: string[] = [];
  for (const segment of segments) {
    if (segment === "..") resolved.pop();
    else if (segment !== ".") resolved.push(segment);
  }
  const last = segments[segments.length - 1];
  if (last === "." || last === "..") resolved.push("");
  return resolved.join("/") || "/";
}

/**
 * Python's `urllib.parse.urljoin(base, url)`: `url` resolved against `base` (an absolute `url`
 * is returned as it is, a path replaces the base's path, dot segments are resolved).
 */
export function urljoin(base: string, url: string): string {
  if (!base) return url;
  if (!url) return base;
  const b = urlsplit(base);
  const u = urlsplit(url, b.scheme);
  if (u.scheme !== b.scheme || !USES_RELATIVE.has(u.scheme)) return url;
  if (u.netloc) return urlunsplit(u);
  if (!u.path) return urlunsplit({ ...u, netloc: b.netloc, path: b.path, query: u.query || b.query });
  return urlunsplit({ ...u, netloc: b.netloc, path: resolveSegments(b.path, u.path) });
}

/**
 * The URL as OAuth signs it: lowercased scheme and netloc, then the path (Python's
 * `urlparse` path: without the query, the fragment, or `;params` of the last segment).
 */
export function normalized_signing_url(url: string): string {
  const { scheme, netloc, path } = urlsplit(url);
  const lastSlash = path.lastIndexOf("/");
  const semicolon = lastSlash >= 0 ? path.indexOf(";", lastSlash) : path.indexOf(";");
  const bare = semicolon >= 0 ? path.slice(0, semicolon) : path;
  return scheme.toLowerCase() + "://" + netloc.toLowerCase() + bare;
}
