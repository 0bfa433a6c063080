/** The errors the template system raises, and the rewrapping of errors thrown while a template runs. */

/**
 * Raised for a template that cannot be compiled: bad directive syntax, an
 * unbalanced `{% end %}`, a JavaScript syntax error inside an expression, or
 * an `{% include %}`/`{% extends %}` that cannot be resolved.
 *
 * `filename` and `lineno` say where the problem is; the message ends with
 * `at <filename>:<lineno>` (`Missing {% end %} block for if at page.html:3`).
 */
export class ParseError extends Error {
  /** The name of the template the error is in, or null when unknown. */
  readonly filename: string | null;
  /** The 1-based line of the error, or 0 when unknown. */
  readonly lineno: number;

  constructor(message: string, filename: string | null = null, lineno = 0, options?: { cause?: unknown }) {
    super(`${message} at ${filename}:${lineno}`, options);
    this.name = "ParseError";
    this.filename = filename;
    this.lineno = lineno;
  }
}

/**
 * Thrown by a loader asked for a template it is still building, i.e. a
 * template that includes or extends itself. The code generator turns it into
 * a `ParseError` naming the directive that closed the loop.
 * @internal
 */
export class TemplateCycleError extends Error {
  constructor(readonly templateName: string) {
    super(`template ${templateName} includes or extends itself`);
    this.name = "TemplateCycleError";
  }
}

type ErrorClass = new (message?: string, options?: { cause?: unknown }) => Error;

const NATIVE_ERRORS: ReadonlySet<unknown> = new Set<ErrorClass>([
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
]);

function describeThrown(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Rewraps an error thrown by template code so its message ends with
 * ` (at <where>)`; the original is kept as `cause`. Built-in error classes
 * are rebuilt with their own constructor; other `Error` subclasses (an
 * `HTTPError`, say) are copied with their prototype and own properties, so
 * `instanceof` and fields such as `status_code` survive. A thrown non-Error
 * becomes an `Error` whose message is its string form.
 * @internal
 */
export function withTemplateLocation(err: unknown, where: string): Error {
  const suffix = ` (at ${where})`;
  if (!(err instanceof Error)) return new Error(describeThrown(err) + suffix, { cause: err });
  const message = err.message + suffix;
  let wrapped: Error;
  if (NATIVE_ERRORS.has(err.constructor)) {
    wrapped = new (err.constructor as ErrorClass)(message, { cause: err });
  } else {
    wrapped = Object.create(Object.getPrototypeOf(err)) as Error;
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(err));
    const hidden = { writable: true, configurable: true, enumerable: false };
    Object.defineProperty(wrapped, "message", { ...hidden, value: message });
    Object.defineProperty(wrapped, "cause", { ...hidden, value: err });
  }
  const header = `${err.name}: ${err.message}`;
  if (typeof err.stack === "string" && err.stack.startsWith(header)) {
    Object.defineProperty(wrapped, "stack", {
      writable: true,
      configurable: true,
      enumerable: false,
      value: `${wrapped.name}: ${message}${err.stack.slice(header.length)}`,
    });
  }
  return wrapped;
}
