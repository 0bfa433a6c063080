/**
 * `NodeHTTPConnection`: the `HTTPConnection` of a request `HTTPServer` received through
 * `node:http`, the way its response goes out (headers, chunks, the declared Content-Length
 * kept to), the close callback, and the body limits a streaming handler may set.
 */
import type * as http from "node:http";
import { HTTPOutputError } from "./httputil/errors";
import type { HTTPHeaders } from "./httputil/headers";
import type { HTTPConnection, ResponseStartLine } from "./httputil/request";
import { type ConnectionStream, mark_detached, streamOf } from "./httputil/stream";
import type { BodyLimits } from "./httpserver-body";
import type { ServerLimits } from "./httpserver-limits";
import { close_after_response } from "./httpserver-shutdown";
import { RESOLVED, waitForEvent } from "./httpserver-upgrade";
import { gen_log } from "./log";

const kConnection = Symbol("tornado.connection");

type TrackedResponse = http.ServerResponse & { [kConnection]?: NodeHTTPConnection };

/**
 * The one list every response's headers are flattened into for Node's `writeHead`, which reads
 * it synchronously into the head's text and keeps none of it.
 */
const HEAD_FIELDS: string[] = [];

/** The response side of one request on a Node connection. */
export class NodeHTTPConnection implements HTTPConnection {
  readonly #res: TrackedResponse;
  readonly #closeAfter: boolean;
  #closeCallback: (() => void) | null = null;
  /** Body bytes still owed to a declared Content-Length (null when none was declared). */
  #owed: number | null = null;
  /** True while a streamed request body is still being read: its response then closes the connection. */
  _bodyPending = false;
  /** `set_max_body_size`'s limit; null: the server's. */
  #maxBodySize: number | null = null;
  /** `set_body_timeout`'s, in milliseconds (null: none); undefined: the server's. */
  #bodyTimeoutMs: number | null | undefined = undefined;

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
    // The rest of an unread body would be taken for the next request.
    if (this._bodyPending) close_after_response(res);
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

  /**
   * Sets the largest body of this request, in bytes, in place of `max_body_size`; read when the
   * body starts, so it takes effect from a streaming handler's `prepare()`.
   * @throws RangeError for a negative or non-number size.
   */
  set_max_body_size(max_body_size: number): void {
    if (!(max_body_size >= 0)) throw new RangeError(`max_body_size must be a size in bytes, got ${max_body_size}`);
    this.#maxBodySize = max_body_size;
  }

  /** Sets the seconds allowed to read this request's body (null or 0: no limit), in place of `body_timeout`; as `set_max_body_size`. */
  set_body_timeout(seconds: number | null): void {
    this.#bodyTimeoutMs = seconds ? Math.ceil(seconds * 1000) : null;
  }

  /** The limits this request's body is read under: the ones set on this connection, else the server's. */
  _bodyLimits(server: ServerLimits): BodyLimits {
    return {
      maxBodySize: this.#maxBodySize ?? server.maxBodySize,
      timeoutMs: this.#bodyTimeoutMs === undefined ? server.bodyTimeoutMs : this.#bodyTimeoutMs,
    };
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
