/**
 * The WebSocket client, as Tornado's `websocket_connect` and
 * `WebSocketClientConnection`, built on the `ws` package.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import WebSocket from "ws";
import { HTTPHeaders } from "../httputil/headers";
import { responses } from "../httputil/util";
import { app_log, exc_info, gen_log } from "../log";
import { WebSocketClosedError, WebSocketError, WebSocketHandshakeError } from "./errors";
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  deflateOptions,
  encodeMessage,
  type CompressionOptions,
  type WebSocketMessage,
} from "./common";
import { isPromiseLike } from "../util";

/** A message as the client receives it: text as a string, binary as a Buffer, null once closed. */
export type WebSocketClientMessage = string | Buffer | null;

/** What `write_message` sends: text, bytes, or a plain object sent as JSON text. */

/** Tornado's `websocket_connect` keyword arguments. */
export interface WebSocketConnectOptions {
  /** Called with each message, then once with null when the connection closes; `read_message` is then not used. */
  on_message_callback?: (message: WebSocketClientMessage) => void;
  /** Subprotocols offered to the server, in order of preference. */
  subprotocols?: string[];
  /** Extra headers sent with the handshake request. */
  headers?: Record<string, string>;
  /** Any object (even `{}`) offers permessage-deflate; null or absent offers no compression. */
  compression_options?: CompressionOptions | null;
  /** Seconds between the pings the client sends; 0 or absent sends none. */
  ping_interval?: number;
  /**
   * Seconds to wait for a pong after each ping before closing with reason
   * "ping timed out". Defaults to `ping_interval` and is capped at it; 0 never closes.
   */
  ping_timeout?: number;
  /** Largest incoming message in bytes (after decompression); larger closes with 1009. Default 10 MiB; 0 lifts the limit. */
  max_message_size?: number;
  /** Seconds allowed for the connection and the opening handshake; default 20, 0 for no limit. */
  connect_timeout?: number;
}

const DEFAULT_CONNECT_TIMEOUT = 20;
/** Seconds to wait for the peer's close frame before dropping the connection, as Tornado. */
const CLOSE_TIMEOUT = 5;
/** Close codes that never travel in a frame: "no status received" and "abnormal closure". */
const NO_PEER_CODE = new Set([1005, 1006]);
const MAX_CONTROL_PAYLOAD = 125;

/** `ws` client options, plus `closeTimeout`, which ws honours but its typings lack. */
type ClientOptions = WebSocket.ClientOptions & { closeTimeout?: number };

/**
 * Opens a WebSocket connection to `url` (`ws://` or `wss://`).
 *
 * Read messages either with `read_message()` in a loop until it gives null,
 * or by passing `on_message_callback`. Redirects are not followed.
 * @returns the open connection.
 * @throws (as a rejection) `WebSocketHandshakeError` (an `httpclient.HTTPClientError`) when the server answers
 * with something other than 101 (`code` is its status; a 2xx says "Non-websocket
 * response"), `WebSocketError` when the connection fails or `connect_timeout`
 * passes, SyntaxError for an invalid URL.
 */
export async function websocket_connect(
  url: string,
  options: WebSocketConnectOptions = {},
): Promise<WebSocketClientConnection> {
  return new WebSocketClientConnection(url, options).connect_future;
}

/**
 * A client WebSocket connection. Get one from `websocket_connect`; construct
 * it directly (then await `connect_future`) only to use a subclass that
 * overrides `on_message`, `on_ping` or `on_pong`.
 */
export class WebSocketClientConnection {
  /** Resolves with this connection once it is open; rejects as `websocket_connect` does. */
  readonly connect_future: Promise<this>;
  /** The status code of the peer's close frame; null while open, or if it sent none. */
  close_code: number | null = null;
  /** The reason in the peer's close frame; null while open, or if it sent none. */
  close_reason: string | null = null;
  /** The subprotocol the server chose, or null. */
  selected_subprotocol: string | null = null;
  /** The headers of the server's 101 response (empty until it arrives). */
  headers = new HTTPHeaders();

  readonly #url: string;
  readonly #ws: WebSocket;
  readonly #callback: ((message: WebSocketClientMessage) => void) | undefined;
  #resolve: ((conn: this) => void) | null = null;
  #reject: ((err: Error) => void) | null = null;
  #connectTimer: NodeJS.Timeout | undefined;
  readonly #messages: Array<string | Buffer> = [];
  readonly #readers: Array<(message: WebSocketClientMessage) => void> = [];
  #ended = false;
  readonly #pingInterval: number;
  readonly #pingTimeout: number;
  #pingTimer: NodeJS.Timeout | undefined;
  #receivedPong = false;

