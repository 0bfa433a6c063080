/**
 * Tornado's S3-like storage server on local files (`demos/s3server/s3server.py`, since removed
 * from Tornado's tree): enough of Amazon S3's REST API for a standard client's basic calls.
 *
 *   npx tsx examples/s3server/s3server.ts [--port=9888] [--root_directory=/tmp/s3] [--bucket_depth=0]
 *
 * - `GET /` lists the buckets (the directories under `--root_directory`, created if missing).
 * - `PUT /<bucket>/` creates a bucket (403 if it exists); `DELETE /<bucket>/` removes an empty
 *   one (403 if it holds objects, 404 if there is none); `GET /<bucket>/` lists its objects
 *   in name order, with `prefix`, `marker`, `max-keys` (50000 by default) and `terse=1` (keys
 *   only) as S3 takes them.
 * - `PUT`, `GET` and `DELETE /<bucket>/<object>` store, read and remove one object; its ETag is
 *   the MD5 of its bytes, as S3's.
 *
 * With `--bucket_depth=N` an object's file sits N directories down, named after the first 2, 4,
 * ... hex digits of the MD5 of its name, to keep directories small. The answers are XML in the
 * demo's shape (`IsTruncated` is `True`/`False`, as Python's `str(bool)` renders it). A bucket
 * name that is not one path segment (`..`, `a/b` once decoded) is refused with 400; an object
 * name that is not a plain relative path (`../x`, `/etc/passwd`, `a//b`, once decoded) with 403,
 * as the demo's PUT refuses a path outside the bucket.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { log, web } from "tornado-ts";
import { xhtml_escape } from "tornado-ts/escape";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 9888, help: "TCP port to listen on", type: "int" });
define("root_directory", { default: "/tmp/s3", help: "Root storage directory" });
define("bucket_depth", { default: 0, help: "Bucket file system depth limit", type: "int" });

const logger = log.getLogger("s3server");

/** What `render_xml` renders: text, numbers, booleans, dates, and elements (a list repeats one). */
export type XMLValue = string | number | boolean | Date | { [name: string]: XMLValue | XMLValue[] };

/** The application: the routes, the root directory (absolute) and the bucket depth. */
export class S3Application extends web.Application {
  readonly directory: string;

  constructor(
    root_directory: string,
    /** How many directory levels, named after the MD5 of the object's name, an object's file sits under. */
    readonly bucket_depth = 0,
  ) {
    super([
      ["/", RootHandler],
      ["/([^/]+)/(.+)", ObjectHandler],
      ["/([^/]+)/", BucketHandler],
    ]);
    this.directory = resolve(root_directory);
  }
}

function md5(data: string | Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** S3's timestamp, to the second: `2009-10-12T17:50:30.000Z`. */
function s3_time(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, ".000Z");
}

/** The shared parts: the XML answers and the paths of buckets and objects, kept inside the root. */
class BaseRequestHandler extends web.RequestHandler {
  static SUPPORTED_METHODS: readonly string[] = ["PUT", "GET", "DELETE"];
  declare application: S3Application;

  /** Finishes with `value`, one root element, as S3's XML; `value` must have exactly one key. */
  render_xml(value: Record<string, XMLValue>): Promise<void> {
    const names = Object.keys(value);
    if (names.length !== 1) throw new Error("render_xml takes exactly one root element");
    const name = names[0];
    const parts = [`<${name} xmlns="http://doc.s3.amazonaws.com/2006-03-01">`];
    render_parts(value[name], parts);
    parts.push(`</${name}>`);
    this.set_header("Content-Type", "application/xml; charset=UTF-8");
    return this.finish('<?xml version="1.0" encoding="UTF-8"?>\n' + parts.join(""));
  }

  /** The directory of `bucket`; HTTPError 400 unless the name is one path segment. */
  bucket_path(bucket: string): string {
    const path = resolve(this.application.directory, bucket);
    if (bucket === "." || bucket === ".." || bucket.includes("\0") || dirname(path) !== this.application.directory)
      throw new web.HTTPError(400, "Invalid bucket name %s", bucket);
    return path;
  }

  /**
   * The file of `object_name` in `bucket`. HTTPError 403 for a name that is not a plain relative
   * path, which would leave the bucket or alias another key: absolute, with a `.`, `..` or empty
   * part, a backslash or a NUL.
   */
  object_path(bucket: string, object_name: string): string {
    const bucket_dir = this.bucket_path(bucket);
    const parts = object_name.split("/");
    if (/[\\\0]/.test(object_name) || parts.some((part) => part === "" || part === "." || part === ".."))
      throw new web.HTTPError(403, "Object name %s leaves its bucket", object_name);
    let dir = bucket_dir;
    const hash = md5(object_name);
    for (let i = 0; i < this.application.bucket_depth; i++) dir = join(dir, hash.slice(0, 2 * (i + 1)));
    return join(dir, ...parts);
  }
}

function render_parts(value: XMLValue, parts: string[]): void {
  if (typeof value === "string") parts.push(xhtml_escape(value));
  else if (typeof value === "boolean") parts.push(value ? "True" : "False");
  else if (typeof value === "number") parts.push(String(value));
  else if (value instanceof Date) parts.push(s3_time(value));
  else {
    for (const [name, subvalue] of Object.entries(value)) {
      for (const item of Array.isArray(subvalue) ? subvalue : [subvalue]) {
        parts.push(`<${name}>`);
        render_parts(item, parts);
        parts.push(`</${name}>`);
      }
    }
  }
}

/** Resolves to the file's stats, or null when there is nothing at `path`; rejects with other errors. */
async function stat_or_null(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    // ENOTDIR: a part of the path is a file (key `a/b` when `a` is an object).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw err;
  }
}

