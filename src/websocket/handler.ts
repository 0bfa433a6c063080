import type { Socket } from "node:net";
import WebSocket from "ws";
import { UpgradeConnection } from "../httpserver";
import { HTTPHeaders } from "../httputil/headers";
import { app_log, gen_log, exc_info } from "../log";
import { RequestHandler, type Chunk, type CookieOptions } from "../web/handler";
import { WebSocketClosedError } from "./errors";
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_WRITE_BUFFER_SIZE,
  encodeMessage,
  type CompressionOptions,
  type WebSocketMessage,
} from "./common";
import { hasToken, headerList, netloc } from "./handshake";
import { Drain, mayWrite } from "./outbound";
import { kHandler, serverFor, upgrade } from "./upgrade";
import { isPromiseLike } from "../util";
import type { PubSubCallback, Unsubscribe } from "../pubsub/types";
import { releaseAll, subscribeFor } from "./subscriptions";

const SUPPORTED_VERSIONS = new Set(["7", "8", "13"]);
const NO_STATUS = 1005;
const ABNORMAL_CLOSURE = 1006;
/** RFC 6455 7.4.1: the peer broke the server's policy (here: it stopped reading its output). */
const POLICY_VIOLATION = 1008;
/** RFC 6455 7.4.1: the server is going down. */
const GOING_AWAY = 1001;
const INTERNAL_ERROR = 1011;

// The bits of `WebSocketHandler.#flags`.
/** A hook (`open`, an async `on_message`) is pending: messages queue behind it. */
const BUSY = 1;
/** `open` has run (or failed). */
const OPENED = 2;
/** `on_close` has been called, or will never be (the connection closed during the handshake). */
const CLOSE_NOTIFIED = 4;
/** The connection closed while `open` was pending: `on_close` runs once it is done. */
const CLOSED_BEFORE_OPEN = 8;
/** A pong arrived since the last keep-alive ping. */
const RECEIVED_PONG = 16;
/** The server began shutting down during the handshake: close with 1001 after `open`. */
const GO_AWAY_AFTER_OPEN = 32;
const RESOLVED = Promise.resolve();
const TEXT_FRAME = Object.freeze({ binary: false });
const BINARY_FRAME = Object.freeze({ binary: true });
const NO_OUTPUT: Array<string | Buffer> = Object.freeze([]) as unknown as Array<string | Buffer>;

type TaggedSocket = WebSocket & { [kHandler]?: WebSocketHandler };

function rawToMessage(data: WebSocket.RawData, isBinary: boolean): string | Buffer {
  const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return isBinary ? buffer : buffer.toString("utf8");
}

function onSocketMessage(this: TaggedSocket, data: WebSocket.RawData, isBinary: boolean): void {
  this[kHandler]!._receive(rawToMessage(data, isBinary));
}

function onSocketClose(this: TaggedSocket, code: number, reason: Buffer): void {
  this[kHandler]!._closed(code, reason);
}

function onSocketError(this: TaggedSocket, error: Error): void {
  gen_log.info("WebSocket error from %s: %s", this[kHandler]!.request.remote_ip, error.message);
}

function onSocketPing(this: TaggedSocket, data: Buffer): void {
  const handler = this[kHandler]!;
  handler._answerPing(data);
  handler._handlerHook("on_ping", data);
}

function onSocketPong(this: TaggedSocket, data: Buffer): void {
  this[kHandler]!._pong(data);
}

/** The send callback of a compressed connection: a frame left `ws`'s compression queue. */
function onFrameWritten(this: WebSocketHandler): void {
  this._flushed();
}

/** Logs a hook's rejected promise (a hook whose result nothing awaits). */
function logRejection(handler: WebSocketHandler, hook: string, result: PromiseLike<unknown>): void {
  result.then(undefined, (err: unknown) =>
    app_log.error("Uncaught exception in %s %s", hook, handler._request_summary(), exc_info(err)),
  );
}

/** HTTP output methods throw once the connection is a WebSocket, as in Tornado. */
function refuseAfterUpgrade(handler: WebSocketHandler): void {
  if (handler._upgraded) throw new Error("Method not supported for Web Sockets");
}

