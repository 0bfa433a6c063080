/**
 * tornado-ts: Python's Tornado web framework for Node.js. Each namespace mirrors a Tornado module.
 *
 * ```ts
 * import { web, ioloop } from "tornado-ts";
 * ```
 */
export * as web from "./web";
export * as ioloop from "./ioloop";
export * as httpserver from "./httpserver";
export * as httputil from "./httputil";
export * as escape from "./escape";
export * as log from "./log";
export * as locale from "./locale";
export * as routing from "./routing";
export * as testing from "./testing";
export * as websocket from "./websocket";
export * as template from "./template";
export * as autoreload from "./autoreload";
export * as options from "./options";
export * as concurrent from "./concurrent";
export * as gen from "./gen";
export * as locks from "./locks";
export * as queues from "./queues";
export * as pubsub from "./pubsub";
export * as httpclient from "./httpclient";
export * as iostream from "./iostream";
export * as tcpserver from "./tcpserver";
export * as tcpclient from "./tcpclient";
export * as netutil from "./netutil";
export * as auth from "./auth";
export * as util from "./tornado-util";
// Shadows Node's global `process` only where it is imported by this name (see src/process.ts).
export * as process from "./process";
export { version, version_info } from "./version";
