/**
 * `HTTPServer`: Tornado's HTTP server over Node's `node:http` (or `node:https`).
 *
 * It turns each Node request into an `HTTPServerRequest` with its whole body read (up to
 * `max_body_size`), hands it to the request callback (usually an `Application`), and lets the
 * callback write the response through `request.connection`. A delegate with
 * `headers_received` (an `Application`) may instead take the body chunk by chunk
 * (`@stream_request_body`, see httpserver-body.ts).
 */
import * as http from "node:http";
import * as https from "node:https";
import { isIP, Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { deliver_request, type HTTPServerConnectionDelegate } from "./httputil/delegate";
import { is_detached } from "./httputil/stream";
import { HTTPHeaders } from "./httputil/headers";
import { HTTPServerRequest, type HTTPConnection, type HTTPServerRequestInit } from "./httputil/request";
import {
  framing_problem,
  on_client_error,
  refuse_on_socket,
  refuse_request,
  resolve_limits,
  uri_for_log,
  type ServerLimits,
} from "./httpserver-limits";
import {
  consume_content_encoding,
  is_gzip_body,
  log_too_large,
  read_body_stream,
  type HTTPBodyDelegate,
} from "./httpserver-body";
import { close_after_response, drain_http_connections, drain_upgraded_sockets, log_cut } from "./httpserver-shutdown";
import { forwarded_for_address, forwarded_protocol } from "./httpserver-xheaders";
import { ignoreSocketError, UpgradeConnection } from "./httpserver-upgrade";
import { NodeHTTPConnection } from "./httpserver-connection";
import type { HTTPServerOptions } from "./httpserver-options";
import { IOLoop, type Stoppable } from "./ioloop";
import { app_log, gen_log, exc_info } from "./log";

export { UpgradeConnection } from "./httpserver-upgrade";
export type { HTTPBodyDelegate } from "./httpserver-body";
export type { HTTPServerOptions } from "./httpserver-options";

/** Default of `HTTPServerOptions.shutdown_grace_period`, in seconds. */
export const DEFAULT_SHUTDOWN_GRACE_PERIOD = 10;

/** An object that serves requests, as a `Router` (an `Application` too) does. */
export interface RequestDispatcher {
  /** Serves a request whose body (if any) has been read whole into `request.body`. */
  handle_request(request: HTTPServerRequest): unknown;
  /**
   * Called once the head of a request that has a body is in, before any of the body is read.
   * Returns the `HTTPBodyDelegate` the body is streamed to (`handle_request` is then not
   * called for it), or undefined to have the body read whole and `handle_request` called
   * with it. `Application` streams to a `@stream_request_body` handler.
   */
  headers_received?(request: HTTPServerRequest): HTTPBodyDelegate | undefined;
}

export type { HTTPServerConnectionDelegate };

/**
 * What an `HTTPServer` serves: a `Router` or `Application` (anything with
 * `handle_request(request)`), a Tornado `HTTPServerConnectionDelegate` (`start_request` makes a
 * message delegate per request, which then gets the head, the body and `finish`), or a plain
 * function called with each `HTTPServerRequest`, which answers through `request.connection`.
 */
export type RequestCallback =
  RequestDispatcher | HTTPServerConnectionDelegate | ((request: HTTPServerRequest) => unknown);

/**
 * The one init every request is built from, filled in and emptied again by `#makeRequest`:
 * `HTTPServerRequest`'s constructor reads it synchronously and keeps none of it, so a literal
 * per request would be garbage the moment the request exists.
 */
const REQUEST_INIT: HTTPServerRequestInit = {
  method: undefined,
  uri: undefined,
  version: undefined,
  headers: undefined,
  remote_ip: undefined,
  protocol: undefined,
  connection: undefined,
};

/**
 * A non-blocking HTTP server: `new HTTPServer(app, options).listen(port)`.
 *
 * Keep-alive is on by default. Every limit and timeout has a safe default (see
 * `HTTPServerOptions`): a head over `max_header_size` gets 431, a URI over `max_uri_size` 414,
 * a body over `max_body_size` 413 before it is read, a head slower than `header_timeout` 408, a
 * malformed request 400; each answer says `Connection: close`, and the connection is closed.
 */
export class HTTPServer {
  /** The underlying Node server. */
  readonly server: http.Server | https.Server;
  readonly #callback: (request: HTTPServerRequest) => unknown;
  /** The delegate asked at header time whether it streams a body; null for a plain callback. */
  readonly #streamer: Required<RequestDispatcher> | null;
  readonly #options: HTTPServerOptions;
  readonly #limits: ServerLimits;
  readonly #trusted: Set<string>;
  /** The open upgraded connections (each leaves the set when its socket closes). */
  readonly #upgraded = new Set<UpgradeConnection>();
  #bound: Promise<void> | null = null;
  #readyAwaited = false;
  /** True once `shutdown()` has begun: every response from then on closes its connection. */
  #draining = false;
  #shutdown: Promise<void> | null = null;
  /** Resolves when the Node server has closed (not listening, no connection left). */
  readonly #closed: Promise<void>;
  #isClosed = false;
  /** What the IOLoop stops on `IOLoop.stop()` (and signals): this server, gracefully. */
  readonly #registration: Stoppable;
  /** Seconds `shutdown()` waits by default before closing what is left (the `shutdown_grace_period` option). */
  readonly shutdown_grace_period: number;

  constructor(request_callback: RequestCallback, options: HTTPServerOptions = {}) {
    this.#callback = requestFunction(request_callback, this);
    this.#streamer = streamerOf(request_callback);
    this.#options = options;
    this.#limits = resolve_limits(options);
    this.#trusted = new Set(options.trusted_downstream ?? []);
    const nodeOptions = this.#limits.node;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.#onRequest(req, res, false);
    this.server = options.ssl_options
      ? https.createServer({ ...options.ssl_options, ...nodeOptions }, onRequest)
      : http.createServer(nodeOptions, onRequest);
    this.server.keepAliveTimeout = nodeOptions.keepAliveTimeout!;
    this.server.on("clientError", on_client_error);
    // With a listener, Node leaves `Expect: 100-continue` to us: a body to be refused is never invited.
    this.server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) =>
      this.#onRequest(req, res, true),
    );
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
    this.shutdown_grace_period = options.shutdown_grace_period ?? DEFAULT_SHUTDOWN_GRACE_PERIOD;
    this.#registration = {
      stop: () => this.shutdown(),
      close_all_connections: () => this.close_all_connections(),
      shutdown_grace_period: this.shutdown_grace_period,
    };
    this.#closed = new Promise((resolve) => {
      this.server.once("close", () => {
        this.#isClosed = true;
        IOLoop.current()._unregister_server(this.#registration);
        resolve();
      });
    });
  }

  /**
   * Starts accepting connections on `port` (0 picks a free port) at `address` (all interfaces
   * when omitted). Binding completes asynchronously: await `ready()` to know the port is open.
   * A port that cannot be bound is an uncaught error naming the address, unless `ready()` is
   * awaited, which then rejects with it. The server is registered with `IOLoop.current()`,
   * whose `stop()` (or SIGTERM/SIGINT once it runs) shuts it down gracefully (see `shutdown`).
   */
  listen(port: number, address?: string): this {
    IOLoop.current()._register_server(this.#registration);
    this.#bound = new Promise<void>((resolve, reject) => {
      const onListening = () => {
        this.server.off("error", onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.server.off("listening", onListening);
        const error = new Error(`HTTPServer could not listen on ${address ?? "*"}:${port}: ${err.message}`);
        if (!this.#readyAwaited) throw error;
        reject(error);
      };
      this.server.once("listening", onListening);
      this.server.once("error", onError);
    });
    this.server.listen(port, address);
    return this;
  }

  /**
   * Resolves with this server once `listen()` has bound its port.
   * @throws Error (rejects) when `listen()` was not called or the port could not be bound.
   */
  async ready(): Promise<this> {
    if (this.#bound === null) throw new Error("HTTPServer.ready() called before listen()");
    this.#readyAwaited = true;
    await this.#bound;
    return this;
  }

  /** The port the server listens on, or null before `listen`. */
  get port(): number | null {
    const address = this.server.address();
    return address !== null && typeof address === "object" ? address.port : null;
  }

  /**
   * Stops accepting new connections (a new one is refused); connections already open carry on,
   * except those idle at this moment, which Node closes. For a graceful end, see `shutdown()`.
   */
  stop(): void {
    if (this.server.listening) this.server.close();
  }

  /**
   * Shuts the server down gracefully, the recipe of Tornado's guide in one call: stops
   * accepting (new connections are refused), closes idle keep-alive connections at once, lets
   * each request in flight finish and answers it with `Connection: close` (a response whose
   * headers already went out is followed by a close), refuses new upgrades with 503, and closes
   * WebSockets with 1001 (Going Away). Once `grace_period` seconds (default: the
   * `shutdown_grace_period` option, 10) have passed, whatever is still open is closed as
   * `close_all_connections()` does, with a log line naming what was cut. Resolves once every
   * connection is closed; calling it again returns the same promise. `IOLoop.stop()` calls it for
   * every server that listens. Never rejects.
   */
  shutdown(grace_period: number = this.shutdown_grace_period): Promise<void> {
    return (this.#shutdown ??= this.#drain(grace_period));
  }

  async #drain(grace_period: number): Promise<void> {
    this.#draining = true;
    if (this.#bound === null && !this.server.listening) return;
    // Not `server.close()`: its sweep of idle connections would also cut responses still
    // being flushed. The net server stops accepting; the drain closes connections itself.
    if (this.server.listening) NetServer.prototype.close.call(this.server);
    drain_http_connections(this.server);
    drain_upgraded_sockets(this.#upgraded);
    const cut = setTimeout(() => {
      log_cut(this.server, this.#upgraded.size, grace_period);
      void this.close_all_connections();
    }, grace_period * 1000);
    cut.unref(); // the open connections hold the process, not this timer
    if (!this.#isClosed) await this.#closed;
    clearTimeout(cut);
    // Lets Node clear its header-timeout interval (it only does so in its own close()).
    this.server.close(ignoreSocketError);
  }

  /**
   * Closes every open connection, WebSockets included (Tornado leaves those open); resolves
   * once they are closed.
   */
  async close_all_connections(): Promise<void> {
    this.server.closeAllConnections();
    const closing = [...this.#upgraded].map(
      ({ socket }) =>
        new Promise((resolve) => {
          socket.once("close", resolve);
          socket.destroy();
        }),
    );
    await Promise.all(closing);
    await new Promise((resolve) => setImmediate(resolve));
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean): void {
    if (is_detached(req.socket)) {
      // Pipelined behind a request whose handler took the socket: not ours to answer.
      req.resume();
      return;
    }
    if (this.#draining) close_after_response(res);
    const connection = new NodeHTTPConnection(res, this.#options.no_keep_alive === true || this.#draining);
    const request = this.#makeRequest(req, connection);
    const refusal = this.#refusal(request, req);
    if (refusal !== 0) {
      refuse_request(res, refusal);
      return;
    }
    // Read from our raw-list headers: `req.headers` would make Node build its own header object.
    const declared = request.headers.get("Content-Length");
    if (declared === "0" || (declared === undefined && !request.headers.has("Transfer-Encoding"))) {
      if (expectsContinue) res.writeContinue();
      this.#dispatch(request);
      return;
    }
    const gzip = this.#options.decompress_request === true && is_gzip_body(request);
    if (gzip) consume_content_encoding(request);
    // A streaming handler may answer from `prepare()` inside `headers_received`, the body unread.
    connection._bodyPending = true;
    const stream = this.#streamer === null ? undefined : this.#headersReceived(request, res);
    if (stream === null) return;
    connection._bodyPending = stream !== undefined;
    if (stream !== undefined) {
      this.#streamBody(req, res, request, connection, stream, gzip, expectsContinue);
      return;
    }
    if (declaredTooLarge(request, this.#limits.maxBodySize)) {
      refuse_request(res, 413);
      return;
    }
    if (expectsContinue) res.writeContinue();
    if (gzip)
      read_body_stream(
        req,
        res,
        request,
        new BufferedBody(this, request),
        connection._bodyLimits(this.#limits),
        true,
        noop,
      );
    else this.#readBody(req, res, request);
  }

  /** The delegate's `headers_received`; null when it threw (logged, answered with 500). */
  #headersReceived(request: HTTPServerRequest, res: http.ServerResponse): HTTPBodyDelegate | undefined | null {
    try {
      return this.#streamer!.headers_received(request);
    } catch (err) {
      logUnhandled(err, request);
      refuse_request(res, 500);
      return null;
    }
  }

  /**
   * Streams a body to `delegate` once it is ready (a streaming handler's `prepare()` has run),
   * under the limits the connection has then: a declared Content-Length over them gets 413
   * before any byte is read, and `Expect: 100-continue` is answered only after that check.
   */
  #streamBody(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: HTTPServerRequest,
    connection: NodeHTTPConnection,
    delegate: HTTPBodyDelegate,
    gzip: boolean,
    expectsContinue: boolean,
  ): void {
    const start = () => {
      // The handler finished in `prepare()`, or the client left: that response closes the connection.
      if (res.writableEnded || req.destroyed) {
        connection._bodyPending = false;
        delegate.on_connection_close();
        return;
      }
      const limits = connection._bodyLimits(this.#limits);
      if (declaredTooLarge(request, limits.maxBodySize)) {
        refuse_request(res, 413);
        connection._bodyPending = false;
        delegate.on_connection_close();
        return;
      }
      if (expectsContinue) res.writeContinue();
      read_body_stream(req, res, request, delegate, limits, gzip, () => {
        connection._bodyPending = false;
      });
    };
    const ready = delegate.ready();
    if (ready === undefined) start();
    else ready.then(start, start);
  }

  /**
   * A request with `Connection: Upgrade` arrives on its own socket: it goes through the same
   * routing and handler pipeline, answering through an `UpgradeConnection` that a
   * `WebSocketHandler` can take over.
   */
  #onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", ignoreSocketError);
    const connection = new UpgradeConnection(req, socket, head, this.#upgraded);
    if (this.#draining) {
      refuse_on_socket(socket, 503);
      return;
    }
    const request = this.#makeRequest(req, connection);
    const refusal = this.#refusal(request, req);
    if (refusal === 0) this.#dispatch(request);
    else refuse_on_socket(socket, refusal);
  }

  /**
   * The status a parsed request is refused with before any handler sees it (0 when none),
   * after logging why: 400 for unsound framing (see `framing_problem`), 414 for a URI over
   * `max_uri_size`, 413 for a declared body over `max_body_size`.
   */
  #refusal(request: HTTPServerRequest, req: http.IncomingMessage): number {
    const limits = this.#limits;
    const problem = framing_problem(req, request);
    if (problem !== null) {
      gen_log.info("Malformed HTTP message from %s: %s", request.remote_ip, problem);
      return 400;
    }
    if (limits.maxUriSize !== null && request.uri.length > limits.maxUriSize) {
      gen_log.warning(
        "414 %s %s (%s): URI longer than max_uri_size (%d bytes)",
        request.method,
        uri_for_log(request.uri),
        request.remote_ip,
        limits.maxUriSize,
      );
      return 414;
    }
    return 0;
  }

  #makeRequest(req: http.IncomingMessage, connection: HTTPConnection): HTTPServerRequest {
    const socket = req.socket;
    const init = REQUEST_INIT;
    init.method = req.method;
    init.uri = req.url;
    init.version = req.httpVersion === "1.1" ? "HTTP/1.1" : "HTTP/" + req.httpVersion;
    init.headers = HTTPHeaders.from_raw(req.rawHeaders);
    init.remote_ip = socket.remoteAddress ? normaliseAddress(socket.remoteAddress) : "0.0.0.0";
    init.protocol =
      this.#options.protocol ?? ((socket as Socket & { encrypted?: boolean }).encrypted ? "https" : "http");
    init.connection = connection;
    const request = new HTTPServerRequest(init);
    // The constructor copies what it needs: the scratch init must not keep this request's parts alive.
    init.headers = undefined;
    init.connection = undefined;
    if (this.#options.xheaders) this.#applyXHeaders(request);
    return request;
  }

  #applyXHeaders(request: HTTPServerRequest): void {
    const headers = request.headers;
    const forwarded = headers.get("X-Forwarded-For");
    const ip =
      headers.get("X-Real-Ip") ??
      (forwarded === undefined ? request.remote_ip : forwarded_for_address(forwarded, this.#trusted));
    if (isIP(ip)) request.remote_ip = ip;
    const proto = headers.get("X-Scheme") ?? headers.get("X-Forwarded-Proto");
    const protocol = proto === undefined ? null : forwarded_protocol(proto);
    if (protocol !== null) request.protocol = protocol;
  }

  #readBody(req: http.IncomingMessage, res: http.ServerResponse, request: HTTPServerRequest): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const timeoutMs = this.#limits.bodyTimeoutMs;
    const timer = timeoutMs !== null ? setTimeout(() => abandonBody(req, request), timeoutMs) : null;
    req.on("error", () => timer && clearTimeout(timer));
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.#limits.maxBodySize) {
        if (timer) clearTimeout(timer);
        req.removeAllListeners("data").removeAllListeners("end");
        log_too_large(request, this.#limits.maxBodySize);
        refuse_request(res, 413);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (timer) clearTimeout(timer);
      request.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      chunks.length = 0; // the listener closure outlives this call: let the pieces go once joined
      this.#dispatch(request);
    });
  }

  /** Hands a request whose body has been read to the request callback; never throws. */
  _dispatch(request: HTTPServerRequest): void {
    this.#dispatch(request);
  }

  #dispatch(request: HTTPServerRequest): void {
    try {
      const result = this.#callback(request);
      if (result instanceof Promise) result.catch((err) => logUnhandled(err, request));
    } catch (err) {
      logUnhandled(err, request);
    }
  }
}

/** The function each request is given to: the callback itself, or a call of the object's entry point. */
function requestFunction(callback: RequestCallback, server: HTTPServer): (request: HTTPServerRequest) => unknown {
  if (typeof callback === "function") return callback;
  if (typeof (callback as Partial<RequestDispatcher>).handle_request === "function") {
    const dispatcher = callback as RequestDispatcher;
    return (request) => dispatcher.handle_request(request);
  }
  if (typeof (callback as Partial<HTTPServerConnectionDelegate>).start_request === "function") {
    const delegate = callback as HTTPServerConnectionDelegate;
    return (request) => deliver_request(delegate.start_request(server, request.connection!), request);
  }
  throw new TypeError("HTTPServer needs a function, a Router or an HTTPServerConnectionDelegate");
}

/** The dispatcher asked at header time whether it streams a body: one with `headers_received`. */
function streamerOf(callback: RequestCallback): Required<RequestDispatcher> | null {
  const dispatcher = callback as Partial<RequestDispatcher>;
  return typeof callback !== "function" &&
    typeof dispatcher.handle_request === "function" &&
    typeof dispatcher.headers_received === "function"
    ? (dispatcher as Required<RequestDispatcher>)
    : null;
}

/** Whether the request declares a body over `maxBodySize` (logged when it does). */
function declaredTooLarge(request: HTTPServerRequest, maxBodySize: number): boolean {
  const declared = request.headers.get("Content-Length");
  if (declared === undefined || Number(declared) <= maxBodySize) return false;
  log_too_large(request, maxBodySize);
  return true;
}

function noop(): void {}

/** A gzip body decompressed on its way in, gathered whole for `handle_request` (`decompress_request`). */
class BufferedBody implements HTTPBodyDelegate {
  readonly #chunks: Buffer[] = [];

  constructor(
    readonly server: HTTPServer,
    readonly request: HTTPServerRequest,
  ) {}

  ready(): undefined {
    return undefined;
  }

  data_received(chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  finish(): void {
    this.request.body = Buffer.concat(this.#chunks);
    this.#chunks.length = 0;
    this.server._dispatch(this.request);
  }

  on_connection_close(): void {
    this.#chunks.length = 0;
  }
}

function logUnhandled(error: unknown, request: HTTPServerRequest): void {
  app_log.error("Uncaught exception while serving %s", String(request), exc_info(error));
}

function abandonBody(req: http.IncomingMessage, request: HTTPServerRequest): void {
  gen_log.info("Timeout reading body from %s", request.remote_ip);
  req.socket.destroy();
}

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) is reported as `127.0.0.1`. */
function normaliseAddress(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
