/**
 * Serving files from a directory, as Tornado's `tornado.web.StaticFileHandler`.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import type { Stats } from "node:fs";
import * as nodePath from "node:path";
import { lookup } from "mime-types";
import { gen_log, exc_info } from "../log";
import { HTTPError } from "./errors";
import { RequestHandler } from "./handler";
import { isProtocolRelative } from "./decorators";
import type { SettingsFor } from "./settings";
import { parseHttpDate, parseRequestRange } from "./static-parsing";
import { errnoOf, isAccessError, readError, lookupError, isServable, realRootOf } from "./static-files";

export { parseHttpDate, parseRequestRange } from "./static-parsing";

/**
 * What `StaticFileHandler.get_content` may return: the bytes at once, or chunks from a sync or
 * async iterable. The default implementation is an async iterable of chunks of at most 64 KiB.
 */
export type StaticContent = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** The init kwargs of `StaticFileHandler`. */
export interface StaticFileHandlerOptions {
  /** The directory to serve. */
  path: string;
  /** File served for a directory, e.g. `index.html` (directories are refused without it). */
  default_filename?: string | null;
}

const CHUNK_SIZE = 64 * 1024;

/** Python's `mimetypes` content encodings (case-sensitive, as there) and the suffixes standing for two extensions. */
const ENCODINGS: Readonly<Record<string, string>> = {
  ".gz": "gzip",
  ".Z": "compress",
  ".bz2": "bzip2",
  ".xz": "xz",
  ".br": "br",
};
const SUFFIXES: Readonly<Record<string, string>> = {
  ".svgz": ".svg.gz",
  ".tgz": ".tar.gz",
  ".taz": ".tar.gz",
  ".tz": ".tar.gz",
  ".tbz2": ".tar.bz2",
  ".txz": ".tar.xz",
};

/**
 * Serves the files of a directory, with ETags (the SHA-512 of the content), `Last-Modified`,
 * conditional requests (304), single byte ranges (206/416) and, for versioned URLs (`?v=`),
 * a ten-year cache lifetime.
 *
 * `Application` routes `static_url_prefix` (default `/static/`), `/favicon.ico` and
 * `/robots.txt` to it when the `static_path` setting is given; map another directory with
 * `["/content/(.*)", StaticFileHandler, { path: "/var/www" }]`. The route needs one capture
 * group: the path inside the directory.
 *
 * Subclass it to change where content comes from or how URLs look: the class-level hooks are
 * static methods here (Python's classmethods) and must stay static in subclasses. Instance
 * hooks may use `this.path`, `this.absolute_path` and `this.modified`.
 *
 * Files are read asynchronously in 64 KiB chunks, each written and flushed before the next is
 * read, so memory stays bounded whatever the file size. Symbolic links are followed only when
 * their target is inside the root directory.
 */
export class StaticFileHandler extends RequestHandler {
  /** Cache lifetime, in seconds, of a versioned URL: ten years. */
  static CACHE_MAX_AGE = 86400 * 365 * 10;
  /** Version hashes by absolute path (null: the file could not be read), least recently used first. `reset()` empties it. */
  static _static_hashes = new Map<string, string | null>();
  /** Most versions `_static_hashes` keeps; the least recently used is forgotten beyond it. */
  static _STATIC_HASHES_LIMIT = 10000;

  /** The root directory (the `path` init argument). */
  root = "";
  /** File served for a directory, or null. */
  default_filename: string | null = null;
  /** The requested path inside the root, from `parse_url_path`. */
  path = "";
  /** The validated absolute path of the file served, or null (before validation, or after a redirect). */
  absolute_path: string | null = null;
  /** The file's modification time, from `get_modified_time()`. */
  modified: Date | null = null;
  /** The file's stat result, cached for `get_content_size` and `get_modified_time`. */
  _stat_result: Stats | null = null;
  #version: string | null | undefined = undefined;
  #clientGone = false;

  /** Receives `{ path, default_filename? }`. @throws TypeError when `path` is not a string. */
  override initialize(kwargs: Record<string, unknown>): void {
    if (typeof kwargs.path !== "string") {
      throw new TypeError(
        `${this.constructor.name} needs a 'path' init argument (the directory to serve), got ${String(kwargs.path)}`,
      );
    }
    this.root = kwargs.path;
    const defaultFilename = kwargs.default_filename;
    this.default_filename = typeof defaultFilename === "string" ? defaultFilename : null;
  }

