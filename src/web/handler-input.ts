/**
 * `RequestHandler`'s input: the `get_argument` family over the query and the form body,
 * `decode_argument`'s default, the body parse and the path captures' decoding that
 * `_execute` does first. Functions of the handler (`HandlerCore`); internal.
 */
import { isUtf8 } from "node:buffer";
import { unquote_to_bytes } from "../escape";
import { HTTPInputError } from "../httputil/errors";
import { pyStrip } from "../util";
import { HTTPError, MissingArgumentError } from "./errors";
import type { HandlerCore } from "./handler-state";

const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f]/g;

/** The last value of `name` in `source`, else `default_`. @throws MissingArgumentError when missing and `default_` is undefined. */
export function lastArgument(
  h: HandlerCore,
  name: string,
  default_: unknown,
  source: Record<string, Buffer[]>,
  strip: boolean,
): unknown {
  const values = decodeArguments(h, name, source, strip);
  if (values.length > 0) return values[values.length - 1];
  if (default_ === undefined) throw new MissingArgumentError(name);
  return default_;
}

/** Every value of `name` in `source`, through `decode_argument`, control characters as spaces, stripped if `strip`. */
export function decodeArguments(
  h: HandlerCore,
  name: string,
  source: Record<string, Buffer[]>,
  strip: boolean,
): string[] {
  const raw = source[name];
  if (raw === undefined) return [];
  return raw.map((value) => {
    const decoded: string | Buffer = h.decode_argument(value, name);
    // An override may keep the bytes (Tornado allows it): they are returned as they are.
    if (typeof decoded !== "string") return decoded as unknown as string;
    const text = decoded.replace(CONTROL_CHARS, " ");
    return strip ? pyStrip(text) : text;
  });
}

/** `decode_argument()`'s default: UTF-8. @throws HTTPError 400 when the bytes are not UTF-8. */
export function decodeUtf8Argument(value: Buffer, name: string | null | undefined): string {
  if (!isUtf8(value)) {
    throw new HTTPError(
      400,
      "Invalid unicode in %s: %s",
      name ?? "url",
      JSON.stringify(value.subarray(0, 40).toString("latin1")),
    );
  }
  return value.toString("utf8");
}

/** Parses the request body. @throws HTTPError 400 for a malformed one. */
export function parseBody(h: HandlerCore): void {
  try {
    h.request._parse_body();
  } catch (err) {
    if (err instanceof HTTPInputError) throw new HTTPError(400, "Invalid body: %s", err.message);
    throw err;
  }
}

/** Sets `path_args` / `path_kwargs` from the route's raw captures, URL-decoded through `decode_argument`. */
export function decodePathCaptures(
  h: HandlerCore,
  rawArgs: Array<string | null>,
  rawKwargs: Record<string, string | null>,
): void {
  if (rawArgs.length > 0) {
    // A loop rather than `map`: no closure per request.
    const args = new Array<string | null>(rawArgs.length);
    for (let i = 0; i < rawArgs.length; i++) args[i] = decodePathArgument(h, rawArgs[i], null);
    h.path_args = args;
  }
  let decoded: Record<string, string | null> | null = null;
  for (const name in rawKwargs) {
    if (decoded === null) decoded = {};
    decoded[name] = decodePathArgument(h, rawKwargs[name], name);
  }
  if (decoded !== null) h.path_kwargs = decoded;
}

function decodePathArgument(h: HandlerCore, raw: string | null, name: string | null): string | null {
  return raw === null ? null : h.decode_argument(unquote_to_bytes(raw, false), name);
}
