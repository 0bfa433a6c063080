/**
 * `tornado.util`'s public names that mean something in JavaScript. (src/util.ts holds the
 * framework's internal helpers.)
 */

/**
 * An object whose entries are read as attributes, as Tornado's `ObjectDict`: `new
 * ObjectDict({ a: 1 }).a`. In JavaScript every object reads that way; the class is here so that
 * ported code keeps its name. A missing entry reads as `undefined` (Python raises
 * `AttributeError`).
 */
export class ObjectDict {
  [key: string]: any;

  /** @param init entries: an object, a `Map`, or `[key, value]` pairs. */
  constructor(init?: Readonly<Record<string, unknown>> | Iterable<readonly [string, unknown]>) {
    if (init === undefined || init === null) return;
    const entries =
      Symbol.iterator in Object(init)
        ? (init as Iterable<readonly [string, unknown]>)
        : Object.entries(init as Record<string, unknown>);
    // Defined, not assigned: a `__proto__` key is an entry, never the prototype.
    for (const [key, value] of entries) {
      Object.defineProperty(this, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }
}
