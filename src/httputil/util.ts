/**
 * Small HTTP helpers from Tornado's httputil: status phrases, HTTP dates,
 * query-string concatenation, request-line and host parsing.
 */
import { url_escape, url_unescape } from "../escape";
import { HTTPInputError } from "./errors";

/**
 * Standard reason phrases by status code: exactly Python 3.11's
 * `http.HTTPStatus` phrases, which Tornado uses for status lines and error
 * pages (413 `Request Entity Too Large`, 418 `I'm a Teapot`, ...).
 */
export const responses: Readonly<Record<number, string>> = Object.freeze({
  100: "Continue",
  101: "Switching Protocols",
  102: "Processing",
  103: "Early Hints",
  200: "OK",
  201: "Created",
  202: "Accepted",
  203: "Non-Authoritative Information",
  204: "No Content",
  205: "Reset Content",
  206: "Partial Content",
  207: "Multi-Status",
  208: "Already Reported",
  226: "IM Used",
  300: "Multiple Choices",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  305: "Use Proxy",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  415: "Unsupported Media Type",
  416: "Requested Range Not Satisfiable",
  417: "Expectation Failed",
  418: "I'm a Teapot",
  421: "Misdirected Request",
  422: "Unprocessable Entity",
  423: "Locked",
  424: "Failed Dependency",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates",
  507: "Insufficient Storage",
  508: "Loop Detected",
  510: "Not Extended",
  511: "Network Authentication Required",
});

/**
 * Formats a time as an HTTP date (RFC 1123, always GMT), e.g.
 * `Sun, 27 Jan 2013 18:43:20 GMT`. Fractions of a second are dropped.
 * @param ts seconds since the Unix epoch, or a Date.
 * @throws TypeError for any other type; RangeError for NaN, an infinite
 * number or an invalid Date.
 */
export function format_timestamp(ts: number | Date): string {
  let seconds: number;
  if (ts instanceof Date) seconds = ts.getTime() / 1000;
  else if (typeof ts === "number") seconds = ts;
  else throw new TypeError(`unknown timestamp type: ${String(ts)}`);
  const date = new Date(Math.floor(seconds) * 1000);
  if (Number.isNaN(date.getTime())) throw new RangeError(`invalid timestamp: ${String(ts)}`);
  return date.toUTCString();
}

interface SplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const LEADING_C0_OR_SPACE_RE = /^[\x00-\x20]+/;
const TAB_CR_LF_RE = /[\t\r\n]/g;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*:/;
const NETLOC_END_RE = /[/?#]/;
const USES_NETLOC = new Set([
  "",
  "ftp",
  "http",
  "gopher",
  "nntp",
  "telnet",
  "imap",
  "wais",
  "file",
  "mms",
  "https",
  "shttp",
  "snews",
  "prospero",
  "rtsp",
  "rtspu",
  "rsync",
  "svn",
  "svn+ssh",
  "sftp",
  "nfs",
  "git",
  "git+ssh",
  "ws",
  "wss",
]);

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

/** Python's `urlsplit`: scheme, netloc, path, query and fragment. */
function splitUrl(url: string): SplitUrl {
  let rest = url.replace(LEADING_C0_OR_SPACE_RE, "").replace(TAB_CR_LF_RE, "");
  const schemeMatch = SCHEME_RE.exec(rest);
  const scheme = schemeMatch === null ? "" : schemeMatch[0].slice(0, -1).toLowerCase();
  if (schemeMatch !== null) rest = rest.slice(schemeMatch[0].length);
  let netloc = "";
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(NETLOC_END_RE);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = rest.slice(netloc.length + 2);
  }
  const [beforeFragment, fragment] = splitOnce(rest, "#");
  const [path, query] = splitOnce(beforeFragment, "?");
  return { scheme, netloc, path, query, fragment };
}

