/**
 * Tornado's `tornado.iostream`: `IOStream` reads and writes a `node:net` socket with Tornado's
 * promise-returning calls (`read_until`, `read_until_regex`, `read_bytes`, `read_into`,
 * `read_until_close`, `write`); `SSLIOStream` does the same over a `node:tls` socket.
 *
 * Reads are bounded. Bytes that arrive with no read pending are kept up to `max_buffer_size`
 * (100 MiB by default, as Tornado), then the socket is paused until a read takes them. A
 * `read_until` or `read_until_regex` whose delimiter has not come within `max_bytes` (or
 * `max_buffer_size`) fails with `UnsatisfiableReadError` and closes the stream. The delimiter
 * search resumes where the last one stopped, so a stream fed in small chunks is searched once.
 * One read runs at a time: a second read while one is pending throws "Already reading".
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { StreamBufferFullError, StreamClosedError, UnsatisfiableReadError } from "./iostream-errors";

export { StreamBufferFullError, StreamClosedError, UnsatisfiableReadError };

/** Tornado's default `max_buffer_size`: 100 MiB. */
export const DEFAULT_MAX_BUFFER_SIZE = 104857600;

/** Options of an `IOStream`. */
export interface IOStreamOptions {
  /** Most bytes kept unread, and the default limit of a delimited read (default 100 MiB). */
  max_buffer_size?: number;
}

type PendingRead =
  | { kind: "until"; delimiter: Buffer; limit: number; scanned: number; userLimit: boolean }
  | { kind: "regex"; regex: RegExp; limit: number; userLimit: boolean }
  | { kind: "bytes"; count: number; partial: boolean }
  | { kind: "into"; target: Uint8Array; partial: boolean; filled: number }
  | { kind: "close" };

interface ReadWaiter {
  read: PendingRead;
  resolve: (value: never) => void;
  reject: (err: Error) => void;
}

const streams = new WeakMap<Socket, IOStream>();

function onData(this: Socket, chunk: Buffer): void {
  streams.get(this)?._received(chunk);
}

function onEnd(this: Socket): void {
  streams.get(this)?._ended();
}

function onError(this: Socket, err: Error): void {
  const stream = streams.get(this);
  if (stream !== undefined && stream.error === null) stream.error = err;
}

function onClose(this: Socket): void {
  streams.get(this)?._socketClosed();
}

function toBuffer(data: Uint8Array | string): Buffer {
  return typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.length);
}

/**
 * A non-blocking socket seen as Tornado's `IOStream`. Made from a connected `net.Socket` (by
 * `TCPServer`, `TCPClient`, or by hand); it takes over the socket's `data` events.
 */
export class IOStream {
  /** Most bytes kept unread (see the module comment). */
  max_buffer_size: number;
  /** The error that closed the stream, if one did (Tornado's `stream.error`). */
  error: Error | null = null;

  #buffer: Buffer = Buffer.alloc(0);
  #start = 0;
  #end = 0;
  #waiter: ReadWaiter | null = null;
  #eof = false;
  #closed = false;
  #closeCallback: (() => void) | null = null;
  #pendingWrites = 0;

  /** @param socket a connected socket; its bytes now go to this stream's reads. */
  constructor(
    readonly socket: Socket,
    options: IOStreamOptions = {},
  ) {
    this.max_buffer_size = options.max_buffer_size ?? DEFAULT_MAX_BUFFER_SIZE;
    streams.set(socket, this);
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.on("close", onClose);
    if (socket.destroyed) setImmediate(() => this._socketClosed());
  }

  /** How many bytes are buffered and not yet read. */
  get read_buffer_size(): number {
    return this.#end - this.#start;
  }

  /**
   * Reads up to and including `delimiter`; resolves to those bytes.
   * @throws UnsatisfiableReadError when the delimiter is not within `max_bytes` (or within
   *   `max_buffer_size`); the stream is then closed.
   * @throws StreamClosedError when the stream closes first.
   */
  read_until(delimiter: Uint8Array | string, max_bytes: number | null = null): Promise<Buffer> {
    const needle = toBuffer(delimiter);
    if (needle.length === 0) throw new Error("read_until needs a non-empty delimiter");
    const limit = max_bytes ?? this.max_buffer_size;
    return this.#startRead({ kind: "until", delimiter: needle, limit, scanned: 0, userLimit: max_bytes !== null });
  }

  /**
   * Reads up to and including the first match of `regex` (matched against the bytes as
   * Latin-1 text); resolves to those bytes.
   * @throws UnsatisfiableReadError, StreamClosedError as `read_until`.
   */
  read_until_regex(regex: RegExp | string, max_bytes: number | null = null): Promise<Buffer> {
    const source = typeof regex === "string" ? new RegExp(regex) : regex;
    const pattern = new RegExp(source.source, source.flags.replace(/[gy]/g, ""));
    const limit = max_bytes ?? this.max_buffer_size;
    return this.#startRead({ kind: "regex", regex: pattern, limit, userLimit: max_bytes !== null });
  }

