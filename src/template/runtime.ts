/**
 * What compiled templates call at run time: value-to-text conversion,
 * iteration with Python's rules for dicts, class tests for `{% except %}`,
 * and the default namespace.
 * @internal
 */
import { json_encode, squeeze, to_unicode, url_escape, xhtml_escape } from "../escape";
import { isPlainObject } from "../util";
import { linkify } from "../escape";

/**
 * The text of a `{{ }}` value: strings as they are, bytes decoded as UTF-8
 * (strictly), null and undefined as the empty string, anything else through
 * `String()`.
 */
export function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (value instanceof Uint8Array) return to_unicode(value);
  return String(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}

/**
 * What `{% for %}` iterates: any iterable as is (arrays, strings, Maps as
 * entries, Sets, generators); a plain object's own enumerable keys, as
 * Python iterates a dict.
 * @throws TypeError for anything else.
 */
export function iterate(value: unknown): Iterable<unknown> {
  if (value !== null && value !== undefined && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") {
    return value as Iterable<unknown>;
  }
  if (isPlainObject(value)) return Object.keys(value);
  throw new TypeError(`${describe(value)} is not iterable`);
}

/** `{% except Type as e %}`: true if `error` is an instance of `type`, or of one of the classes in an array. */
export function isInstance(error: unknown, type: unknown): boolean {
  if (Array.isArray(type)) return type.some((t) => isInstance(error, t));
  if (typeof type !== "function") throw new TypeError(`{% except %} needs a class, not ${describe(type)}`);
  return error instanceof type;
}

/** The names every template sees, under the loader's namespace and the arguments of `generate`. */
export const DEFAULT_NAMESPACE: Readonly<Record<string, unknown>> = Object.freeze({
  escape: xhtml_escape,
  xhtml_escape,
  url_escape,
  json_encode,
  squeeze,
  linkify,
});