/** Python's `urlunsplit`: empty query and fragment lose their `?`/`#`. */
function joinUrl({ scheme, netloc, path, query, fragment }: SplitUrl): string {
  let url = path;
  if (netloc !== "" || (scheme !== "" && USES_NETLOC.has(scheme) && !url.startsWith("//"))) {
    if (url !== "" && !url.startsWith("/")) url = "/" + url;
    url = "//" + netloc + url;
  }
  if (scheme !== "") url = scheme + ":" + url;
  if (query !== "") url += "?" + query;
  if (fragment !== "") url += "#" + fragment;
  return url;
}

function parseQueryPairs(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const field of query.split("&")) {
    if (field === "") continue;
    const [name, value] = splitOnce(field, "=");
    pairs.push([url_unescape(name), url_unescape(value)]);
  }
  return pairs;
}

function argumentPairs(
  args: Record<string, string | readonly string[]> | ReadonlyArray<readonly [string, string]>,
): Array<readonly [string, string]> {
  if (Array.isArray(args)) return args;
  if (typeof args !== "object") {
    throw new TypeError(`'args' parameter should be an object or an array, not ${typeof args}`);
  }
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === "string") pairs.push([name, value]);
    else for (const item of value) pairs.push([name, item]);
  }
  return pairs;
}

/**
 * Appends query arguments to a URL, whether or not it already has a query.
 * The existing query is re-encoded as Python's `parse_qsl` + `urlencode`
 * would (`?x` becomes `?x=`), the fragment is kept.
 * @param args a record (an array value adds one argument per item), a list
 * of `[name, value]` pairs (names may repeat), or null for none.
 * @throws TypeError if `args` is neither an object nor an array.
 */
export function url_concat(
  url: string,
  args: Record<string, string | readonly string[]> | ReadonlyArray<readonly [string, string]> | null,
): string {
  if (args === null) return url;
  const parts = splitUrl(url);
  const pairs = [...parseQueryPairs(parts.query), ...argumentPairs(args)];
  const query = pairs.map(([name, value]) => `${url_escape(String(name))}=${url_escape(String(value))}`).join("&");
  return joinUrl({ ...parts, query });
}

/**
 * Yields a parsed query's `[name, value]` pairs, one per value, in order: the flat form of what
 * `parse_qs_bytes` (or `request.arguments`) gives, as `url_concat` and Python's `urlencode` take it.
 */
export function* qs_to_qsl<V>(qs: Readonly<Record<string, readonly V[]>>): Generator<[string, V]> {
  for (const name in qs) for (const value of qs[name]) yield [name, value];
}

/** The three parts of an HTTP/1.x request line. */
export interface RequestStartLine {
  method: string;
  path: string;
  version: string;
}

const REQUEST_LINE_RE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) (HTTP\/[0-9]\.[0-9])$/;

/**
 * Splits an HTTP/1.x request line such as `GET /foo HTTP/1.1` into method,
 * target and version.
 * @throws HTTPInputError if the line is malformed or the version is not
 * HTTP/1.x.
 */
export function parse_request_start_line(line: string): RequestStartLine {
  const match = REQUEST_LINE_RE.exec(line);
  if (match === null) throw new HTTPInputError("Malformed HTTP request line");
  const [, method, path, version] = match;
  if (!version.startsWith("HTTP/1")) throw new HTTPInputError(`Unexpected HTTP version '${version}'`);
  return { method, path, version };
}

/**
 * Splits `host:port` into the host and the numeric port; the port is null
 * when the netloc does not end in `:digits`.
 */
export function split_host_and_port(netloc: string): [string, number | null] {
  // By hand rather than a regex (this runs for every request): the port is the digits after
  // the last colon; the host before it must be non-empty and hold no newline.
  const colon = netloc.lastIndexOf(":");
  if (colon <= 0 || colon === netloc.length - 1) return [netloc, null];
  for (let i = colon + 1; i < netloc.length; i++) {
    const code = netloc.charCodeAt(i);
    if (code < 48 || code > 57) return [netloc, null];
  }
  const host = netloc.slice(0, colon);
  return host.includes("\n") ? [netloc, null] : [host, Number(netloc.slice(colon + 1))];
}
