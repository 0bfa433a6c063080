/** Base class of WebSocket errors, as Tornado's `WebSocketError`. */
export class WebSocketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebSocketError";
  }
}

/** Thrown when writing to (or pinging) a WebSocket that is closed or closing. */
export class WebSocketClosedError extends WebSocketError {
  constructor(message = "WebSocket is closed") {
    super(message);
    this.name = "WebSocketClosedError";
  }
}

/** A client handshake answered with something other than 101: carries the HTTP status `code`. */
export class WebSocketHandshakeError extends WebSocketError {
  constructor(
    /** The HTTP status the server answered the handshake with. */
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "WebSocketHandshakeError";
  }
}
