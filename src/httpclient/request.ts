import { HTTPHeaders, type HTTPHeadersInit } from "../httputil/headers";
import { format_timestamp } from "../httputil/util";

/** Writes one chunk of a streamed request body; resolves once the chunk has been taken (back-pressure). */
export type BodyWriter = (chunk: string | Uint8Array) => Promise<void>;

/** Everything an `HTTPRequest` (or `fetch`'s options) may set, with Tornado's names and units (seconds). */
export interface HTTPRequestOptions {
  /** HTTP method; "GET" by default. */
  method?: string;
  /** Request headers. */
  headers?: HTTPHeaders | HTTPHeadersInit | null;
  /** The body, sent as is (strings as UTF-8). A POST, PUT or PATCH needs one (or a `body_producer`); others must not have one. */
  body?: string | Uint8Array | null;
  /** Produces the body in pieces: called with a `write` whose promise resolves when the chunk was taken. Sent chunked unless a Content-Length header is set. */
  body_producer?: ((write: BodyWriter) => Promise<void>) | null;
  /** User name for HTTP authentication. */
  auth_username?: string | null;
  /** Password for HTTP authentication. */
  auth_password?: string | null;
  /**
   * "basic" (the default) or "digest" (RFC 7616, MD5, MD5-sess, SHA-256 and SHA-256-sess, qop
   * "auth"): the request goes first without credentials and is sent again, once, answering the
   * 401's Digest challenge. A `body_producer`'s body goes only with that second request (the
   * first has Content-Length: 0, as curl's), so it runs once; a Buffer or string body goes with both.
   */
  auth_mode?: string | null;
  /**
   * Sends `Expect: 100-continue` and the body only after the server's `100 Continue`; a final
   * answer first (a 413, a 401) is the response, the body unsent. Such requests go over a
   * connection of their own (node:http/https; undici refuses the header). False by default.
   */
  expect_100_continue?: boolean | null;
  /** Seconds to establish the connection (TCP and TLS); 20 by default. */
  connect_timeout?: number | null;
  /** Seconds for the whole request, from its start to the last byte of the body; 20 by default. */
  request_timeout?: number | null;
  /** Sends `If-Modified-Since` with this time. */
  if_modified_since?: Date | number | null;
  /** Follows 301, 302, 303, 307 and 308 answers; true by default. */
  follow_redirects?: boolean | null;
  /** The most redirects followed; 5 by default. */
  max_redirects?: number | null;
  /** The User-Agent header; "Tornado/<version>" when neither this nor a header sets one. */
  user_agent?: string | null;
  /** Asks for gzip and decompresses it; true by default. */
  decompress_response?: boolean | null;
  /** Tornado's older name for `decompress_response`. */
  use_gzip?: boolean | null;
  /** Called with each chunk of the body as it arrives (the response's body is then empty); a returned promise is awaited before the next chunk. */
  streaming_callback?: ((chunk: Buffer) => void | Promise<void>) | null;
  /** Called with each header line as received (`HTTP/1.1 200 OK\r\n`, `Name: value\r\n`, then `\r\n`). */
  header_callback?: ((line: string) => void) | null;
  /** HTTP proxy host; requests are then sent through it (absolute-form for http, CONNECT for https). */
  proxy_host?: string | null;
  /** HTTP proxy port. */
  proxy_port?: number | null;
  /** Proxy user name (basic). */
  proxy_username?: string | null;
  /** Proxy password (basic). */
  proxy_password?: string | null;
  /** "basic", the one supported. */
  proxy_auth_mode?: string | null;
  /** Skips the body checks for the method (e.g. a DELETE with a body, a POST without). */
  allow_nonstandard_methods?: boolean | null;
  /** Checks the server's certificate; true by default. */
  validate_cert?: boolean | null;
  /** Certificate authorities: a PEM file name, or the PEM itself. */
  ca_certs?: string | Buffer | null;
  /** Client private key: a PEM file name, or the PEM itself. */
  client_key?: string | Buffer | null;
  /** Client certificate: a PEM file name, or the PEM itself. */
  client_cert?: string | Buffer | null;
}

/** Tornado's built-in defaults (`HTTPRequest._DEFAULTS`). */
export const REQUEST_DEFAULTS = Object.freeze({
  connect_timeout: 20,
  request_timeout: 20,
  follow_redirects: true,
  max_redirects: 5,
  decompress_response: true,
  proxy_password: "",
  allow_nonstandard_methods: false,
  validate_cert: true,
});

