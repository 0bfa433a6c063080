import { HTTPClientError } from "../httpclient/response";

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

/**
 * A client handshake answered with something other than 101: an `HTTPClientError` carrying the
 * HTTP status `code`, as Tornado's `websocket_connect` raises, so `catch (e) { if (e instanceof
 * httpclient.HTTPClientError) ... }` works as in Tornado.
 */
export class WebSocketHandshakeError extends HTTPClientError {
  /** `code` is the HTTP status the server answered with; `message` the whole text (`HTTP 404: Not Found`). */
  constructor(code: number, message: string) {
    super(code, message.replace(/^HTTP \d+: /, ""));
    this.message = message;
    this.name = "WebSocketHandshakeError";
  }
}
