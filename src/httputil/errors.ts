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