/**
 * A handler for a WebSocket route, in the same `Application` as plain handlers.
 *
 * Override `open` (or `on_open`, the tutorial's name: the default `open` calls it),
 * `on_message`, and `on_close`; send with `write_message`. The handshake runs through the
 * ordinary handler pipeline first, so `prepare()`, cookies and `current_user` work, and
 * `prepare()` can refuse the upgrade with an HTTP status.
 *
 * ```ts
 * class Echo extends websocket.WebSocketHandler {
 *   on_message(message: string | Buffer) {
 *     this.write_message(message);
 *   }
 * }
 * ```
 */
export class WebSocketHandler extends RequestHandler {
  // close_code, close_reason and selected_subprotocol default to null on the prototype (see
  // below the class): an idle connection, which may stay open for hours, holds no slot for them.
  /** The close code the peer sent, once closed (null when it sent none or the connection dropped). */
  declare close_code: number | null;
  /** The close reason the peer sent, once closed (null when empty). */
  declare close_reason: string | null;
  /** The subprotocol chosen by `select_subprotocol`, or null. */
  declare selected_subprotocol: string | null;

  #socket: TaggedSocket | null = null;
  /** The connection's state: the bit flags BUSY, OPENED, CLOSE_NOTIFIED, ... (one field, not one per flag). */
  #flags = 0;
  /** Messages waiting for a pending `open`/`on_message`; made on first need (most connections never queue). */
  #queue: Array<string | Buffer> | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  /** The promise writes waiting for a slow reader share; null when none waits. */
  #waiting: Drain | null = null;
  /** The send callback on a compressed connection (its frames leave a queue `ws` keeps); else undefined. */
  #afterFrame: (() => void) | undefined = undefined;
  /** `max_write_buffer_size`, read once when the connection opens (not on every write). */
  #writeLimit: number | null = null;

  // ---- Hooks ----

  /** Called when the connection is open, with the route's captures. The default calls `on_open`. May be async: messages wait for it. */
  open(...args: any[]): unknown {
    return this.on_open(...args);
  }

  /** The tutorial's name for `open`; called by the default `open`. */
  on_open(...args: any[]): unknown {
    return undefined;
  }

  /** Called for each message: a string for text frames, a Buffer for binary ones. May be async: the next message waits for it. */
  on_message(message: string | Buffer): unknown {
    return undefined;
  }

  /** Called once when the connection closes, whichever side closed it; `close_code`/`close_reason` are set by then. */
  on_close(): void {}

  /** Called when a ping arrives (the pong is sent automatically). */
  on_ping(data: Buffer): void {}

  /** Called when a pong arrives. */
  on_pong(data: Buffer): void {}

  /**
   * Decides whether to accept a connection from `origin` (the `Origin` header). The default
   * accepts only the request's own host (scheme ignored, port included); requests without
   * an Origin header (non-browser clients) are always accepted. A refusal is a 403.
   */
  check_origin(origin: string): boolean {
    return netloc(origin).toLowerCase() === this.request.headers.get("Host");
  }

  /** Picks one of the subprotocols the client offered (an empty list if none), or null for none. */
  select_subprotocol(subprotocols: string[]): string | null {
    return null;
  }

  /** Returns permessage-deflate options to turn compression on (`{}` for the defaults), or null (the default) for none. */
  get_compression_options(): CompressionOptions | null {
    return null;
  }

  /** Seconds between server pings: the `websocket_ping_interval` setting (null: no pings). */
  get ping_interval(): number | null {
    return (this.settings.websocket_ping_interval as number | undefined) ?? null;
  }

  /** Seconds to wait for a pong before closing: `websocket_ping_timeout`, default and at most the interval; 0 waits forever. */
  get ping_timeout(): number | null {
    const interval = this.ping_interval;
    const timeout = (this.settings.websocket_ping_timeout as number | undefined) ?? interval;
    return interval === null || timeout === null ? null : Math.min(timeout, interval);
  }

