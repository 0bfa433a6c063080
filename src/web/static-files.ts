/**
 * The file system side of `StaticFileHandler`: what a failed look-up or read becomes (404, 403 or
 * the error itself), and whether a path lies inside its static root once links are resolved.
 */
import { realpathSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { HTTPError } from "./errors";

export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && code.startsWith("E") ? code : undefined;
}

export function isAccessError(error: unknown): boolean {
  const code = errnoOf(error);
  return code === "EACCES" || code === "EPERM";
}

/** What a file that cannot be read becomes: 403 (logged, with the errno) when permission is refused, else the error itself. */
export function readError(error: unknown, path: string): unknown {
  return isAccessError(error) ? new HTTPError(403, "%s is not readable (%s)", path, errnoOf(error)) : error;
}

/**
 * What a failed look-up of a static file becomes: 404 when nothing is there (missing, a
 * dangling link, a NUL byte, a file used as a directory), 404 with a log line for a symbolic
 * link loop (Tornado's `os.path.exists` is false for one), 403 with a log line when permission
 * is refused, and the error itself (a 500, logged with its stack) for anything else.
 */
export function lookupError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ELOOP") return new HTTPError(404, "%s: too many levels of symbolic links", path);
  if (
    code === "ENOENT" ||
    code === "ENOTDIR" ||
    code === "ENAMETOOLONG" ||
    code === "EINVAL" ||
    code === "ERR_INVALID_ARG_VALUE"
  )
    return new HTTPError(404);
  return readError(error, path);
}

/**
 * True when `abs_path` is a regular file inside `root` once symbolic links are resolved (as
 * `validate_absolute_path` checks a request), or does not exist there (its version then fails,
 * logged, as Tornado's).
 */
export function isServable(root: string, abs_path: string): boolean {
  let rootPrefix = nodePath.resolve(root);
  if (!rootPrefix.endsWith(nodePath.sep)) rootPrefix += nodePath.sep;
  if (rootPrefix === nodePath.sep) return true;
  if (!(abs_path + nodePath.sep).startsWith(rootPrefix)) return false;
  let real: string;
  try {
    real = realpathSync(abs_path);
  } catch (err) {
    return errnoOf(err) === "ENOENT";
  }
  try {
    return (real + nodePath.sep).startsWith(realRootOf(rootPrefix)) && statSync(real).isFile();
  } catch {
    return false;
  }
}

/** Real paths of static roots (with a trailing separator), resolved once per root: a root is not expected to move. */
const realRoots = new Map<string, string>();

/** The real path of `rootPrefix`, with a trailing separator. @throws HTTPError 404 when the root does not exist. */
export function realRootOf(rootPrefix: string): string {
  let realRoot = realRoots.get(rootPrefix);
  if (realRoot !== undefined) return realRoot;
  try {
    realRoot = realpathSync(rootPrefix);
  } catch {
    throw new HTTPError(404);
  }
  if (!realRoot.endsWith(nodePath.sep)) realRoot += nodePath.sep;
  realRoots.set(rootPrefix, realRoot);
  return realRoot;
}
