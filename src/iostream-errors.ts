/**
 * The errors of Tornado's `tornado.iostream`, in a module of their own so that `httputil`'s
 * connection stream and `iostream`'s `IOStream` raise the one same `StreamClosedError`.
 */

/**
 * Raised by a stream's reads and writes once it is closed. `real_error` holds what closed it,
 * when an error did (Tornado's `iostream.StreamClosedError`).
 */
export class StreamClosedError extends Error {
  /** What closed the socket, when an error did. */
  readonly real_error: Error | null;

  constructor(real_error: Error | null = null) {
    super(real_error ? `Stream is closed: ${real_error.message}` : "Stream is closed");
    this.name = "StreamClosedError";
    this.real_error = real_error;
  }
}

/** Raised by `read_until` and `read_until_regex` when the delimiter is not within `max_bytes`. */
export class UnsatisfiableReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsatisfiableReadError";
  }
}

/** What closes a stream whose read buffer passed `max_buffer_size` (found as `real_error`). */
export class StreamBufferFullError extends Error {
  constructor(message = "Reached maximum read buffer size") {
    super(message);
    this.name = "StreamBufferFullError";
  }
}
