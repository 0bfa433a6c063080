/**
 * Raised when an HTTP message from a remote peer is malformed: a bad header
 * block, an unparseable form body, a multipart body over the configured
 * limits. The HTTP layer answers it with a 400.
 */
export class HTTPInputError extends Error {
  /** @param message what was wrong with the input, for logs and tests. */
  constructor(message?: string) {
    super(message);
    this.name = "HTTPInputError";
  }
}

/**
 * Raised when a response is written wrongly for the HTTP framing it declared: more body bytes
 * than its `Content-Length`, for instance. The connection is closed when it is raised.
 */
export class HTTPOutputError extends Error {
  /** @param message what the handler did wrong, for logs and tests. */
  constructor(message?: string) {
    super(message);
    this.name = "HTTPOutputError";
  }
}