  /**
   * Starts connecting to `url`; see `websocket_connect` for the options.
   * @throws SyntaxError for an invalid URL.
   */
  constructor(url: string, options: WebSocketConnectOptions = {}) {
    this.#url = url;
    this.#callback = options.on_message_callback;
    this.#pingInterval = options.ping_interval ?? 0;
    this.#pingTimeout = effectivePingTimeout(this.#pingInterval, options.ping_timeout);
    this.connect_future = new Promise<this>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#ws = new WebSocket(url, wsOptions(options));
    this.#listen();
    this.#startConnectTimer(options.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT);
  }

  /**
   * Sends a message: a plain object as JSON text (`json_encode`), anything
   * else as given. The frame is binary when `binary` is true, text otherwise,
   * whatever the message's type.
   * @returns a promise that resolves once the frame is handed to the socket
   * and rejects with `WebSocketClosedError` if it cannot be; ignoring it is safe.
   * @throws WebSocketClosedError when the connection is closed or closing;
   * TypeError for a message of another type (an array, say).
   */
  write_message(message: WebSocketMessage, binary = false): Promise<void> {
    this.#checkOpen();
    const data = encodeMessage(message);
    const sent = new Promise<void>((resolve, reject) => {
      this.#ws.send(data, { binary }, (err) => (err ? reject(new WebSocketClosedError()) : resolve()));
    });
    sent.catch(() => {});
    return sent;
  }

  /**
   * The next message: text as a string, binary as a Buffer, null once the
   * connection has closed (and on every later call). Messages that arrive
   * before anyone reads are kept in order; concurrent reads are served in the
   * order they were made. Not used when `on_message_callback` was given.
   */
  read_message(): Promise<WebSocketClientMessage> {
    const message = this.#messages.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#readers.push(resolve));
  }

  /**
   * Starts the closing handshake, sending `code` and `reason` (a reason
   * without a code sends 1000; neither sends an empty close frame). The
   * connection is dropped if the server has not answered within 5 seconds.
   * Does nothing when already closing or closed; while connecting, abandons
   * the handshake.
   * @throws TypeError for a code that may not be sent, RangeError for a reason over 123 bytes.
   */
  close(code?: number, reason?: string): void {
    const state = this.#ws.readyState;
    if (state === WebSocket.CLOSING || state === WebSocket.CLOSED) return;
    this.#ws.close(code ?? (reason === undefined ? undefined : 1000), reason);
    this.#stopPinging();
  }

