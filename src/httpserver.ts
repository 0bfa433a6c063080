/**
 * `HTTPServer`: Tornado's HTTP server over Node's `node:http` (or `node:https`).
 *
 * It turns each Node request into an `HTTPServerRequest` with its whole body read (up to
 * `max_body_size`), hands it to the request callback (usually an `Application`), and lets the
 * callback write the response through `request.connection`.
 */
import * as http from "node:http";
import * as https from "node:https";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { HTTPHeaders } from "./httputil/headers";
import { HTTPServerRequest, type HTTPConnection, type ResponseStartLine } from "./httputil/request";
import { responses } from "./httputil/util";
import { app_log, gen_log, exc_info } from "./log";

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
  /** Largest request head accepted, in bytes (default 64 KiB); larger gets 400. */
  max_header_size?: number;
  /** Seconds an idle keep-alive connection is kept open (default 3600). */
  idle_connection_timeout?: number;
  /** Seconds allowed for reading a request body (default: no limit); when it passes, the connection is closed. */
  body_timeout?: number | null;
  /** Largest request body accepted, in bytes (default `max_buffer_size`); larger gets 413 without being read. */
  max_body_size?: number;
  /** Largest amount of request data buffered in memory, in bytes (default 100 MiB). */
  max_buffer_size?: number;
  /** Proxy addresses skipped when reading `X-Forwarded-For` with `xheaders`. */
  trusted_downstream?: string[];
}

/** An object that serves requests, as `Application` does. */
export interface HTTPServerConnectionDelegate {
  handle_request(request: HTTPServerRequest): unknown;
}

/** What an `HTTPServer` calls for each request: an `Application` or a plain function. */
export type RequestCallback = HTTPServerConnectionDelegate | ((request: HTTPServerRequest) => unknown);

const DEFAULT_MAX_BUFFER_SIZE = 100 * 1024 * 1024;
const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;
const DEFAULT_IDLE_TIMEOUT_SECONDS = 3600;
const BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\n\r\n";
const RESOLVED = Promise.resolve();
const kConnection = Symbol("tornado.connection");

const kUpgradeConnection = Symbol("tornado.upgradeConnection");
const kUpgradedSockets = Symbol("tornado.upgradedSockets");

