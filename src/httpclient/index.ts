/**
 * Tornado's `tornado.httpclient`: `AsyncHTTPClient`, `HTTPRequest`, `HTTPResponse` and
 * `HTTPClientError`, built on undici (the client behind Node's own `fetch`), and `HTTPClient`, the
 * blocking client (its requests run on a worker thread).
 */
export { AsyncHTTPClient, type AsyncHTTPClientOptions, type FetchOptions } from "./client";
export { HTTPRequest, type HTTPRequestOptions, type BodyWriter } from "./request";
export { HTTPResponse, type HTTPResponseInit } from "./response";
export { HTTPClientError, HTTPError, HTTPTimeoutError, HTTPStreamClosedError } from "./response";
export { HTTPClient } from "./blocking";
