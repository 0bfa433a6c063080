/**
 * `HTTPServer`: Tornado's HTTP server over Node's `node:http` (or `node:https`).
 *
 * It turns each Node request into an `HTTPServerRequest` with its whole body read (up to
 * `max_body_size`), hands it to the request callback (usually an `Application`), and lets the
 * callback write the response through `request.connection`.
 */
import * as http from "node:http";
import * as https from "node:https";
import { isIP, Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { deliver_request, type HTTPServerConnectionDelegate } from "./httputil/delegate";
import { type ConnectionStream, is_detached, mark_detached, streamOf } from "./httputil/stream";
import { HTTPOutputError } from "./httputil/errors";
import { HTTPHeaders } from "./httputil/headers";
import {
  HTTPServerRequest,
  type HTTPConnection,
  type HTTPServerRequestInit,
  type ResponseStartLine,
} from "./httputil/request";
import {
  framing_problem,
  on_client_error,
  refuse_on_socket,
  refuse_request,
  resolve_limits,
  uri_for_log,
  type ServerLimits,
} from "./httpserver-limits";
import { close_after_response, drain_http_connections, drain_upgraded_sockets, log_cut } from "./httpserver-shutdown";
import { forwarded_for_address, forwarded_protocol } from "./httpserver-xheaders";
import { ignoreSocketError, RESOLVED, UpgradeConnection, waitForEvent } from "./httpserver-upgrade";
import type { HTTPServerOptions } from "./httpserver-options";
import { IOLoop, type Stoppable } from "./ioloop";
import { app_log, gen_log, exc_info } from "./log";

export { UpgradeConnection } from "./httpserver-upgrade";
export type { HTTPServerOptions } from "./httpserver-options";

/** Default of `HTTPServerOptions.shutdown_grace_period`, in seconds. */
export const DEFAULT_SHUTDOWN_GRACE_PERIOD = 10;

/** An object that serves whole requests, as a `Router` (an `Application` too) does. */
export interface RequestDispatcher {
  handle_request(request: HTTPServerRequest): unknown;
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

const kConnection = Symbol("tornado.connection");

type TrackedResponse = http.ServerResponse & { [kConnection]?: NodeHTTPConnection };

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
 * The one list every response's headers are flattened into for Node's `writeHead`, which reads
 * it synchronously into the head's text and keeps none of it.
 */
const HEAD_FIELDS: string[] = [];

/** The response side of one request on a Node connection. */
class NodeHTTPConnection implements HTTPConnection {
  readonly #res: TrackedResponse;
  readonly #closeAfter: boolean;
  #closeCallback: (() => void) | null = null;
  /** Body bytes still owed to a declared Content-Length (null when none was declared). */
  #owed: number | null = null;

  constructor(res: http.ServerResponse, closeAfter: boolean) {
    this.#res = res;
    this.#closeAfter = closeAfter;
    res.sendDate = false;
  }

  write_headers(start_line: ResponseStartLine, headers: HTTPHeaders, chunk?: Buffer | string): Promise<void> {
    const fields = HEAD_FIELDS;
    headers._flat_into(fields);
    if (this.#closeAfter) {
      fields.push("Connection", "close");
      this.#res.shouldKeepAlive = false;
    }
    try {
      this.#res.writeHead(start_line.code, start_line.reason, fields);
    } finally {
      fields.fill(""); // Node has copied them into the head: keep no response's headers (cookies) alive
    }
    const declared = headers.get("Content-Length");
    if (declared !== undefined && this.#res.req.method !== "HEAD") this.#owed = Number(declared);
    return chunk !== undefined && chunk.length > 0 ? this.write(chunk) : RESOLVED;
  }

  /**
   * Sends a chunk of the body.
   * @throws HTTPOutputError when the chunk goes past the declared Content-Length: what still
   * fits is sent, the rest is not, and the connection is closed.
   */
  write(chunk: Buffer | string): Promise<void> {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return RESOLVED;
    this.#count(chunk);
    return res.write(chunk) ? RESOLVED : waitForEvent(res, "drain");
  }

  /**
   * Ends the response, with `chunk` as its last data (Node sends pending headers and the
   * chunk in one write). A body shorter than its declared Content-Length would leave the
   * client waiting on a kept-alive connection, so that connection is closed instead.
   * @throws HTTPOutputError when `chunk` goes past the declared Content-Length (see `write`).
   */
  finish(chunk?: Buffer | string): Promise<void> | void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (chunk !== undefined) this.#count(chunk);
    if (this.#owed !== null && this.#owed > 0) {
      gen_log.error(
        "Tried to write %d bytes less than Content-Length for %s %s",
        this.#owed,
        res.req.method,
        res.req.url,
      );
      endAndClose(res, chunk);
      return;
    }
    res.end(chunk);
    if (res.writableNeedDrain) return waitForEvent(res, "finish");
  }

  /**
   * Destroys the socket: a response that cannot be completed must not look complete to a
   * kept-alive client. What was written is handed to the socket first (Node corks a response's
   * writes until the next tick).
   */
  close(): void {
    const socket = this.#res.socket;
    if (socket) while (socket.writableCorked > 0) socket.uncork();
    this.#res.destroy();
  }

  /**
   * Counts a chunk against the declared Content-Length. Bytes past it would be read by a
   * kept-alive client as the start of the next response: the part that fits ends the
   * response, the connection is closed after it, and the handler gets the error.
   */
  #count(chunk: Buffer | string): void {
    if (this.#owed === null) return;
    const size = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (size <= this.#owed) {
      this.#owed -= size;
      return;
    }
    const fits = (typeof chunk === "string" ? Buffer.from(chunk) : chunk).subarray(0, this.#owed);
    this.#owed = 0;
    endAndClose(this.#res, fits);
    throw new HTTPOutputError("Tried to write more data than Content-Length");
  }

  /** The socket as a stream (Tornado's `request.connection.stream`); null once Node let go of it. */
  get stream(): ConnectionStream | null {
    const socket = this.#res.socket;
    return socket ? streamOf(socket) : null;
  }

  /**
   * Takes the socket out of HTTP processing (`RequestHandler.detach()`): this response is never
   * written, the close callback is cleared, timeouts stop, and requests the client sends after
   * this one are neither parsed into handlers nor answered. The caller writes to the stream and
   * closes it. Reading from it is not possible: Node's HTTP parser keeps the socket's input.
   * @throws Error when the response already started, or its socket is gone.
   */
  detach(): ConnectionStream {
    const res = this.#res;
    const socket = res.socket;
    if (socket === null || res.headersSent) throw new Error("Cannot detach a connection whose response has started");
    this.#closeCallback = null;
    mark_detached(socket);
    socket.setTimeout(0);
    return streamOf(socket);
  }

  /** The close callback needs a listener on the response, added the first time one is set. */
  set_close_callback(callback: (() => void) | null): void {
    if (callback !== null && this.#res[kConnection] === undefined) {
      this.#res[kConnection] = this;
      this.#res.once("close", onResponseClose);
    }
    this.#closeCallback = callback;
  }

  /** Runs the close callback when the client went away before the response was finished. */
  _responseClosed(): void {
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null && !this.#res.writableFinished) callback();
  }
}

/** Ends the response with `chunk`, then closes its connection: the framing cannot be trusted for another response. */
function endAndClose(res: http.ServerResponse, chunk?: Buffer | string): void {
  const socket = res.socket;
  res.end(chunk, () => socket?.destroy());
}

function onResponseClose(this: TrackedResponse): void {
  this[kConnection]?._responseClosed();
}

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
    const request = this.#makeRequest(
      req,
      new NodeHTTPConnection(res, this.#options.no_keep_alive === true || this.#draining),
    );
    const refusal = this.#refusal(request, req);
    if (refusal !== 0) {
      refuse_request(res, refusal);
      return;
    }
    if (expectsContinue) res.writeContinue();
    // Read from our raw-list headers: `req.headers` would make Node build its own header object.
    const declared = request.headers.get("Content-Length");
    if (declared === "0" || (declared === undefined && !request.headers.has("Transfer-Encoding"))) {
      this.#dispatch(request);
      return;
    }
    this.#readBody(req, res, request);
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
    const declared = request.headers.get("Content-Length");
    if (declared !== undefined && Number(declared) > limits.maxBodySize) {
      logTooLarge(request, limits.maxBodySize);
      return 413;
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
        logTooLarge(request, this.#limits.maxBodySize);
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

function logTooLarge(request: HTTPServerRequest, maxBodySize: number): void {
  gen_log.warning(
    "413 %s %s (%s): body larger than max_body_size (%d bytes)",
    request.method,
    uri_for_log(request.uri),
    request.remote_ip,
    maxBodySize,
  );
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
