import { createGzip, constants, type Gzip } from "node:zlib";
import type { HTTPHeaders } from "../httputil/headers";
import type { HTTPServerRequest } from "../httputil/request";

/**
 * A transform applied to every response of an application (Tornado's `OutputTransform`):
 * it may change the status, headers and body chunks on their way out. A transformed chunk
 * may be a promise (compression runs on Node's thread pool).
 */
export interface OutputTransform {
  /** Transforms the headers (in place), the status and the first chunk. `finishing` is true when it is the whole body. */
  transform_first_chunk(
    status_code: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    finishing: boolean,
  ): [number, Buffer | Promise<Buffer>];
  /** Transforms a later chunk; `finishing` is true for the last one. */
  transform_chunk(chunk: Buffer, finishing: boolean): Buffer | Promise<Buffer>;
}

/** A transform class, made once per request with the request. */
export type OutputTransformClass = new (request: HTTPServerRequest) => OutputTransform;

const COMPRESSIBLE_TYPES = new Set([
  "application/javascript",
  "application/x-javascript",
  "application/xml",
  "application/atom+xml",
  "application/json",
  "application/xhtml+xml",
  "image/svg+xml",
]);

/**
 * Gzips responses for clients that accept it, as Tornado's `GZipContentEncoding` (the
 * `compress_response` setting): only text and other compressible types, only bodies of at
 * least 1024 bytes (streamed responses always qualify), never a body already encoded. Every
 * response gets `Vary: Accept-Encoding`.
 */
export class GZipContentEncoding implements OutputTransform {
  /** zlib level used, as Tornado's. */
  static GZIP_LEVEL = 6;
  /** Smaller whole bodies are sent as they are: gzip would not pay. */
  static MIN_LENGTH = 1024;

  #gzipping: boolean;
  #gzip: Gzip | null = null;

  constructor(request: HTTPServerRequest) {
    this.#gzipping = (request.headers.get("Accept-Encoding") ?? "").includes("gzip");
  }

  transform_first_chunk(
    status_code: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    finishing: boolean,
  ): [number, Buffer | Promise<Buffer>] {
    const vary = headers.get("Vary");
    headers.set("Vary", vary === undefined ? "Accept-Encoding" : `${vary}, Accept-Encoding`);
    if (this.#gzipping) {
      const type = (headers.get("Content-Type") ?? "").split(";")[0];
      const compressible = type.startsWith("text/") || COMPRESSIBLE_TYPES.has(type);
      this.#gzipping =
        compressible &&
        (!finishing || chunk.length >= GZipContentEncoding.MIN_LENGTH) &&
        !headers.has("Content-Encoding");
    }
    if (!this.#gzipping) return [status_code, chunk];
    headers.set("Content-Encoding", "gzip");
    this.#gzip = createGzip({ level: GZipContentEncoding.GZIP_LEVEL });
    const compressed = this.#compress(chunk, finishing);
    if (!headers.has("Content-Length")) return [status_code, compressed];
    if (!finishing) {
      headers.delete("Content-Length");
      return [status_code, compressed];
    }
    const withLength = compressed.then((body) => {
      headers.set("Content-Length", String(body.length));
      return body;
    });
    return [status_code, withLength];
  }

  transform_chunk(chunk: Buffer, finishing: boolean): Buffer | Promise<Buffer> {
    return this.#gzipping ? this.#compress(chunk, finishing) : chunk;
  }

  /** Feeds the gzip stream and resolves with what it produced: all of it when finishing, else up to a sync flush. */
  #compress(chunk: Buffer, finishing: boolean): Promise<Buffer> {
    const gzip = this.#gzip!;
    return new Promise((resolve, reject) => {
      const output: Buffer[] = [];
      const collect = (data: Buffer) => output.push(data);
      const done = () => {
        gzip.off("data", collect);
        gzip.off("error", reject);
        resolve(Buffer.concat(output));
      };
      gzip.on("data", collect);
      gzip.once("error", reject);
      if (finishing) {
        gzip.once("end", done);
        gzip.end(chunk);
      } else {
        gzip.write(chunk);
        gzip.flush(constants.Z_SYNC_FLUSH, done);
      }
    });
  }
}
