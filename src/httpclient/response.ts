import { HTTPHeaders } from "../httputil/headers";
import { responses } from "../httputil/util";
import type { HTTPRequest } from "./request";

/** What `HTTPResponse`'s constructor takes besides the request and code. */
export interface HTTPResponseInit {
  headers?: HTTPHeaders | null;
  /** The body; empty when a `streaming_callback` took it. */
  buffer?: Buffer | null;
  effective_url?: string | null;
  error?: Error | null;
  /** Seconds from the request's start to the end of the response. */
  request_time?: number | null;
  /** Seconds per phase (`queue`: waiting for a free slot under `max_clients`). */
  time_info?: Record<string, number>;
  reason?: string | null;
  /** When the request started, in milliseconds of `performance.now()`. */
  start_time?: number | null;
}

/**
 * The answer to `fetch`, as Tornado's `HTTPResponse`: `code`, `reason`, `headers`, `body` (a
 * Buffer), `effective_url` (after redirects), `request_time` (seconds), `time_info`, and `error`
 * (an `HTTPClientError` when the code is not 2xx, or the error that stopped the request).
 */
export class HTTPResponse {
  /** The request, as it was passed to `fetch` (not the last redirect's). */
  readonly request: HTTPRequest;
  /** The HTTP status; 599 when no response came. */
  readonly code: number;
  /** The server's reason phrase, or the standard one for `code`. */
  readonly reason: string;
  /** The response's headers (a gzip body's `Content-Encoding` moved to `X-Consumed-Content-Encoding` once decompressed). */
  readonly headers: HTTPHeaders;
  /** The body bytes (Tornado's `buffer`, here the same Buffer as `body`). */
  readonly buffer: Buffer;
  /** The URL of the last request made, after redirects. */
  readonly effective_url: string;
  /** Seconds the whole fetch took. */
  readonly request_time: number | null;
  /** Seconds per phase; `queue` is the time spent waiting under `max_clients`. */
  readonly time_info: Record<string, number>;
  /** The error, if any: `HTTPClientError` for a non-2xx code. */
  error: Error | null;
  /** When the request started, in milliseconds of `performance.now()`. */
  readonly start_time: number | null;

  constructor(request: HTTPRequest, code: number, init: HTTPResponseInit = {}) {
    this.request = request;
    this.code = code;
    this.reason = init.reason || responses[code] || "Unknown";
    this.headers = init.headers ?? new HTTPHeaders();
    this.buffer = init.buffer ?? Buffer.alloc(0);
    this.effective_url = init.effective_url ?? request.url;
    this.request_time = init.request_time ?? null;
    this.time_info = init.time_info ?? {};
    this.start_time = init.start_time ?? null;
    if (init.error != null) this.error = init.error;
    else if (code < 200 || code >= 300) this.error = new HTTPClientError(code, this.reason, this);
    else this.error = null;
  }

  /** The body bytes (Tornado's `response.body`). */
  get body(): Buffer {
    return this.buffer;
  }

  /** Throws `error` when there is one; does nothing otherwise. */
  rethrow(): void {
    if (this.error) throw this.error;
  }

  /** Tornado's repr: `HTTPResponse(code=200,reason='OK',...)`, abbreviated. */
  toString(): string {
    return `HTTPResponse(code=${this.code},reason=${JSON.stringify(this.reason)},effective_url=${JSON.stringify(this.effective_url)})`;
  }
}

/**
 * An HTTP request that failed, as Tornado's `HTTPClientError` (also exported as `HTTPError`).
 * `code` is the response's status, or 599 when no response came (timeout, refused connection,
 * closed stream); `response` is the `HTTPResponse` when there was one. The message reads
 * `HTTP 404: Not Found`, as Tornado's `str(error)`.
 */
export class HTTPClientError extends Error {
  /** The reason text alone (Tornado's `error.message`): the server's reason, or the standard one. */
  readonly reason: string;

  constructor(
    /** The HTTP status, 599 when there was no response. */
    readonly code: number,
    reason?: string | null,
    /** The response, when the server answered; null otherwise. */
    public response: HTTPResponse | null = null,
    options?: ErrorOptions,
  ) {
    const text = reason ?? responses[code] ?? "Unknown";
    super(`HTTP ${code}: ${text}`, options);
    this.reason = text;
    this.name = "HTTPClientError";
  }
}

/** Tornado's older name for `HTTPClientError`. */
export const HTTPError = HTTPClientError;
/** Tornado's older name for `HTTPClientError`. */
export type HTTPError = HTTPClientError;

/** A request that timed out (connecting or as a whole): code 599, as Tornado's `HTTPTimeoutError`. */
export class HTTPTimeoutError extends HTTPClientError {
  constructor(reason: string, options?: ErrorOptions) {
    super(599, reason, null, options);
    this.name = "HTTPTimeoutError";
  }
}

/** The connection closed (or could not be made) before a full response: code 599, as Tornado's `HTTPStreamClosedError`. */
export class HTTPStreamClosedError extends HTTPClientError {
  constructor(reason: string, options?: ErrorOptions) {
    super(599, reason, null, options);
    this.name = "HTTPStreamClosedError";
  }
}
