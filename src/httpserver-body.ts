/**
 * Reading a request body chunk by chunk, for `HTTPServer`: a body streamed to a handler
 * (`@stream_request_body`, through an `HTTPBodyDelegate`) and a body compressed with gzip
 * (`decompress_request`), decompressed as it arrives. A plain body that is buffered whole does
 * not come here: httpserver.ts reads it on its own short path.
 *
 * Every chunk is counted against the body limit as it arrives (decompressed bytes for a gzip
 * body, so a small bomb is cut at the limit, never inflated whole): over it, the request gets
 * 413 and its connection is closed. A delegate whose `data_received` returns a promise pauses
 * the Node request (back-pressure reaches the client through TCP) until it settles.
 */
import type * as http from "node:http";
import type { Readable } from "node:stream";
import { createGunzip, type Gunzip } from "node:zlib";
import type { HTTPServerRequest } from "./httputil/request";
import { refuse_request, uri_for_log } from "./httpserver-limits";
import { app_log, exc_info, gen_log } from "./log";

/**
 * What a request body is handed to, chunk by chunk (the body half of Tornado's
 * `HTTPMessageDelegate`). `HTTPServer` gets one from its delegate's `headers_received`.
 */
export interface HTTPBodyDelegate {
  /**
   * Resolves when the body may be read (a streaming handler's `prepare()` has run), or
   * undefined when it may be read at once. The body limit and timeout are read then.
   */
  ready(): PromiseLike<unknown> | undefined;
  /** Takes one chunk of the body; a promise it returns pauses reading until it settles. Must not throw. */
  data_received(chunk: Buffer): PromiseLike<unknown> | unknown;
  /** The whole body has arrived. */
  finish(): void;
  /** The body will not be complete: the client left, or the body was refused (413, 400, timeout). */
  on_connection_close(): void;
}

/** The limits one body is read under: the connection's, as `prepare()` may have set them. */
export interface BodyLimits {
  /** Largest body, in bytes (decompressed, for a gzip body). */
  readonly maxBodySize: number;
  /** Time allowed to read it, in milliseconds; null for no limit. */
  readonly timeoutMs: number | null;
}

/** Whether the request says its body is gzip (`Content-Encoding: gzip`, any case). */
export function is_gzip_body(request: HTTPServerRequest): boolean {
  const coding = request.headers.get("Content-Encoding");
  return coding !== undefined && coding.trim().toLowerCase() === "gzip";
}

/**
 * Marks a gzip body as decompressed by the server, as Tornado does: `Content-Encoding` moves to
 * `X-Consumed-Content-Encoding`, so the handler sees the plain body its headers describe.
 */
export function consume_content_encoding(request: HTTPServerRequest): void {
  const coding = request.headers.get("Content-Encoding")!;
  request.headers.delete("Content-Encoding");
  request.headers.add("X-Consumed-Content-Encoding", coding);
}

/** Logs a body over its limit (the 413 it gets). */
export function log_too_large(request: HTTPServerRequest, maxBodySize: number): void {
  gen_log.warning(
    "413 %s %s (%s): body larger than max_body_size (%d bytes)",
    request.method,
    uri_for_log(request.uri),
    request.remote_ip,
    maxBodySize,
  );
}

/**
 * Reads the body of `req` into `delegate`, decompressing it first when `gunzip` is set, under
 * `limits`. Calls `done` once reading is over, whichever way it ended.
 */
export function read_body_stream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  request: HTTPServerRequest,
  delegate: HTTPBodyDelegate,
  limits: BodyLimits,
  gunzip: boolean,
  done: () => void,
): void {
  new BodyReader(req, res, request, delegate, limits, gunzip ? createGunzip() : null, done).start();
}

/** One body being read: its source (the request, or a gunzip stream fed by it), count and timer. */
class BodyReader {
  readonly #source: Readable;
  #size = 0;
  #compressedSize = 0;
  #timer: NodeJS.Timeout | null = null;
  #over = false;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    readonly request: HTTPServerRequest,
    readonly delegate: HTTPBodyDelegate,
    readonly limits: BodyLimits,
    readonly gunzip: Gunzip | null,
    readonly done: () => void,
  ) {
    this.#source = gunzip ?? req;
  }

  start(): void {
    const { req, gunzip, limits } = this;
    if (limits.timeoutMs !== null) this.#timer = setTimeout(() => this.#timedOut(), limits.timeoutMs);
    req.on("error", () => this.#abandon());
    req.on("close", () => {
      if (!req.complete) this.#abandon();
    });
    if (gunzip !== null) {
      gunzip.on("error", (err: Error) => this.#badGzip(err));
      req.on("data", (chunk: Buffer) => this.#countCompressed(chunk));
      req.pipe(gunzip);
    }
    this.#source.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#source.on("end", () => this.#end(false));
  }

  #onData(chunk: Buffer): void {
    if (this.#over) return;
    this.#size += chunk.length;
    if (this.#size > this.limits.maxBodySize) {
      this.#tooLarge();
      return;
    }
    let pending: unknown;
    try {
      pending = this.delegate.data_received(chunk);
    } catch (err) {
      app_log.error("Uncaught exception in data_received for %s", String(this.request), exc_info(err));
      this.#refuse(500);
      return;
    }
    if (pending !== null && typeof (pending as PromiseLike<unknown>)?.then === "function") {
      const source = this.#source;
      source.pause();
      (pending as PromiseLike<unknown>).then(
        () => this.#over || source.resume(),
        () => this.#over || source.resume(),
      );
    }
  }

  /** A gzip body's compressed bytes count too: a body that does not compress cannot pass the limit either. */
  #countCompressed(chunk: Buffer): void {
    this.#compressedSize += chunk.length;
    if (!this.#over && this.#compressedSize > this.limits.maxBodySize) this.#tooLarge();
  }

  #tooLarge(): void {
    log_too_large(this.request, this.limits.maxBodySize);
    this.#refuse(413);
  }

  #badGzip(err: Error): void {
    if (this.#over) return;
    gen_log.info("Malformed HTTP message from %s: bad gzip body: %s", this.request.remote_ip, err.message);
    this.#refuse(400);
  }

  #timedOut(): void {
    gen_log.info("Timeout reading body from %s", this.request.remote_ip);
    this.#end(true);
    this.req.socket.destroy();
  }

  #abandon(): void {
    this.#end(true);
  }

  /** Stops reading and answers `code` (then closes), unless the response has begun: then the connection is just closed. */
  #refuse(code: number): void {
    if (this.#over) return;
    const { res } = this;
    this.#end(true);
    if (res.headersSent || res.writableEnded) res.destroy();
    else refuse_request(res, code);
  }

  /** Ends reading once: the delegate's `finish()` for a complete body, its `on_connection_close()` otherwise. */
  #end(abandoned: boolean): void {
    if (this.#over) return;
    this.#over = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const { req, gunzip } = this;
    if (gunzip !== null) {
      req.unpipe(gunzip);
      if (abandoned) gunzip.destroy();
    }
    if (abandoned) {
      // What is still on its way is read and dropped until the connection closes.
      req.removeAllListeners("data");
      req.resume();
    }
    this.done();
    if (abandoned) this.delegate.on_connection_close();
    else this.delegate.finish();
  }
}