  /** Forgets every cached version hash (done on each request when `static_hash_cache` is false). */
  static reset(): void {
    this._static_hashes = new Map();
  }

  /** Answers HEAD: the same headers as GET, no body. */
  override head(path: string): Promise<void> {
    return this.get(path, false);
  }

  /**
   * Serves the file at `path` (the route's capture), or its requested byte range; with
   * `include_body` false only the headers are sent.
   */
  override async get(path: string | { path?: string }, include_body = true): Promise<void> {
    const urlPath = typeof path === "object" && path !== null ? String(path.path ?? "") : path;
    const cls = this.#class;
    this.path = this.parse_url_path(urlPath);
    const absolute_path = cls.get_absolute_path(this.root, this.path);
    this.absolute_path = await this.validate_absolute_path(this.root, absolute_path);
    if (this.absolute_path === null) return;

    this.modified = await this.get_modified_time();
    await this.#loadVersion(this.absolute_path);
    this.set_headers();

    if (this.should_return_304()) {
      this.set_status(304);
      return;
    }

    const rangeHeader = this.request.headers.get("Range");
    const requestRange = rangeHeader ? parseRequestRange(rangeHeader) : null;
    const size = await this.get_content_size();
    let start: number | null = null;
    let end: number | null = null;
    if (requestRange !== null) {
      [start, end] = requestRange;
      if (start !== null && start < 0) start = Math.max(start + size, 0);
      if ((start !== null && (start >= size || (end !== null && start >= end))) || end === 0) {
        // Unsatisfiable: the first byte is past the end, the range is reversed, or a zero-length suffix.
        this.set_status(416);
        this.set_header("Content-Type", "text/plain");
        this.set_header("Content-Range", `bytes */${size}`);
        return;
      }
      if (end !== null && end > size) end = size;
      // A range covering the whole file is answered with 200 (some browsers refuse a 206 to `bytes=0-`).
      if (size !== (end || size) - (start ?? 0)) {
        this.set_status(206);
        this.set_header("Content-Range", `bytes ${start ?? 0}-${(end || size) - 1}/${size}`);
      }
    }

    let contentLength: number;
    if (start !== null && end !== null) contentLength = end - start;
    else if (end !== null) contentLength = end;
    else if (start !== null) contentLength = size - start;
    else contentLength = size;
    this.set_header("Content-Length", contentLength);

    if (!include_body) return;
    // Never send more or less than Content-Length, even if the file changes while it is read.
    try {
      await this.#sendContent(cls.get_content(this.absolute_path, start, end), contentLength);
    } catch (err) {
      throw readError(err, this.path);
    }
  }

  /** Writes `contentLength` bytes of `content`, flushing chunk by chunk. @throws Error when it ends short. */
  async #sendContent(source: StaticContent, contentLength: number): Promise<void> {
    let remaining = contentLength;
    for await (const content of chunksOf(source)) {
      if (this.#clientGone) return;
      const chunk = toBuffer(content);
      const piece = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= piece.length;
      this.write(piece);
      // Without transforms the last chunk can go out with finish(), in one write with the end; a
      // transform (gzip) must see it flushed, not finishing, as Tornado's chunk-by-chunk loop does.
      if (remaining === 0 && this.application.transforms.length === 0) break;
      await this.flush();
      if (remaining === 0) break;
    }
    if (remaining > 0 && !this.#clientGone) {
      throw new Error(`${this.absolute_path} ended ${remaining} bytes short of its Content-Length`);
    }
  }

  /** Stops reading the file when the client goes away. Subclasses overriding it should call `super.on_connection_close()`. */
  override on_connection_close(): void {
    this.#clientGone = true;
  }

  /** The ETag: the quoted version hash of the file (the same for a range), or null when it has none. */
  override compute_etag(): string | null {
    if (this.absolute_path === null) return null;
    const version =
      this.#version !== undefined ? this.#version : this.#class._version_of(this.absolute_path, this.settings);
    return version ? `"${version}"` : null;
  }