/** An HTTP request for `AsyncHTTPClient.fetch`, as Tornado's `HTTPRequest`. Fields left unset take the client's `defaults`, then Tornado's. */
export class HTTPRequest implements HTTPRequestOptions {
  /** The URL to fetch (with credentials in it, `http://user:pass@host/`, used for basic auth when `auth_username` is unset). */
  url: string;
  method: string;
  headers: HTTPHeaders;
  body: Buffer | null;
  body_producer: HTTPRequestOptions["body_producer"];
  auth_username: string | null;
  auth_password: string | null;
  auth_mode: string | null;
  expect_100_continue: boolean;
  connect_timeout: number | null;
  request_timeout: number | null;
  follow_redirects: boolean | null;
  max_redirects: number | null;
  user_agent: string | null;
  decompress_response: boolean | null;
  streaming_callback: HTTPRequestOptions["streaming_callback"];
  header_callback: HTTPRequestOptions["header_callback"];
  proxy_host: string | null;
  proxy_port: number | null;
  proxy_username: string | null;
  proxy_password: string | null;
  proxy_auth_mode: string | null;
  allow_nonstandard_methods: boolean | null;
  validate_cert: boolean | null;
  ca_certs: string | Buffer | null;
  client_key: string | Buffer | null;
  client_cert: string | Buffer | null;
  /** When the client started it, in milliseconds of `performance.now()`; set by `fetch`. */
  start_time: number | null = null;

  /** Builds a request for `url`; throws TypeError when the URL cannot be parsed. */
  constructor(url: string, options: HTTPRequestOptions = {}) {
    new URL(url);
    this.url = url;
    this.method = options.method ?? "GET";
    this.headers = options.headers instanceof HTTPHeaders ? options.headers : new HTTPHeaders(options.headers ?? {});
    if (options.if_modified_since != null) {
      this.headers.set("If-Modified-Since", format_timestamp(options.if_modified_since));
    }
    this.body = toBuffer(options.body);
    this.body_producer = options.body_producer ?? null;
    this.auth_username = options.auth_username ?? null;
    this.auth_password = options.auth_password ?? null;
    this.auth_mode = options.auth_mode ?? null;
    this.expect_100_continue = options.expect_100_continue ?? false;
    this.connect_timeout = options.connect_timeout ?? null;
    this.request_timeout = options.request_timeout ?? null;
    this.follow_redirects = options.follow_redirects ?? null;
    this.max_redirects = options.max_redirects ?? null;
    this.user_agent = options.user_agent ?? null;
    this.decompress_response = options.decompress_response ?? options.use_gzip ?? null;
    this.streaming_callback = options.streaming_callback ?? null;
    this.header_callback = options.header_callback ?? null;
    this.proxy_host = options.proxy_host ?? null;
    this.proxy_port = options.proxy_port ?? null;
    this.proxy_username = options.proxy_username ?? null;
    this.proxy_password = options.proxy_password ?? null;
    this.proxy_auth_mode = options.proxy_auth_mode ?? null;
    this.allow_nonstandard_methods = options.allow_nonstandard_methods ?? null;
    this.validate_cert = options.validate_cert ?? null;
    this.ca_certs = options.ca_certs ?? null;
    this.client_key = options.client_key ?? null;
    this.client_cert = options.client_cert ?? null;
  }
}

/** A request with every unset field filled from the client's defaults, then Tornado's (`_RequestProxy`). */
export type ResolvedRequest = HTTPRequest & {
  connect_timeout: number;
  request_timeout: number;
  follow_redirects: boolean;
  max_redirects: number;
  decompress_response: boolean;
  allow_nonstandard_methods: boolean;
  validate_cert: boolean;
};

/** Fills `request`'s unset fields from `defaults` then `REQUEST_DEFAULTS`, into a copy (the request itself is untouched). */
export function resolveRequest(request: HTTPRequest, defaults: HTTPRequestOptions): ResolvedRequest {
  const copy = Object.assign(Object.create(HTTPRequest.prototype) as HTTPRequest, request);
  copy.headers = request.headers.copy();
  const record = copy as unknown as Record<string, unknown>;
  const sources = [defaults as Record<string, unknown>, REQUEST_DEFAULTS as Record<string, unknown>];
  for (const key of RESOLVABLE) {
    for (const source of sources) {
      if (record[key] == null && source[key] != null) record[key] = source[key];
    }
  }
  if (defaults.headers != null) {
    for (const [name, value] of new HTTPHeaders(defaults.headers as HTTPHeadersInit))
      copy.headers.setdefault(name, value);
  }
  return copy as ResolvedRequest;
}

const RESOLVABLE = [
  "auth_username",
  "auth_password",
  "auth_mode",
  "connect_timeout",
  "request_timeout",
  "follow_redirects",
  "max_redirects",
  "user_agent",
  "decompress_response",
  "proxy_host",
  "proxy_port",
  "proxy_username",
  "proxy_password",
  "proxy_auth_mode",
  "allow_nonstandard_methods",
  "validate_cert",
  "ca_certs",
  "client_key",
  "client_cert",
] as const;

/** Tornado's body rule: POST, PUT and PATCH need a body, other methods must not have one. Throws Error otherwise. */
export function checkBody(request: ResolvedRequest): void {
  if (request.allow_nonstandard_methods) return;
  const expected = ["POST", "PATCH", "PUT"].includes(request.method);
  const present = request.body != null || request.body_producer != null;
  if (expected !== present) {
    throw new Error(
      `Body must ${expected ? "not " : ""}be None for method ${request.method} (unless allow_nonstandard_methods is true)`,
    );
  }
}

function toBuffer(body: string | Uint8Array | null | undefined): Buffer | null {
  if (body == null) return null;
  return typeof body === "string"
    ? Buffer.from(body, "utf8")
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
