/**
 * WebSockets, as Tornado's `tornado.websocket`: `WebSocketHandler` for the server side,
 * routed in the same `Application` as plain handlers, and `websocket_connect` for clients.
 */
export { WebSocketHandler } from "./handler";
export type { WebSocketMessage, CompressionOptions } from "./handler";
export { WebSocketError, WebSocketClosedError, WebSocketHandshakeError } from "./errors";