  /** Sets `Accept-Ranges`, `Etag`, `Last-Modified`, `Content-Type`, the cache headers, then `set_extra_headers`. */
  set_headers(): void {
    this.set_header("Accept-Ranges", "bytes");
    this.set_etag_header();
    if (this.modified !== null) this.set_header("Last-Modified", this.modified);
    const contentType = this.get_content_type();
    if (contentType) this.set_header("Content-Type", contentType);
    const cacheTime = this.get_cache_time(this.path, this.modified, contentType);
    if (cacheTime > 0) {
      this.set_header("Expires", new Date(Date.now() + cacheTime * 1000));
      this.set_header("Cache-Control", `max-age=${cacheTime}`);
    }
    this.set_extra_headers(this.path);
  }

  /**
   * True when the client's copy is current: `If-None-Match` alone decides when present;
   * otherwise `If-Modified-Since` at or after the modification time (an unparseable date is ignored).
   */
  should_return_304(): boolean {
    if (this.request.headers.get("If-None-Match")) return this.check_etag_header();
    const ims = this.request.headers.get("If-Modified-Since");
    if (ims === undefined || this.modified === null) return false;
    const since = parseHttpDate(ims);
    return since !== null && since >= this.modified.getTime();
  }

  /** The absolute location of `path` under `root` (may be overridden to return any string `get_content` understands). */
  static get_absolute_path(root: string, path: string): string {
    return nodePath.resolve(root, path);
  }

  /**
   * Checks `absolute_path` and returns the path to serve, or null after answering the request
   * itself (the redirect adding a directory's trailing slash). Throws HTTPError 403 for a path
   * outside `root` (a `root` of `/` turns the check off), for a symbolic link leading out of it
   * and for anything but a regular file; 404 when nothing is there. With `default_filename`, a
   * directory serves that file. Overrides may be sync or async.
   */
  validate_absolute_path(root: string, absolute_path: string): string | null | Promise<string | null> {
    return this.#validate(root, absolute_path);
  }

