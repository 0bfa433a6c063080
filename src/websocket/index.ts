/**
 * WebSockets, as Tornado's `tornado.websocket`: `WebSocketHandler` for the server side,
 * routed in the same `Application` as plain handlers, and `websocket_connect` for clients.
 */
export { WebSocketHandler } from "./handler";
export { websocket_connect, WebSocketClientConnection } from "./client";
export type { WebSocketConnectOptions, WebSocketClientMessage } from "./client";
export type { WebSocketMessage, CompressionOptions } from "./common";
export { WebSocketError, WebSocketClosedError, WebSocketHandshakeError } from "./errors";