  /**
   * Reads `num_bytes` bytes; with `partial`, resolves as soon as any bytes (at most
   * `num_bytes`) are there.
   * @throws StreamClosedError when the stream closes before the bytes come.
   */
  read_bytes(num_bytes: number, partial = false): Promise<Buffer> {
    if (!Number.isInteger(num_bytes) || num_bytes < 0) throw new TypeError("num_bytes must be a non-negative integer");
    return this.#startRead({ kind: "bytes", count: num_bytes, partial });
  }

  /**
   * Fills `buffer` with bytes from the stream; resolves to how many were written into it (all
   * of it, or with `partial` as soon as any).
   * @throws StreamClosedError when the stream closes before it is filled.
   */
  read_into(buffer: Uint8Array, partial = false): Promise<number> {
    return this.#startRead({ kind: "into", target: buffer, partial, filled: 0 });
  }

  /**
   * Reads everything until the peer closes; resolves to all of it.
   * @throws StreamClosedError with a `StreamBufferFullError` as `real_error` past `max_buffer_size`.
   */
  read_until_close(): Promise<Buffer> {
    return this.#startRead({ kind: "close" });
  }

  /**
   * Writes `data` (a string is UTF-8). Resolves once the bytes are handed to the operating
   * system; writes go out in the order they were made.
   * @throws StreamClosedError (the promise rejects) when the stream is or becomes closed.
   */
  write(data: Uint8Array | string): Promise<void> {
    if (this.closed()) return Promise.reject(new StreamClosedError(this.error));
    this.#pendingWrites++;
    return new Promise((resolve, reject) => {
      this.socket.write(toBuffer(data), (err?: Error | null) => {
        this.#pendingWrites--;
        if (err) reject(new StreamClosedError(err));
        else resolve();
      });
    });
  }

  /** True while a read is pending. */
  reading(): boolean {
    return this.#waiter !== null;
  }

  /** True while written bytes are not yet handed to the operating system. */
  writing(): boolean {
    return this.#pendingWrites > 0;
  }

  /** True once the stream is closed (by either side); reads and writes then fail. */
  closed(): boolean {
    return this.#closed || this.socket.destroyed;
  }

