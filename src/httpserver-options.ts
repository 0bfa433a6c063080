/**
 * `HTTPServerOptions`, the options of `HTTPServer`, in a module of their own: httpserver.ts and
 * httpserver-limits.ts both read them, and neither imports the other for them. Users get them
 * from `tornado-ts/httpserver`, which re-exports them.
 */
import type * as https from "node:https";

/** Options of `HTTPServer` (Python's keyword arguments). Sizes in bytes, times in seconds. */
export interface HTTPServerOptions {
  /** Close the connection after each response. */
  no_keep_alive?: boolean;
  /** Trust `X-Real-Ip`/`X-Forwarded-For` for `remote_ip` and `X-Scheme`/`X-Forwarded-Proto` for `protocol` (behind a proxy). */
  xheaders?: boolean;
  /** Serve HTTPS with these `node:https` options (`key`, `cert`, ...). */
  ssl_options?: https.ServerOptions | null;
  /** Overrides `request.protocol` (e.g. "https" behind a TLS-terminating proxy without xheaders). */
  protocol?: string | null;
  /** Largest request head (request line and headers) accepted, in bytes (default 64 KiB); larger gets 431 and the connection closed. */
  max_header_size?: number;
  /**
   * Longest request target accepted, in bytes (default 16 KiB); longer gets 414 and the
   * connection closed. null: only `max_header_size` bounds it.
   */
  max_uri_size?: number | null;
  /**
   * Seconds a connection may send nothing (default 3600): an idle keep-alive connection, or one
   * that never sends a request, is closed then. A request head must also arrive within it
   * (Tornado's header timeout). Node keeps an idle keep-alive connection 1 s longer.
   */
  idle_connection_timeout?: number;
  /**
   * Seconds allowed from a request's first byte (or, for the first request, the connection's
   * start) until its head is complete (default 60); a slower client gets 408 and the connection
   * closed. null: only `idle_connection_timeout` applies, as in Tornado.
   */
  header_timeout?: number | null;
  /** Seconds allowed for reading a request body (default 300); when they pass, the connection is closed. null or 0: no limit. */
  body_timeout?: number | null;
  /** Largest request body accepted, in bytes (default `max_buffer_size`); larger gets 413 without being read, chunked bodies as soon as they pass it. */
  max_body_size?: number;
  /**
   * Decompress request bodies sent with `Content-Encoding: gzip` (as Tornado's
   * `decompress_request=True`): the handler sees the plain body, and the header moves to
   * `X-Consumed-Content-Encoding`. The body is inflated as it arrives and `max_body_size`
   * bounds its decompressed size (over it: 413, the connection closed); a body that is not
   * valid gzip gets 400. `Application.listen` sets it from the application's
   * `decompress_request` setting.
   */
  decompress_request?: boolean;
  /** Largest amount of request data buffered in memory, in bytes (default 100 MiB). */
  max_buffer_size?: number;
  /** Proxy addresses skipped when reading `X-Forwarded-For` with `xheaders`. */
  trusted_downstream?: string[];
  /** Seconds `shutdown()` (so `IOLoop.stop()`, SIGTERM/SIGINT) gives requests in flight and closing WebSockets before it cuts what is left (default 10). */
  shutdown_grace_period?: number;
}