/** Every file under `dir`, as paths relative to it with `/` between the parts, sorted. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

/** `GET /`: the buckets, with their creation dates. */
export class RootHandler extends BaseRequestHandler {
  async get() {
    const directory = this.application.directory;
    const buckets: XMLValue[] = [];
    for (const name of (await readdir(directory)).sort()) {
      const info = await stat(join(directory, name));
      buckets.push({ Name: name, CreationDate: info.ctime });
    }
    await this.render_xml({ ListAllMyBucketsResult: { Buckets: { Bucket: buckets } } });
  }
}

/** `/<bucket>/`: list, create and delete a bucket. */
export class BucketHandler extends BaseRequestHandler {
  /** Lists the bucket's objects from after `marker`, those starting with `prefix`, at most `max-keys`. */
  async get(bucket_name: string) {
    const prefix = this.get_argument("prefix", "")!;
    let marker = this.get_argument("marker", "")!;
    const max_keys = integer_argument(this, "max-keys", 50000);
    const terse = integer_argument(this, "terse", 0);
    const path = this.bucket_path(bucket_name);
    if (!(await stat_or_null(path))?.isDirectory()) throw new web.HTTPError(404);
    // The first bucket_depth parts of each path are the hashed directories.
    const depth = this.application.bucket_depth;
    const object_names = (await walk(path)).map((name) => name.split("/").slice(depth).join("/")).sort();
    let start = 0;
    if (marker) while (start < object_names.length && object_names[start] <= marker) start++;
    if (prefix) while (start < object_names.length && object_names[start] < prefix) start++;
    const contents: XMLValue[] = [];
    let truncated = false;
    for (const object_name of object_names.slice(start)) {
      if (!object_name.startsWith(prefix)) break;
      if (contents.length >= max_keys) {
        truncated = true;
        break;
      }
      const entry: Record<string, XMLValue> = { Key: object_name };
      if (!terse) {
        const info = await stat(this.object_path(bucket_name, object_name));
        entry.LastModified = info.mtime;
        entry.Size = info.size;
      }
      contents.push(entry);
      marker = object_name;
    }
    await this.render_xml({
      ListBucketResult: {
        Name: bucket_name,
        Prefix: prefix,
        Marker: marker,
        MaxKeys: max_keys,
        IsTruncated: truncated,
        Contents: contents,
      },
    });
  }

  /** Creates the bucket; 403 when it exists. */
  async put(bucket_name: string) {
    const path = this.bucket_path(bucket_name);
    if ((await stat_or_null(path)) !== null) throw new web.HTTPError(403);
    await mkdir(path, { recursive: true });
    await this.finish();
  }

  /** Deletes the bucket; 404 when there is none, 403 when it is not empty. */
  async delete(bucket_name: string) {
    const path = this.bucket_path(bucket_name);
    if (!(await stat_or_null(path))?.isDirectory()) throw new web.HTTPError(404);
    if ((await readdir(path)).length > 0) throw new web.HTTPError(403);
    await rmdir(path);
    this.set_status(204);
    await this.finish();
  }
}

/** Makes the directories above `path`; HTTPError 403 when one of them is a file (key `a/b` when `a` is an object). */
async function make_parents(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST") throw new web.HTTPError(403, "A part of %s is an object", path);
    throw err;
  }
}

/** The integer query argument `name`, `fallback` when absent; HTTPError 400 when it is not one. */
function integer_argument(handler: web.RequestHandler, name: string, fallback: number): number {
  const text = handler.get_argument(name, String(fallback))!;
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new web.HTTPError(400, "%s is not an integer", name);
  return Number(text);
}

/** `/<bucket>/<object>`: read, store and delete one object. */
export class ObjectHandler extends BaseRequestHandler {
  #etag: string | null = null;

  /** The object's bytes, its ETag the MD5 of them. */
  async get(bucket: string, object_name: string) {
    const path = this.object_path(bucket, object_name);
    const info = await stat_or_null(path);
    if (!info?.isFile()) throw new web.HTTPError(404);
    const body = await readFile(path);
    this.#etag = `"${md5(body)}"`;
    this.set_header("Content-Type", "application/unknown");
    this.set_header("Last-Modified", info.mtime);
    await this.finish(body);
  }

  /** S3's ETag for a GET: the quoted MD5 of the object. */
  compute_etag(): string | null {
    return this.#etag ?? super.compute_etag();
  }

  /** Stores the request body as the object; 404 without the bucket, 403 where a directory is or where a part of the key is an object. */
  async put(bucket: string, object_name: string) {
    const bucket_dir = this.bucket_path(bucket);
    if (!(await stat_or_null(bucket_dir))?.isDirectory()) throw new web.HTTPError(404);
    const path = this.object_path(bucket, object_name);
    if ((await stat_or_null(path))?.isDirectory()) throw new web.HTTPError(403);
    await make_parents(path);
    await writeFile(path, this.request.body);
    this.set_header("ETag", `"${md5(this.request.body)}"`);
    await this.finish();
  }

  /** Deletes the object; 404 when there is none. */
  async delete(bucket: string, object_name: string) {
    const path = this.object_path(bucket, object_name);
    if (!(await stat_or_null(path))?.isFile()) throw new web.HTTPError(404);
    await unlink(path);
    this.set_status(204);
    await this.finish();
  }
}

/** Starts the server on `port`, its files under `root_directory` (created if missing). */
export async function start(port: number, root_directory: string, bucket_depth: number): Promise<void> {
  const application = new S3Application(root_directory, bucket_depth);
  await mkdir(application.directory, { recursive: true });
  await application.listen(port).ready();
  logger.info("S3 server on port %d, files under %s", port, application.directory);
}

if (require.main === module) {
  parse_command_line();
  start(options.port, options.root_directory, options.bucket_depth).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