  #validate(root: string, absolute_path: string): string | null {
    let rootPrefix = nodePath.resolve(root);
    if (!rootPrefix.endsWith(nodePath.sep)) rootPrefix += nodePath.sep;
    const checkRoot = rootPrefix !== nodePath.sep;
    if (checkRoot && !(absolute_path + nodePath.sep).startsWith(rootPrefix)) {
      throw new HTTPError(403, "%s is not in root static directory", this.path);
    }
    let stats = this.#statInsideRoot(rootPrefix, checkRoot, absolute_path);
    if (stats.isDirectory() && this.default_filename !== null) {
      // The request path, not this.path: the route may have consumed part of it (e.g. `/static/`).
      const requestPath = this.request.path;
      if (!requestPath.endsWith("/")) {
        if (isProtocolRelative(requestPath)) {
          // `//host/...` (or `/\host/...`) in a Location is another site: refuse instead of redirecting.
          throw new HTTPError(403, "cannot redirect path with two initial slashes");
        }
        this.redirect(requestPath + "/", true);
        return null;
      }
      absolute_path = nodePath.join(absolute_path, this.default_filename);
      stats = this.#statInsideRoot(rootPrefix, checkRoot, absolute_path);
    }
    if (!stats.isFile()) throw new HTTPError(403, "%s is not a file", this.path);
    this._stat_result = stats;
    return absolute_path;
  }

  /**
   * Resolves symbolic links and checks the real path is still under the real root; 404 when it
   * does not exist. The two metadata calls are synchronous, as Tornado's are: for a local file
   * they take microseconds, less than handing each to the thread pool and back.
   */
  #statInsideRoot(rootPrefix: string, checkRoot: boolean, absolute_path: string): Stats {
    let real: string;
    try {
      real = realpathSync(absolute_path);
    } catch (err) {
      throw lookupError(err, this.path);
    }
    if (checkRoot) {
      const realRoot = realRootOf(rootPrefix);
      if (!(real + nodePath.sep).startsWith(realRoot)) {
        throw new HTTPError(403, "%s is not in root static directory", this.path);
      }
    }
    try {
      return statSync(real);
    } catch (err) {
      throw lookupError(err, this.path);
    }
  }

  /**
   * The content of the file at `abspath`, from byte `start` up to (not including) `end`: by
   * default an async iterable of chunks of at most 64 KiB read as they are consumed. Overrides
   * may return the bytes at once or a sync iterable. Static, so that `abspath` alone names the content.
   */
  static get_content(abspath: string, start: number | null = null, end: number | null = null): StaticContent {
    return readChunks(abspath, start, end);
  }

  /**
   * The version of the content at `abspath`: the SHA-512 hex digest of `get_content(abspath)`.
   * Synchronous, because `make_static_url` (and `static_url` in templates) is; with the default
   * `get_content` the file is read in 64 KiB chunks, never whole.
   * @throws Error when the file cannot be read, or when an overridden `get_content` is async
   * (override `get_content_version` as well then).
   */
  static get_content_version(abspath: string): string {
    const hash = createHash("sha512");
    if (this.get_content === StaticFileHandler.get_content) {
      hashFileSync(abspath, hash);
    } else {
      const content = this.get_content(abspath);
      if (content instanceof Uint8Array) hash.update(content);
      else if (Symbol.iterator in content) for (const chunk of content) hash.update(chunk);
      else throw new TypeError(`${this.name}.get_content returns an async iterable: override get_content_version too`);
    }
    return hash.digest("hex");
  }

  /** The size of the file in bytes. May be async in overrides. */
  get_content_size(): number | Promise<number> {
    return this._stat().size;
  }

  /** When the file was last modified, in whole seconds, or null when unknown (no `Last-Modified` then). May be async in overrides. */
  get_modified_time(): Date | null | Promise<Date | null> {
    return new Date(Math.floor(this._stat().mtimeMs / 1000) * 1000);
  }

  /** The stat result of `absolute_path` (read once). */
  _stat(): Stats {
    if (this._stat_result === null) this._stat_result = statSync(this.absolute_path!);
    return this._stat_result;
  }

  /**
   * The `Content-Type`: from the file name's extension (`mime-types`), without a charset;
   * `application/gzip` for `.gz`, `application/octet-stream` for other compressed files and
   * unknown extensions.
   */
  get_content_type(): string {
    return guessContentType(this.absolute_path ?? "");
  }

  /** Hook for extra response headers; does nothing by default. */
  set_extra_headers(path: string): void {}

  /**
   * How long, in seconds, the client may cache the response: `CACHE_MAX_AGE` when the request
   * has a `v` argument (a versioned URL), else 0 (no `Expires`/`Cache-Control`).
   */
  get_cache_time(path: string, modified: Date | null, mime_type: string): number {
    return "v" in this.request.arguments ? this.#class.CACHE_MAX_AGE : 0;
  }

  /**
   * The URL of the static file `path`: `static_url_prefix` + `path`, plus `?v=<version>` unless
   * `include_version` is false or the version is unknown. `RequestHandler.static_url` calls it.
   */
  static make_static_url(settings: SettingsFor<RequestHandler>, path: string, include_version = true): string {
    const url = String(settings.static_url_prefix ?? "/static/") + path;
    if (!include_version) return url;
    const version = this.get_version(settings, path);
    return version ? `${url}?v=${version}` : url;
  }

  /** Turns the URL path (prefix removed) into a path relative to the root; the inverse of `make_static_url`. */
  parse_url_path(url_path: string): string {
    return nodePath.sep === "/" ? url_path : url_path.split("/").join(nodePath.sep);
  }

  /**
   * The version string of the static file `path` (relative to the `static_path` setting), or
   * null when it cannot be read (logged). Cached per file unless `static_hash_cache` is false.
   * @throws Error when the `static_path` setting is missing.
   */
  static get_version(settings: SettingsFor<RequestHandler>, path: string): string | null {
    if (typeof settings.static_path !== "string") {
      throw new Error("You must define the 'static_path' setting in your application to use static_url");
    }
    const abs_path = this.get_absolute_path(settings.static_path, path);
    // Only a file the handler would serve has a version: `static_url("../../etc/passwd")` gets none.
    if (this.get_absolute_path === StaticFileHandler.get_absolute_path && !isServable(settings.static_path, abs_path))
      return null;
    return this._version_of(abs_path, settings);
  }

  /** The version of `abs_path`, cached in `_static_hashes` (null and logged when it cannot be read). */
  static _get_cached_version(abs_path: string): string | null {
    const hashes = this._static_hashes;
    const cached = hashes.get(abs_path);
    const version = cached !== undefined || hashes.has(abs_path) ? cached! : computeVersion(this, abs_path);
    this._remember_version(abs_path, version);
    return version || null;
  }

  /** Caches a version as the most recently used, forgetting the least recently used beyond `_STATIC_HASHES_LIMIT`. */
  static _remember_version(abs_path: string, version: string | null): void {
    const hashes = this._static_hashes;
    hashes.delete(abs_path);
    hashes.set(abs_path, version);
    if (hashes.size > this._STATIC_HASHES_LIMIT) hashes.delete(hashes.keys().next().value!);
  }

  /** The version of `abs_path`, through the cache unless the `static_hash_cache` setting is false. */
  static _version_of(abs_path: string, settings: SettingsFor<RequestHandler>): string | null {
    return settings.static_hash_cache === false ? computeVersion(this, abs_path) : this._get_cached_version(abs_path);
  }

  get #class(): typeof StaticFileHandler {
    return this.constructor as typeof StaticFileHandler;
  }

  /**
   * Hashes the file asynchronously before `compute_etag` needs the version, so that a request
   * never blocks the event loop on it. Only for the default `get_content_version`, whose result
   * this reproduces; an overridden one is called synchronously by `compute_etag`.
   */
  async #loadVersion(abs_path: string): Promise<void> {
    const cls = this.#class;
    if (cls.get_content_version !== StaticFileHandler.get_content_version) return;
    const cached = this.settings.static_hash_cache !== false;
    if (cached && cls._static_hashes.has(abs_path)) return;
    let version: string | null;
    try {
      const hash = createHash("sha512");
      for await (const chunk of chunksOf(cls.get_content(abs_path))) hash.update(toBuffer(chunk));
      version = hash.digest("hex");
    } catch (err) {
      if (isAccessError(err)) throw readError(err, this.path);
      logVersionError(abs_path, err);
      version = null;
    }
    if (cached) cls._remember_version(abs_path, version);
    else this.#version = version;
  }
}

