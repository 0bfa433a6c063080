import { responses } from "../httputil/util";
import type { HTTPResponse } from "./response";

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
