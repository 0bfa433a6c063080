/** Small type checks shared by the modules; not part of the public API. */

/** True for objects made by `{}` literals or `Object.create(null)`: what Python calls a dict. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for promises and other thenables: what a hook returns when it is async. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}