  /** Largest message accepted, in bytes: `websocket_max_message_size` (default 10 MiB); larger closes with 1009. */
  get max_message_size(): number {
    return (this.settings.websocket_max_message_size as number | undefined) ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /**
   * Most output buffered for a client that does not read, in bytes: the
   * `websocket_max_write_buffer_size` setting (default 16 MiB; null for no limit). Past it
   * the connection is closed with 1008 and dropped if the close does not complete in 5 seconds.
   */
  get max_write_buffer_size(): number | null {
    const setting = this.settings.websocket_max_write_buffer_size as number | null | undefined;
    return setting === undefined ? DEFAULT_MAX_WRITE_BUFFER_SIZE : setting;
  }

  // ---- Sending and closing ----

  /**
   * Sends a message: a string as text, a plain object as JSON text, bytes as they are. The frame
   * is binary when `binary` is true, text otherwise (as in Tornado). Resolves when the data is
   * handed to the socket: at once while the socket keeps up, else once it drains (await it
   * for flow control; every waiting write shares one promise); rejects with
   * `WebSocketClosedError` if the connection closes first. Output buffered past
   * `max_write_buffer_size` closes the connection with 1008.
   * @throws WebSocketClosedError when the connection is closed or closing; TypeError for other types.
   */
  write_message(message: WebSocketMessage, binary = false): Promise<void> {
    const socket = this.#openSocket();
    socket.send(encodeMessage(message), binary ? BINARY_FRAME : TEXT_FRAME, this.#afterFrame);
    const limit = this.#writeLimit;
    if (limit !== null && socket.bufferedAmount > limit) this.#overflow(limit);
    if (mayWrite(socket, this.#stream())) return RESOLVED;
    return (this.#waiting ??= new Drain()).promise;
  }

  /**
   * Calls `callback` with each message published on `channel` of `this.application.pubsub`
   * while this connection is open; the
   * subscription ends when the connection closes, or sooner with the function returned. A
   * `WebSocketClosedError` from `write_message` in `callback` is ignored. Call it from `open()`
   * on; after the close it subscribes nothing.
   */
  subscribe(channel: string, callback: PubSubCallback): Unsubscribe {
    return subscribeFor(this, this.application.pubsub, channel, callback);
  }

  /** Answers a ping with its pong (before `on_ping` runs, as Tornado does), under the same write-buffer limit as messages. */
  _answerPing(data: Buffer): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return;
    socket.pong(data);
    const limit = this.#writeLimit;
    if (limit !== null && socket.bufferedAmount > limit) this.#overflow(limit);
  }

  /** The client stopped reading and its output passed `limit` bytes: close with 1008. */
  #overflow(limit: number): void {
    gen_log.warning(
      "WebSocket output to %s passed websocket_max_write_buffer_size (%d bytes): closing",
      this.request.remote_ip,
      limit,
    );
    this.close(POLICY_VIOLATION, "write buffer full");
  }

  /** Internal: the server is shutting down (`HTTPServer.shutdown`): closes with 1001. */
  _go_away(): void {
    this.close(GOING_AWAY, "server shutting down");
  }

  /** Internal: the TCP stream's output drained. */
  _drained(): void {
    this._flushed();
  }

  /** The output drained (or a compressed frame went out): wakes the writes waiting, if nothing is left waiting. */
  _flushed(): void {
    const waiting = this.#waiting;
    if (waiting === null || !mayWrite(this.#socket!, this.#stream())) return;
    this.#waiting = null;
    waiting.resolve();
  }

  /**
   * Sends a ping with up to 125 bytes of data.
   * @throws WebSocketClosedError when closed; Error when `data` is longer than 125 bytes.
   */
  ping(data: string | Buffer = ""): void {
    const socket = this.#openSocket();
    if (Buffer.byteLength(data) > 125) throw new Error("ping data must be 125 bytes or less");
    socket.ping(data);
  }

  /**
   * Starts the closing handshake with `code` and `reason` (a reason without a code means 1000;
   * neither sends an empty close frame). The connection is dropped if the peer does not answer
   * within 5 seconds (`ws` keeps that timer and clears it when the close completes). Does
   * nothing when already closing.
   */
  close(code?: number | null, reason?: string | null): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return;
    const status = code ?? (reason ? 1000 : undefined);
    socket.close(status, status === undefined ? undefined : (reason ?? undefined));
  }

  /** Turns Nagle's algorithm off (true) or on (false) for this connection; off is the default for WebSockets. */
  set_nodelay(value: boolean): void {
    if (this._upgraded) this.#stream().setNoDelay(value);
  }

  /**
   * Internal: true once the connection is a WebSocket. Read during construction too (the base
   * constructor's `clear()` may call `set_header`), before `#socket` exists: hence the `in` test.
   */
  get _upgraded(): boolean {
    return #socket in this && this.#socket !== null;
  }

  #has(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }

  #set(flag: number, on: boolean): void {
    this.#flags = on ? this.#flags | flag : this.#flags & ~flag;
  }

  /** The TCP stream under the `ws` socket: the one the upgrade handed to `ws` (not ws's private `_socket`). */
  #stream(): Socket {
    return (this.request.connection as UpgradeConnection).socket as Socket;
  }

  #openSocket(): TaggedSocket {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) throw new WebSocketClosedError();
    return socket;
  }

  // ---- Output methods do not apply once upgraded ----

  override write(chunk: Chunk): void {
    refuseAfterUpgrade(this);
    super.write(chunk);
  }
  override redirect(url: string, permanent = false, status?: number | null): void {
    refuseAfterUpgrade(this);
    super.redirect(url, permanent, status);
  }
  override set_header(name: string, value: string | number | Date | Buffer): void {
    refuseAfterUpgrade(this);
    super.set_header(name, value);
  }
  override set_cookie(name: string, value: string | Buffer, options?: CookieOptions): void {
    refuseAfterUpgrade(this);
    super.set_cookie(name, value, options);
  }
  override set_status(status_code: number, reason?: string | null): void {
    refuseAfterUpgrade(this);
    super.set_status(status_code, reason);
  }
  override flush(): Promise<void> {
    refuseAfterUpgrade(this);
    return super.flush();
  }
  override finish(chunk?: Chunk | null): Promise<void> {
    refuseAfterUpgrade(this);
    return super.finish(chunk);
  }

  // ---- The handshake ----

  /**
   * Performs the upgrade, after Tornado's checks in Tornado's order: `Upgrade: websocket`
   * (else 400), `Connection: upgrade` (else 400), the origin (else 403), the version (else
   * 426), the key (else 400). Resolves once the connection is open and `open` has been called.
   */
  override async get(...args: any[]): Promise<void> {
    const refusal = this.#checkHandshake();
    if (refusal !== null) {
      this.set_status(refusal.status);
      if (refusal.status === 426) this.set_header("Sec-WebSocket-Version", "7, 8, 13");
      this.finish(refusal.message);
      return;
    }
    const connection = this.request.connection as UpgradeConnection;
    const offered = headerList(this.request.headers.get("Sec-WebSocket-Protocol") ?? "");
    const chosen = this.select_subprotocol(offered);
    if (chosen !== null) this.selected_subprotocol = chosen;
    const server = serverFor(this.max_message_size, this.get_compression_options());
    const upgraded = await upgrade(server, connection, this, (socket) => this.#attach(socket as TaggedSocket));
    if (!upgraded) {
      this._status_code = 400;
      this._mark_response_finished();
      this.application.log_request(this);
      return;
    }
    await this.#open(args);
  }

  #checkHandshake(): { status: number; message: string } | null {
    const headers = this.request.headers;
    const cannotUpgrade = { status: 400, message: 'Can "Upgrade" only to "WebSocket".' };
    if ((headers.get("Upgrade") ?? "").toLowerCase() !== "websocket") return cannotUpgrade;
    if (!hasToken(headers.get("Connection") ?? "", "upgrade"))
      return { status: 400, message: '"Connection" must be "Upgrade".' };
    const origin = headers.get("Origin") ?? headers.get("Sec-Websocket-Origin");
    if (origin !== undefined) {
      const allowed = this.check_origin(origin);
      if (isPromiseLike(allowed)) throw new TypeError("check_origin() must return a boolean, not a Promise");
      if (!allowed) {
        // Tornado logs only the message; naming both sides shows a localhost/127.0.0.1 mix-up at once.
        gen_log.warning(
          "Cross origin websockets not allowed: Origin %s, Host %s",
          origin,
          headers.get("Host") ?? "(none)",
        );
        return { status: 403, message: "Cross origin websockets not allowed" };
      }
    }
    if (!SUPPORTED_VERSIONS.has(headers.get("Sec-WebSocket-Version") ?? "")) return { status: 426, message: "" };
    if (!headers.has("Host") || !headers.has("Sec-WebSocket-Key"))
      return { status: 400, message: "Missing/Invalid WebSocket headers" };
    return this.request.connection instanceof UpgradeConnection ? null : cannotUpgrade;
  }

  /** Takes the new socket: listeners first, messages queued until `open` has run. */
  #attach(socket: TaggedSocket): void {
    this.#socket = socket;
    this.#set(BUSY, true);
    socket[kHandler] = this;
    socket.on("message", onSocketMessage);
    socket.on("close", onSocketClose);
    socket.on("error", onSocketError);
    socket.on("ping", onSocketPing);
    socket.on("pong", onSocketPong);
    // True when the server began shutting down during the handshake: close once `open` has run.
    this.#set(GO_AWAY_AFTER_OPEN, (this.request.connection as UpgradeConnection).adopt(this));
    if (socket.extensions !== "") this.#afterFrame = onFrameWritten.bind(this);
    this.#writeLimit = this.max_write_buffer_size;
    this._status_code = 101;
    this._reason = "Switching Protocols";
    // The 101 is sent: the response's headers and buffer are no longer needed by an idle
    // connection, and the request's headers are packed until something reads them again.
    this._headers = new HTTPHeaders();
    this._write_buffer = NO_OUTPUT;
    this.request.headers._compact();
    this._mark_response_finished();
    this.request._mark_finished();
    this.application.log_request(this);
  }

