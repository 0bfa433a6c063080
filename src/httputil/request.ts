import { parse_qs_bytes } from "../escape";
import { HTTPHeaders } from "./headers";
import { type HTTPFile, parse_body_arguments } from "./body";
import { isMorselName, parse_cookie } from "./cookies";
import { split_host_and_port } from "./util";
import type { ConnectionStream } from "./stream";

/** The first line of an HTTP response: version, status code and reason phrase. */
export interface ResponseStartLine {
  version: string;
  code: number;
  reason: string;
}

/**
 * The connection a request arrived on, as a handler sees it: the way its response goes out.
 * `HTTPServer` provides one per request; a plain request callback writes its response through it.
 */
export interface HTTPConnection {
  /** Sends the status line and headers, and the first body chunk if given. Resolves when handed to the socket. */
  write_headers(start_line: ResponseStartLine, headers: HTTPHeaders, chunk?: Buffer | string): Promise<void>;
  /** Sends a body chunk. Resolves when handed to the socket (waits for the socket to drain). */
  write(chunk: Buffer | string): Promise<void>;
  /**
   * Ends the response, sending `chunk` first if given (with the headers, when they are still
   * pending: one write). The connection is kept for the next request unless keep-alive is off.
   * May return a promise that resolves when the data is handed to the socket.
   */
  finish(chunk?: Buffer | string): Promise<void> | void;
  /** Sets (or clears, with `null`) the function called if the client disconnects before `finish()`. */
  set_close_callback(callback: (() => void) | null): void;
  /** Closes the connection at once, the response unfinished (for a response that cannot be completed). */
  close?(): void;
  /**
   * Sets the largest body, in bytes, this request may send (decompressed, with
   * `decompress_request`), in place of the server's `max_body_size`. It takes effect only
   * before the body is read: from the `prepare()` of a `@stream_request_body` handler. A body
   * over it gets 413 and the connection is closed. `HTTPServer`'s connections have it.
   */
  set_max_body_size?(max_body_size: number): void;
  /**
   * Sets the seconds allowed to read this request's body, in place of the server's
   * `body_timeout` (null or 0: no limit); as `set_max_body_size`, from a streaming handler's
   * `prepare()`. When they pass, the connection is closed.
   */
  set_body_timeout?(seconds: number | null): void;
  /** The socket under the connection, with `IOStream`'s names (`closed()`, `set_close_callback()`...); null when it is gone. */
  readonly stream?: ConnectionStream | null;
  /**
   * Takes the socket out of HTTP processing and returns it as a stream the caller owns (see
   * `RequestHandler.detach()`).
   * @throws Error when the connection has no socket to give.
   */
  detach?(): ConnectionStream;
}

/** A cookie sent by the client: Python's `Morsel`, reduced to what a request carries. */
export class Morsel {
  constructor(
    /** The cookie's name. */
    readonly key: string,
    /** The cookie's value, as `parse_cookie` decoded it from the `Cookie` header. */
    readonly value: string,
  ) {}

  /** The cookie's value (Python's `str(morsel)` gives the header form; here it is the value). */
  toString(): string {
    return this.value;
  }
}

/** What `HTTPServer` (or a test) knows about a request when it builds an `HTTPServerRequest`. */
export interface HTTPServerRequestInit {
  method?: string;
  uri?: string;
  version?: string;
  headers?: HTTPHeaders;
  body?: Buffer;
  host?: string;
  remote_ip?: string;
  protocol?: string;
  connection?: HTTPConnection | null;
  start_time?: number;
}

const EMPTY_BODY = Buffer.alloc(0);