  /**
   * Sends a ping frame carrying `data` (a string is sent as UTF-8). Prefer
   * the `ping_interval` option to pinging by hand.
   * @throws WebSocketClosedError when closed or closing; RangeError when `data` exceeds 125 bytes.
   */
  ping(data: string | Buffer = ""): void {
    const payload = Buffer.from(data);
    this.#checkOpen();
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError(`ping data may not exceed ${MAX_CONTROL_PAYLOAD} bytes, got ${payload.length}`);
    }
    this.#ws.ping(payload);
  }

  /**
   * Called for each message received. The default hands it to
   * `on_message_callback` or to `read_message`; an override replaces that.
   * An error thrown (or a rejected promise) is logged and drops the connection.
   */
  on_message(message: string | Buffer): void | Promise<void> {
    this.#deliver(message);
  }

  /** Called with the payload of each ping received, after the pong is sent. Does nothing by default. */
  on_ping(data: Buffer): void | Promise<void> {}

  /** Called with the payload of each pong received. Does nothing by default. */
  on_pong(data: Buffer): void | Promise<void> {}

  #listen(): void {
    const ws = this.#ws;
    ws.on("upgrade", (res) => this.#onUpgrade(res));
    ws.on("unexpected-response", (_req: ClientRequest, res: IncomingMessage) => this.#onUnexpectedResponse(res));
    ws.on("open", () => this.#onOpen());
    ws.on("error", (err) =>
      this.#fail(new WebSocketError(`WebSocket connection to ${this.#url} failed: ${err.message}`), err),
    );
    ws.on("close", (code, reason) => this.#onClose(code, reason));
    ws.on("message", (data: Buffer, isBinary) => this.#run(() => this.on_message(isBinary ? data : data.toString())));
    ws.on("ping", (data) => this.#run(() => this.on_ping(data)));
    ws.on("pong", (data) => this.#onPong(data));
  }

  #onUpgrade(res: IncomingMessage): void {
    this.headers = HTTPHeaders.from_raw(res.rawHeaders);
    this.selected_subprotocol = res.headers["sec-websocket-protocol"] ?? null;
    // Tornado accepts whichever subprotocol the server names, or none; ws would refuse both.
    delete res.headers["sec-websocket-protocol"];
  }

  #onUnexpectedResponse(res: IncomingMessage): void {
    const code = res.statusCode ?? 0;
    const message =
      code >= 200 && code < 300
        ? "Non-websocket response"
        : `HTTP ${code}: ${res.statusMessage || responses[code] || "Unknown"}`;
    this.#fail(new WebSocketHandshakeError(code, message));
    this.#ws.terminate();
  }

  #onOpen(): void {
    clearTimeout(this.#connectTimer);
    this.#resolve?.(this);
    this.#resolve = this.#reject = null;
    this.#startPinging();
  }

  /** Rejects `connect_future` if it is still pending; errors after that are the close's business. */
  #fail(err: Error, cause?: unknown): void {
    if (this.#reject === null) return;
    clearTimeout(this.#connectTimer);
    if (cause !== undefined) err.cause = cause;
    this.#reject(err);
    this.#resolve = this.#reject = null;
  }

  #onClose(code: number, reason: Buffer): void {
    this.#stopPinging();
    this.close_code = NO_PEER_CODE.has(code) ? null : code;
    this.close_reason = reason.length > 0 ? reason.toString() : null;
    this.#deliver(null);
  }

  #startConnectTimer(seconds: number): void {
    if (seconds <= 0) return;
    this.#connectTimer = setTimeout(() => {
      this.#fail(new WebSocketError(`WebSocket connection to ${this.#url} timed out after ${seconds} seconds`));
      this.#ws.terminate();
    }, seconds * 1000);
  }

  /** Hands a message (or the end, as null) to the callback or to the readers. */
  #deliver(message: WebSocketClientMessage): void {
    if (message === null) {
      this.#ended = true;
      for (const reader of this.#readers.splice(0)) reader(null);
    }
    const callback = this.#callback;
    if (callback !== undefined) {
      this.#run(() => callback(message));
    } else if (message !== null) {
      const reader = this.#readers.shift();
      if (reader !== undefined) reader(message);
      else this.#messages.push(message);
    }
  }

  /** Runs a user hook; an error it throws or rejects with is logged and drops the connection. */
  #run(hook: () => unknown): void {
    try {
      const result = hook();
      if (isPromiseLike(result)) result.then(undefined, (err) => this.#uncaught(err));
    } catch (err) {
      this.#uncaught(err);
    }
  }

  #uncaught(err: unknown): void {
    app_log.error("Uncaught exception %s", err, exc_info(err));
    this.#ws.terminate();
  }

  #checkOpen(): void {
    if (this.#ws.readyState !== WebSocket.OPEN) throw new WebSocketClosedError("Client connection has been closed");
  }

  #startPinging(): void {
    if (this.#pingInterval > 0) this.#pingTimer = setTimeout(() => this.#sendPing(), this.#pingInterval * 1000);
  }

  #sendPing(): void {
    this.#receivedPong = false;
    const sentAt = performance.now();
    this.#ws.ping();
    this.#pingTimer = setTimeout(() => this.#checkPong(sentAt), this.#pingTimeout * 1000);
  }

  #checkPong(sentAt: number): void {
    if (this.#pingTimeout > 0 && !this.#receivedPong) {
      this.close(undefined, "ping timed out");
      return;
    }
    const wait = Math.max(0, sentAt + this.#pingInterval * 1000 - performance.now());
    this.#pingTimer = setTimeout(() => this.#sendPing(), wait);
  }

  #stopPinging(): void {
    clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  #onPong(data: Buffer): void {
    this.#receivedPong = true;
    this.#run(() => this.on_pong(data));
  }
}

/** The `ws` client options matching Tornado's keyword arguments. */
function wsOptions(options: WebSocketConnectOptions): ClientOptions {
  const headers: Record<string, string> = { ...options.headers };
  // Sent as a plain header so that ws does not check the server's choice (see #onUpgrade).
  if (options.subprotocols?.length) headers["Sec-WebSocket-Protocol"] = options.subprotocols.join(",");
  return {
    headers,
    perMessageDeflate: deflateOptions(options.compression_options),
    maxPayload: options.max_message_size ?? DEFAULT_MAX_MESSAGE_SIZE,
    closeTimeout: CLOSE_TIMEOUT * 1000,
    followRedirects: false,
  };
}

const warnedPingTimeouts = new Set<string>();

/** Tornado's ping timeout: `ping_interval` when unset, and never longer than it (with a one-time warning). */
function effectivePingTimeout(interval: number, timeout: number | undefined): number {
  if (timeout === undefined) return interval;
  if (interval > 0 && timeout > interval) {
    const message = `ping_timeout (${timeout}) cannot be longer than ping_interval (${interval}); using ${interval}`;
    if (!warnedPingTimeouts.has(message)) gen_log.warning(message);
    warnedPingTimeouts.add(message);
    return interval;
  }
  return timeout;
}