  /** Calls `open` (awaited when async), then lets queued messages through; `on_close` waits for it. */
  async #open(args: unknown[]): Promise<void> {
    if (this.#socket!.readyState !== WebSocket.OPEN) {
      // Closed during the handshake (a bad first frame, say): it never opened, so no hook runs.
      this.#set(CLOSE_NOTIFIED, true);
      return;
    }
    this.#schedulePing(this.ping_interval);
    try {
      const opened = this.open(...args);
      if (isPromiseLike(opened)) {
        // Reading stops while `open` waits: what the client sends meanwhile stays in the kernel,
        // under TCP flow control, not in this queue (which holds at most the frames of the
        // read that carried the handshake).
        this.#socket!.pause();
        await opened;
      }
    } catch (err) {
      this.#fail(err, "open");
      return;
    } finally {
      this.#set(OPENED, true);
      if (this.#has(CLOSED_BEFORE_OPEN)) this.#notifyClose();
    }
    this.#release();
    if (this.#has(GO_AWAY_AFTER_OPEN)) this.close(GOING_AWAY, "server shutting down");
  }

  // ---- Receiving ----

  /** Takes one incoming message: runs `on_message` now, or queues it behind a pending one. */
  _receive(message: string | Buffer): void {
    if (this.#has(BUSY)) {
      (this.#queue ??= []).push(message);
      return;
    }
    this.#dispatch(message);
  }

  #dispatch(message: string | Buffer): void {
    let result: unknown;
    try {
      result = this.on_message(message);
    } catch (err) {
      this.#fail(err, "on_message");
      return;
    }
    if (!isPromiseLike(result)) return;
    this.#set(BUSY, true);
    this.#socket!.pause();
    try {
      result
        .then(
          () => this.#release(),
          (err: unknown) => this.#fail(err, "on_message"),
        )
        .then(undefined, (err: unknown) =>
          app_log.error("Uncaught exception after on_message %s", this._request_summary(), exc_info(err)),
        );
    } catch (err) {
      // A thenable whose then() throws.
      this.#fail(err, "on_message");
    }
  }

  /** The pending hook is done: runs queued messages until one is async, then reads again. */
  #release(): void {
    this.#set(BUSY, false);
    while (
      !this.#has(BUSY) &&
      this.#queue !== null &&
      this.#queue.length > 0 &&
      this.#socket!.readyState === WebSocket.OPEN
    ) {
      this.#dispatch(this.#queue.shift()!);
    }
    if (!this.#has(BUSY) && this.#socket!.isPaused) this.#socket!.resume();
  }

  /** Logs an exception from a hook and closes the connection with 1011; other connections carry on. */
  #fail(error: unknown, hook: string): void {
    app_log.error("Uncaught exception in %s %s", hook, this._request_summary(), exc_info(error));
    this.#queue = null;
    this.#set(BUSY, true);
    this.#socket!.resume();
    this.close(INTERNAL_ERROR);
  }