/** Seconds since the epoch, with sub-millisecond precision. */
function preciseTime(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/**
 * A single HTTP request, as Tornado's `HTTPServerRequest`.
 *
 * `arguments`, `query_arguments` and `body_arguments` map names to lists of raw byte values
 * (Buffers), as Tornado does; `RequestHandler.get_argument` decodes them. The body arguments
 * are filled in when the handler runs (`_parse_body`), not when the request is built.
 */
export class HTTPServerRequest {
  /** The HTTP method, upper case: `"GET"`, `"POST"`, ... */
  method: string;
  /** The request target as sent: path and query string (`/search?q=x`). */
  uri: string;
  /** The HTTP version of the request line: `"HTTP/1.1"` or `"HTTP/1.0"`. */
  version: string;
  /** The request headers. */
  headers: HTTPHeaders;
  /**
   * The request body, read whole before the handler runs (empty when there is none, and for a
   * `@stream_request_body` handler, which gets it through `data_received` instead).
   */
  body: Buffer;
  /** The client's IP address; with the server's `xheaders`, the one the proxy reports. */
  remote_ip: string;
  /** `"http"` or `"https"`; with the server's `xheaders`, the scheme the proxy reports. */
  protocol: string;
  /** The `Host` header (host and maybe port), or `"127.0.0.1"` when there is none. */
  host: string;
  #hostName: string | null = null;
  /** The path part of `uri`, still percent-encoded. */
  path: string;
  /** The query string part of `uri`, without the `?` ("" when there is none). */
  query: string;
  // The argument maps are made on first use: most requests never read some of them.
  #arguments: Record<string, Buffer[]> | null = null;
  #queryArguments: Record<string, Buffer[]> | null = null;
  #bodyArguments: Record<string, Buffer[]> | null = null;
  #files: Record<string, HTTPFile[]> | null = null;
  /** The connection the response goes to; null for a request built without one (tests). */
  connection: HTTPConnection | null;
  /** When the request arrived, in seconds since the epoch. */
  _start_time: number;
  /** When its response finished, in seconds since the epoch; null until then. */
  _finish_time: number | null = null;
  #cookies: Record<string, Morsel> | null = null;
  /** Internal: the route an `Application` found when the head came in (a request with a body), for `handle_request`. */
  declare _route: unknown;

  constructor(init: HTTPServerRequestInit = {}) {
    this.method = init.method ?? "GET";
    this.uri = init.uri ?? "/";
    this.version = init.version ?? "HTTP/1.0";
    this.headers = init.headers ?? new HTTPHeaders();
    this.body = init.body ?? EMPTY_BODY;
    this.remote_ip = init.remote_ip ?? "127.0.0.1";
    this.protocol = init.protocol ?? "http";
    this.host = init.host ?? this.headers.get("Host") ?? "127.0.0.1";
    this.connection = init.connection ?? null;
    this._start_time = init.start_time ?? preciseTime();
    const queryStart = this.uri.indexOf("?");
    this.path = queryStart < 0 ? this.uri : this.uri.slice(0, queryStart);
    this.query = queryStart < 0 ? "" : this.uri.slice(queryStart + 1);
  }

  /** `host` without its port, lower case: worked out on first read (most requests never read it). */
  get host_name(): string {
    return (this.#hostName ??= split_host_and_port(this.host.toLowerCase())[0]);
  }
  set host_name(value: string) {
    this.#hostName = value;
  }

  /** Query and body arguments together: each name's raw values, query values first. */
  get arguments(): Record<string, Buffer[]> {
    return (this.#arguments ??= copyArguments(this.query_arguments));
  }
  set arguments(value: Record<string, Buffer[]>) {
    this.#arguments = value;
  }

  /** The arguments of the query string: each name's raw values, in order. */
  get query_arguments(): Record<string, Buffer[]> {
    return (this.#queryArguments ??= this.query ? parse_qs_bytes(this.query, true) : Object.create(null));
  }
  set query_arguments(value: Record<string, Buffer[]>) {
    this.#queryArguments = value;
  }

  /** The arguments of a form or multipart body, once the handler has parsed it. */
  get body_arguments(): Record<string, Buffer[]> {
    return (this.#bodyArguments ??= Object.create(null));
  }
  set body_arguments(value: Record<string, Buffer[]>) {
    this.#bodyArguments = value;
  }

  /** The files of a multipart body, by field name, once the handler has parsed it. */
  get files(): Record<string, HTTPFile[]> {
    return (this.#files ??= Object.create(null));
  }
  set files(value: Record<string, HTTPFile[]>) {
    this.#files = value;
  }

  /**
   * The request's cookies, parsed from the `Cookie` header on first use; a malformed header gives
   * none. As in Tornado, names Python's `SimpleCookie` refuses (empty, not a token, or an attribute
   * name such as `path`) are dropped.
   */
  get cookies(): Record<string, Morsel> {
    if (this.#cookies === null) this.#cookies = parseCookies(this.headers.get("Cookie"));
    return this.#cookies;
  }

  /** The full URL the client asked for: protocol, host and URI. */
  full_url(): string {
    return this.protocol + "://" + this.host + this.uri;
  }

  /** How long the request has taken so far (or took, once finished), in seconds. */
  request_time(): number {
    const end = this._finish_time ?? preciseTime();
    return end - this._start_time;
  }

  /** Records that the response has been sent (for `request_time`). */
  _mark_finished(): void {
    this._finish_time = preciseTime();
  }

  /**
   * Parses a form or multipart body into `body_arguments`, `files` and `arguments`, within the
   * limits of `set_parse_body_config`. Runs for every request, in linear time.
   * @throws HTTPInputError when the body is malformed, past a limit, or has an unsupported
   * Content-Encoding.
   */
  _parse_body(): void {
    const contentType = this.headers.get("Content-Type", "");
    // An empty body has no fields to find; but an empty multipart body lacks its final boundary,
    // which Tornado refuses (400), so that one is parsed.
    if (this.body.length === 0 && !contentType.startsWith("multipart/form-data")) return;
    parse_body_arguments(contentType, this.body, this.body_arguments, this.files, this.headers);
    for (const name in this.body_arguments) {
      const values = this.body_arguments[name];
      const existing = this.arguments[name];
      this.arguments[name] = existing ? existing.concat(values) : values.slice();
    }
  }

  /** The request in Tornado's `repr` form, as the error log shows it. */
  toString(): string {
    const fields = [
      `protocol='${this.protocol}'`,
      `host='${this.host}'`,
      `method='${this.method}'`,
      `uri='${this.uri}'`,
      `version='${this.version}'`,
      `remote_ip='${this.remote_ip}'`,
    ];
    return `HTTPServerRequest(${fields.join(", ")})`;
  }
}

function copyArguments(source: Record<string, Buffer[]>): Record<string, Buffer[]> {
  const copy: Record<string, Buffer[]> = Object.create(null);
  for (const name in source) copy[name] = source[name].slice();
  return copy;
}

function parseCookies(header: string | undefined): Record<string, Morsel> {
  const cookies: Record<string, Morsel> = Object.create(null);
  if (header === undefined) return cookies;
  let parsed: Record<string, string>;
  try {
    parsed = parse_cookie(header);
  } catch {
    return cookies;
  }
  for (const name in parsed) {
    if (isMorselName(name)) cookies[name] = new Morsel(name, parsed[name]);
  }
  return cookies;
}

// Most requests have no body and are routed once, in `handle_request`: no slot of their own.
(HTTPServerRequest.prototype as { _route: unknown })._route = undefined;
