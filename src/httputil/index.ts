/**
 * HTTP utilities shared by the server and the handlers, as Tornado's `tornado.httputil`:
 * headers, the request object, form/multipart/cookie parsing, timestamps and URL helpers.
 */
export * from "./errors";
export * from "./headers";
export * from "./body";
export * from "./cookies";
export * from "./util";
export * from "./request";
export * from "./delegate";
export { ConnectionStream, StreamClosedError } from "./stream";