  /** Runs `on_ping`/`on_pong` with errors logged, not thrown. */
  _handlerHook(hook: "on_ping" | "on_pong", data: Buffer): void {
    try {
      const result: unknown = this[hook](data);
      if (isPromiseLike(result)) logRejection(this, hook, result);
    } catch (err) {
      app_log.error("Uncaught exception in %s %s", hook, this._request_summary(), exc_info(err));
    }
  }

  _pong(data: Buffer): void {
    this.#set(RECEIVED_PONG, true);
    this._handlerHook("on_pong", data);
  }

  /** The connection is closed: record the peer's code and reason and call `on_close` once. */
  _closed(code: number, reason: Buffer): void {
    (this.request.connection as UpgradeConnection).released();
    releaseAll(this);
    this.close_code = code === NO_STATUS || code === ABNORMAL_CLOSURE ? null : code;
    this.close_reason = reason.length > 0 ? reason.toString("utf8") : null;
    this.#queue = null;
    this.#waiting?.reject();
    this.#waiting = null;
    if (this.#pingTimer !== null) clearTimeout(this.#pingTimer);
    if (this.#has(OPENED)) this.#notifyClose();
    else this.#set(CLOSED_BEFORE_OPEN, true);
  }

  /** Calls `on_close` once, after `open` has run. */
  #notifyClose(): void {
    if (this.#has(CLOSE_NOTIFIED)) return;
    this.#set(CLOSE_NOTIFIED, true);
    try {
      const result: unknown = this.on_close();
      if (isPromiseLike(result)) logRejection(this, "on_close", result);
    } catch (err) {
      app_log.error("Uncaught exception in on_close %s", this._request_summary(), exc_info(err));
    }
  }

  // ---- Keep-alive pings ----

  #schedulePing(delaySeconds: number | null): void {
    if (!delaySeconds || this.#socket === null || this.#socket.readyState !== WebSocket.OPEN) return;
    this.#pingTimer = setTimeout(() => this.#sendPing(), delaySeconds * 1000);
  }

  #sendPing(): void {
    const socket = this.#socket!;
    if (socket.readyState !== WebSocket.OPEN) return;
    this.#set(RECEIVED_PONG, false);
    const sentAt = Date.now();
    socket.ping();
    const timeout = this.ping_timeout ?? 0;
    this.#pingTimer = setTimeout(() => {
      if (timeout > 0 && !this.#has(RECEIVED_PONG)) {
        this.close(1000, "ping timed out");
        return;
      }
      const elapsed = (Date.now() - sentAt) / 1000;
      this.#schedulePing(Math.max(this.ping_interval! - elapsed, 0.001));
    }, timeout * 1000);
  }
}

// Prototype defaults for the fields an idle connection never writes (an instance gets its own
// once it does): each open connection is that many slots smaller.
Object.assign(WebSocketHandler.prototype, { close_code: null, close_reason: null, selected_subprotocol: null });
