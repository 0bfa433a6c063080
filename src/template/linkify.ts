/**
 * Tornado's `escape.linkify`, kept with the template module for now since
 * `src/escape.ts` does not have it: it is in every template's namespace.
 */
import { xhtml_escape } from "../escape";

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
const URL_RE = new RegExp(
  `${BOUNDARY}((?:([${WORD}-]+):(\\/{1,3})|www[.])` +
    `(?:(?:${URL_CHAR}*(?:[^!"#$%&'()*+,.:;<=>?@\\[\\]^\`{|}~${SPACE}]))|(?:\\(${URL_CHAR}*\\)))+)`,
  "gu",
);

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
  return xhtml_escape(typeof text === "string" ? text : Buffer.from(text)).replace(
    URL_RE,
    (_match, url: string, proto: string | undefined, slashes: string | undefined) => {
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