type TrackedResponse = http.ServerResponse & { [kConnection]?: NodeHTTPConnection };
/** An upgraded socket, with what its close listeners need (plain functions, no closure per connection). */
type TrackedSocket = Duplex & { [kUpgradeConnection]?: UpgradeConnection; [kUpgradedSockets]?: Set<Duplex> };

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
    const flat = headers._flat();
    if (this.#closeAfter) {
      flat.push("Connection", "close");
      this.#res.shouldKeepAlive = false;
    }
    this.#res.writeHead(start_line.code, start_line.reason, flat);
    const declared = headers.get("Content-Length");
    if (declared !== undefined && this.#res.req.method !== "HEAD") this.#owed = Number(declared);
    return chunk !== undefined && chunk.length > 0 ? this.write(chunk) : RESOLVED;
  }

  write(chunk: Buffer | string): Promise<void> {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return RESOLVED;
    if (this.#owed !== null) this.#owed -= typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    return res.write(chunk) ? RESOLVED : waitForEvent(res, "drain");
  }

  /**
   * Ends the response, with `chunk` as its last data (Node sends pending headers and the
   * chunk in one write). A body shorter than its declared Content-Length would leave the
   * client waiting on a kept-alive connection, so that connection is closed instead.
   */
  finish(chunk?: Buffer | string): Promise<void> | void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (chunk !== undefined && this.#owed !== null) this.#owed -= typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (this.#owed !== null && this.#owed > 0) {
      gen_log.error("Tried to write %d bytes less than Content-Length for %s %s", this.#owed, res.req.method, res.req.url);
      const socket = res.socket;
      res.end(chunk, () => socket?.destroy());
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

/**
 * The response side of a request that asked to upgrade its connection (a WebSocket handshake).
 * Until a handler takes the socket over with `detach()`, responses are written to the socket
 * directly, and the connection is closed after them.
 */
export class UpgradeConnection implements HTTPConnection {
  #detached = false;
  #finished = false;
  #closeCallback: (() => void) | null = null;
  #nodeRequest: http.IncomingMessage | null;
  #head: Buffer | null;

  /**
   * @param node_request Node's request, as `ws`'s `handleUpgrade` needs it.
   * @param socket the client's socket.
   * @param head bytes the client sent after the request head.
   */
  constructor(
    node_request: http.IncomingMessage,
    /** The client's socket: written to directly until `detach()` hands it over. */
    readonly socket: Duplex,
    head: Buffer,
  ) {
    this.#nodeRequest = node_request;
    this.#head = head;
    (socket as TrackedSocket)[kUpgradeConnection] = this;
    socket.once("close", onUpgradeSocketClose);
  }

  /** Runs the close callback when the client went away before the response was finished. */
  _socketClosed(): void {
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null && !this.#finished && !this.#detached) callback();
  }

  write_headers(start_line: ResponseStartLine, headers: HTTPHeaders, chunk?: Buffer | string): Promise<void> {
    let head = `HTTP/1.1 ${start_line.code} ${start_line.reason}\r\n`;
    const flat = headers._flat();
    for (let i = 0; i < flat.length; i += 2) head += `${flat[i]}: ${flat[i + 1]}\r\n`;
    this.socket.write(head + "Connection: close\r\n\r\n", "latin1");
    return chunk !== undefined && chunk.length > 0 ? this.write(chunk) : RESOLVED;
  }

  write(chunk: Buffer | string): Promise<void> {
    if (!this.socket.writable) return RESOLVED;
    return this.socket.write(chunk) ? RESOLVED : waitForEvent(this.socket, "drain");
  }

  finish(chunk?: Buffer | string): void {
    this.#finished = true;
    if (this.#detached) return;
    if (chunk !== undefined && chunk.length > 0 && this.socket.writable) this.socket.write(chunk);
    this.socket.end();
  }

  set_close_callback(callback: (() => void) | null): void {
    this.#closeCallback = callback;
  }

  /** Destroys the socket, unless a protocol handler has taken it over. */
  close(): void {
    this.#finished = true;
    if (!this.#detached) this.socket.destroy();
  }

  /**
   * Hands the socket to a protocol handler (`ws`), with Node's request and the bytes after its
   * head. From then on this connection leaves the socket alone and holds neither (a long-lived
   * WebSocket should not keep its handshake's request object alive). The new owner must listen
   * for the socket's errors at once: the server's own listener is removed.
   * @throws Error when the socket was already handed over.
   */
  detach(): { node_request: http.IncomingMessage; head: Buffer } {
    if (this.#detached) throw new Error("UpgradeConnection.detach() called twice");
    this.#detached = true;
    this.socket.off("close", onUpgradeSocketClose);
    this.socket.off("error", ignoreSocketError);
    (this.socket as TrackedSocket)[kUpgradeConnection] = undefined;
    const taken = { node_request: this.#nodeRequest!, head: this.#head! };
    this.#nodeRequest = null;
    this.#head = null;
    return taken;
  }
}

function ignoreSocketError(): void {}

function onUpgradeSocketClose(this: TrackedSocket): void {
  this[kUpgradeConnection]?._socketClosed();
}

function forgetUpgradedSocket(this: TrackedSocket): void {
  this[kUpgradedSockets]?.delete(this);
}

function onResponseClose(this: TrackedResponse): void {
  this[kConnection]?._responseClosed();
}

/** Resolves once `event` fires on the stream, or it closes (a write to a closed client is dropped, not an error). */
function waitForEvent(stream: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off(event, done);
      stream.off("close", done);
      resolve();
    };
    stream.on(event, done);
    stream.on("close", done);
  });
}

/**
 * A non-blocking HTTP server: `new HTTPServer(app, options).listen(port)`.
 *
 * Keep-alive is on by default. A body over `max_body_size` gets 413 before it is read; a
 * malformed request gets a bare 400 and the connection is closed.
 */
export class HTTPServer {
  /** The underlying Node server. */
  readonly server: http.Server | https.Server;
  readonly #callback: (request: HTTPServerRequest) => unknown;
  readonly #options: HTTPServerOptions;
  readonly #maxBodySize: number;
  readonly #trusted: Set<string>;
  readonly #upgradedSockets = new Set<Duplex>();
  #bound: Promise<void> | null = null;
  #readyAwaited = false;

  constructor(request_callback: RequestCallback, options: HTTPServerOptions = {}) {
    this.#callback = typeof request_callback === "function" ? request_callback : (r) => request_callback.handle_request(r);
    this.#options = options;
    this.#maxBodySize = options.max_body_size ?? options.max_buffer_size ?? DEFAULT_MAX_BUFFER_SIZE;
    this.#trusted = new Set(options.trusted_downstream ?? []);
    const nodeOptions: http.ServerOptions = {
      maxHeaderSize: options.max_header_size ?? DEFAULT_MAX_HEADER_SIZE,
      requestTimeout: 0,
      keepAliveTimeout: (options.idle_connection_timeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
    };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.#onRequest(req, res);
    this.server = options.ssl_options ? https.createServer({ ...options.ssl_options, ...nodeOptions }, onRequest) : http.createServer(nodeOptions, onRequest);
    this.server.keepAliveTimeout = nodeOptions.keepAliveTimeout!;
    this.server.on("clientError", onClientError);
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  /**
   * Starts accepting connections on `port` (0 picks a free port) at `address` (all interfaces
   * when omitted). Binding completes asynchronously: await `ready()` to know the port is open.
   * A port that cannot be bound is an uncaught error naming the address, unless `ready()` is
   * awaited, which then rejects with it.
   */
  listen(port: number, address?: string): this {
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

  /** Stops accepting new connections; connections already open carry on. */
  stop(): void {
    if (this.server.listening) this.server.close();
  }

  /**
   * Closes every open connection, WebSockets included (Tornado leaves those open); resolves
   * once they are closed.
   */
  async close_all_connections(): Promise<void> {
    this.server.closeAllConnections();
    const closing = [...this.#upgradedSockets].map((socket) => new Promise((resolve) => {
      socket.once("close", resolve);
      socket.destroy();
    }));
    await Promise.all(closing);
    await new Promise((resolve) => setImmediate(resolve));
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const request = this.#makeRequest(req, new NodeHTTPConnection(res, this.#options.no_keep_alive === true));
    // Read from our raw-list headers: `req.headers` would make Node build its own header object.
    const declared = request.headers.get("Content-Length");
    if (declared !== undefined && Number(declared) > this.#maxBodySize) {
      this.#refuseBody(request, res);
      return;
    }
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
    this.#upgradedSockets.add(socket);
    (socket as TrackedSocket)[kUpgradedSockets] = this.#upgradedSockets;
    socket.on("close", forgetUpgradedSocket); // "on", not "once": a close happens once, and once() costs a wrapper per socket
    this.#dispatch(this.#makeRequest(req, new UpgradeConnection(req, socket, head)));
  }

  #makeRequest(req: http.IncomingMessage, connection: HTTPConnection): HTTPServerRequest {
    const socket = req.socket;
    const request = new HTTPServerRequest({
      method: req.method,
      uri: req.url,
      version: req.httpVersion === "1.1" ? "HTTP/1.1" : "HTTP/" + req.httpVersion,
      headers: HTTPHeaders.from_raw(req.rawHeaders),
      remote_ip: socket.remoteAddress ? normaliseAddress(socket.remoteAddress) : "0.0.0.0",
      protocol: this.#options.protocol ?? ((socket as Socket & { encrypted?: boolean }).encrypted ? "https" : "http"),
      connection,
    });
    if (this.#options.xheaders) this.#applyXHeaders(request);
    return request;
  }

  #applyXHeaders(request: HTTPServerRequest): void {
    const headers = request.headers;
    let ip = request.remote_ip;
    const forwarded = headers.get("X-Forwarded-For");
    if (forwarded !== undefined) {
      const candidates = forwarded.split(",").map((c) => c.trim()).reverse();
      ip = candidates.find((c) => !this.#trusted.has(c)) ?? candidates[candidates.length - 1];
    }
    ip = headers.get("X-Real-Ip") ?? ip;
    if (isIP(ip)) request.remote_ip = ip;
    const proto = headers.get("X-Scheme") ?? headers.get("X-Forwarded-Proto");
    const last = proto?.split(",").pop()?.trim();
    if (last === "http" || last === "https") request.protocol = last;
  }

  #readBody(req: http.IncomingMessage, res: http.ServerResponse, request: HTTPServerRequest): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const timeoutSeconds = this.#options.body_timeout;
    const timer = timeoutSeconds ? setTimeout(() => abandonBody(req, request), timeoutSeconds * 1000) : null;
    req.on("error", () => timer && clearTimeout(timer));
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.#maxBodySize) {
        if (timer) clearTimeout(timer);
        req.removeAllListeners("data").removeAllListeners("end");
        this.#refuseBody(request, res);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (timer) clearTimeout(timer);
      request.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      this.#dispatch(request);
    });
  }

  #refuseBody(request: HTTPServerRequest, res: http.ServerResponse): void {
    gen_log.warning("413 %s %s (%s): body larger than max_body_size (%d bytes)", request.method, request.uri, request.remote_ip, this.#maxBodySize);
    const reason = responses[413];
    const page = `<html><title>413: ${reason}</title><body>413: ${reason}</body></html>`;
    res.shouldKeepAlive = false;
    res.writeHead(413, reason, ["Content-Type", "text/html; charset=UTF-8", "Content-Length", String(page.length), "Connection", "close"]);
    res.end(page);
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

function onClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code !== "ECONNRESET" && socket.writable) {
    gen_log.info("Malformed HTTP message from %s: %s", (socket as Socket).remoteAddress ?? "unknown", err.message);
    socket.end(BAD_REQUEST);
    return;
  }
  socket.destroy();
}