/** `cls.get_content_version(abs_path)`, or null (logged) when it fails. */
function computeVersion(cls: typeof StaticFileHandler, abs_path: string): string | null {
  try {
    return cls.get_content_version(abs_path) || null;
  } catch (err) {
    logVersionError(abs_path, err);
    return null;
  }
}

/** Logs why a version could not be made, with the error: a file that cannot be read, or (no errno) a fault in an override. */
function logVersionError(abs_path: string, error: unknown): void {
  const message =
    errnoOf(error) === undefined ? "Could not compute the version of static file %r" : "Could not open static file %r";
  gen_log.error(message, abs_path, exc_info(error));
}

/** Reads `abspath` from `start` to `end` (exclusive) in chunks of at most 64 KiB; the file is closed however iteration ends. */
async function* readChunks(abspath: string, start: number | null, end: number | null): AsyncGenerator<Buffer> {
  const handle = await open(abspath, "r");
  try {
    let position = start ?? 0;
    let remaining = end === null ? null : end - position;
    for (;;) {
      const size = remaining !== null && remaining < CHUNK_SIZE ? remaining : CHUNK_SIZE;
      if (size <= 0) return;
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await handle.read(buffer, 0, size, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      if (remaining !== null) remaining -= bytesRead;
      yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * What `get_content` returned, whichever of its forms, as something `for await` walks chunk by
 * chunk (no generator of our own in between: one promise less per chunk); `toBuffer` each.
 */
function chunksOf(content: StaticContent): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  return content instanceof Uint8Array ? [content] : content;
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function hashFileSync(abspath: string, hash: Hash): void {
  const fd = openSync(abspath, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    let position = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, CHUNK_SIZE, position);
      if (bytesRead === 0) return;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}

/** The content type for a file name, as Python's `mimetypes.guess_type` feeds Tornado's `get_content_type`. */
function guessContentType(path: string): string {
  let base = path;
  let ext = nodePath.posix.extname(base);
  while (Object.hasOwn(SUFFIXES, ext.toLowerCase())) {
    base = base.slice(0, base.length - ext.length) + SUFFIXES[ext.toLowerCase()];
    ext = nodePath.posix.extname(base);
  }
  const encoding = Object.hasOwn(ENCODINGS, ext) ? ENCODINGS[ext] : null;
  if (encoding === "gzip") return "application/gzip";
  if (encoding !== null) return "application/octet-stream";
  return (ext && lookup(ext)) || "application/octet-stream";
}