  /**
   * Sets (or clears, with `null`) the function called once when the stream closes. Set on a
   * stream already closed, it is called on a later tick.
   */
  set_close_callback(callback: (() => void) | null): void {
    this.#closeCallback = callback;
    if (callback !== null && this.#closed) setImmediate(() => this.#runCloseCallback());
  }

  /**
   * Closes the stream at once; bytes not yet handed to the operating system are dropped. With
   * `error`, it becomes `this.error` and the `real_error` of the reads it fails.
   */
  close(error: Error | null = null): void {
    if (error !== null && this.error === null) this.error = error;
    this.socket.destroy();
    this._socketClosed();
  }

  /** Turns Nagle's algorithm off (`true`: small writes go out at once) or back on. */
  set_nodelay(value: boolean): void {
    this.socket.setNoDelay(value);
  }

  /** Internal: bytes arrived from the socket. */
  _received(chunk: Buffer): void {
    this.#append(chunk);
    if (this.#waiter !== null) this.#tryFinishRead();
    if (this.#waiter === null && this.read_buffer_size >= this.max_buffer_size) this.socket.pause();
  }

  /** Internal: the peer finished sending; as in Tornado, the end of input closes the stream. */
  _ended(): void {
    this._socketClosed();
  }

  /** Internal: the socket closed; fails the pending read and runs the close callback once. */
  _socketClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#eof = true;
    if (this.#waiter !== null) this.#tryFinishRead();
    this.#runCloseCallback();
  }

  #runCloseCallback(): void {
    const callback = this.#closeCallback;
    this.#closeCallback = null;
    if (callback !== null) callback();
  }

  #startRead<T>(read: PendingRead): Promise<T> {
    if (this.#waiter !== null) throw new Error("Already reading");
    return new Promise<T>((resolve, reject) => {
      this.#waiter = { read, resolve: resolve as (value: never) => void, reject };
      this.#tryFinishRead();
      if (this.#waiter !== null && this.socket.isPaused()) this.socket.resume();
    });
  }

  /** Settles the pending read if the buffer (or the end of the stream) now decides it. */
  #tryFinishRead(): void {
    const waiter = this.#waiter!;
    let outcome: { value: unknown } | { error: Error } | null;
    try {
      outcome = this.#attempt(waiter.read);
    } catch (err) {
      outcome = { error: err as Error };
    }
    if (outcome === null) return;
    this.#waiter = null;
    if ("error" in outcome) {
      const cause = outcome.error instanceof StreamClosedError ? outcome.error.real_error : outcome.error;
      if (cause !== null && !this.#closed) this.close(cause);
      waiter.reject(outcome.error);
    } else {
      waiter.resolve(outcome.value as never);
    }
  }

  /** The result of `read` from the buffer now, `null` to keep waiting; throws to fail it. */
  #attempt(read: PendingRead): { value: unknown } | { error: Error } | null {
    const size = this.read_buffer_size;
    switch (read.kind) {
      case "until": {
        const found = this.#findDelimiter(read);
        if (found >= 0) return this.#delimitedResult(found, read.limit, read.userLimit, read.delimiter);
        if (size >= read.limit) throw this.#unsatisfiable(read.delimiter, read.limit, read.userLimit);
        break;
      }
      case "regex": {
        const text = this.#buffer.toString("latin1", this.#start, this.#end);
        const match = read.regex.exec(text);
        if (match !== null)
          return this.#delimitedResult(match.index + match[0].length, read.limit, read.userLimit, read.regex);
        if (size >= read.limit) throw this.#unsatisfiable(read.regex, read.limit, read.userLimit);
        break;
      }
      case "bytes":
        if (size >= read.count || (read.partial && size > 0))
          return { value: this.#consume(Math.min(read.count, size)) };
        if (size >= this.max_buffer_size) return { error: this.#bufferFull() };
        break;
      case "into": {
        const taken = Math.min(size, read.target.length - read.filled);
        read.target.set(this.#buffer.subarray(this.#start, this.#start + taken), read.filled);
        this.#advance(taken);
        read.filled += taken;
        if (read.filled === read.target.length || (read.partial && read.filled > 0)) return { value: read.filled };
        break;
      }
      case "close":
        if (this.#eof) return { value: this.#consume(size) };
        if (size >= this.max_buffer_size) return { error: this.#bufferFull() };
        return null;
    }
    return this.#eof ? { error: new StreamClosedError(this.error) } : null;
  }

  /** The end of `read.delimiter` in the buffer (relative to the unread start), or -1. */
  #findDelimiter(read: PendingRead & { kind: "until" }): number {
    const from = this.#start + Math.max(0, read.scanned - (read.delimiter.length - 1));
    const at = this.#buffer.subarray(0, this.#end).indexOf(read.delimiter, from);
    read.scanned = this.read_buffer_size;
    return at < 0 ? -1 : at - this.#start + read.delimiter.length;
  }

  #delimitedResult(end: number, limit: number, userLimit: boolean, delimiter: Buffer | RegExp): { value: Buffer } {
    if (userLimit && end > limit) throw this.#unsatisfiable(delimiter, limit, true);
    return { value: this.#consume(end) };
  }

  #unsatisfiable(delimiter: Buffer | RegExp, limit: number, userLimit: boolean): Error {
    const shown = delimiter instanceof RegExp ? String(delimiter) : JSON.stringify(delimiter.toString("latin1"));
    const which = userLimit ? "" : " (max_buffer_size)";
    return new UnsatisfiableReadError(`delimiter ${shown} not found within ${limit} bytes${which}`);
  }

  #bufferFull(): StreamClosedError {
    return new StreamClosedError(new StreamBufferFullError());
  }

  #append(chunk: Buffer): void {
    const live = this.#end - this.#start;
    if (this.#end + chunk.length > this.#buffer.length) {
      const needed = live + chunk.length;
      const target =
        needed <= this.#buffer.length / 2
          ? this.#buffer
          : Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2, 4096));
      this.#buffer.copy(target, 0, this.#start, this.#end);
      this.#buffer = target;
      this.#start = 0;
      this.#end = live;
    }
    chunk.copy(this.#buffer, this.#end);
    this.#end += chunk.length;
  }

  #advance(count: number): void {
    this.#start += count;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  #consume(count: number): Buffer {
    const out = Buffer.from(this.#buffer.subarray(this.#start, this.#start + count));
    this.#advance(count);
    if (this.#waiter === null && this.socket.isPaused() && this.read_buffer_size < this.max_buffer_size)
      this.socket.resume();
    return out;
  }
}

/**
 * An `IOStream` over a `node:tls` socket (Tornado's `SSLIOStream`). Reads and writes carry
 * plain bytes; the socket encrypts them.
 */
export class SSLIOStream extends IOStream {
  #handshake: Promise<this>;

  /** @param socket a TLS socket, its handshake done or under way. */
  constructor(
    override readonly socket: TLSSocket,
    options: IOStreamOptions = {},
  ) {
    super(socket, options);
    this.#handshake =
      socket.getProtocol() !== null
        ? Promise.resolve(this)
        : new Promise((resolve, reject) => {
            socket.once("secure", () => resolve(this));
            socket.once("close", () => reject(new StreamClosedError(this.error)));
          });
    this.#handshake.catch(() => undefined);
  }

  /**
   * Resolves to this stream once the TLS handshake is done.
   * @throws StreamClosedError when the socket closes first.
   */
  wait_for_handshake(): Promise<this> {
    return this.#handshake;
  }
}
