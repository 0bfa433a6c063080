import { responses } from "../httputil/util";
import { percent_format } from "../log";

/** Options a Python caller would pass to `HTTPError` by keyword. */
export interface HTTPErrorOptions {
  /** The reason phrase for the status line and error page; defaults to the standard one. */
  reason?: string;
}

function isOptionsObject(value: unknown): value is HTTPErrorOptions {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * An exception that makes the current request end with an HTTP error status.
 *
 * `new HTTPError(status_code, log_message?, ...args)`: `log_message` is %-formatted with `args`
 * and goes only to the log, never to the client. A plain object as the last argument carries
 * Python's keyword arguments: `new HTTPError(682, null, { reason: "Foo" })` sets the reason
 * phrase shown in the status line and the default error page.
 */
export class HTTPError extends Error {
  /** The HTTP status the response gets. */
  status_code: number;
  /** A message for the log (%-formatted with `args`), never shown to the client; null for none. */
  log_message: string | null;
  /** The values `log_message` is formatted with. */
  args: unknown[];
  /** The reason phrase to use instead of the standard one for `status_code`; null for the standard one. */
  reason: string | null;

  constructor(status_code = 500, log_message: string | null = null, ...args: unknown[]) {
    const options = args.length > 0 && isOptionsObject(args[args.length - 1]) ? (args.pop() as HTTPErrorOptions) : {};
    super();
    this.name = "HTTPError";
    this.status_code = status_code;
    this.log_message = log_message;
    this.args = args;
    this.reason = options.reason ?? null;
    this.message = this.toString();
  }

  /** `HTTP 404: Not Found (log message)`, as Tornado's `str(HTTPError)`. */
  override toString(): string {
    const summary = `HTTP ${this.status_code}: ${this.reason ?? responses[this.status_code] ?? "Unknown"}`;
    if (!this.log_message) return summary;
    const detail = this.args.length === 0 ? this.log_message : percent_format(this.log_message, this.args);
    return `${summary} (${detail})`;
  }
}

/**
 * Thrown to end the request without an error: the response is finished as it stands,
 * with the exception's arguments passed to `finish()`. No error page, no error log.
 */
export class Finish extends Error {
  /** What `finish()` is called with: nothing, or one chunk to write last. */
  args: unknown[];

  constructor(...args: unknown[]) {
    super(args.length > 0 ? String(args[0]) : "Finish");
    this.name = "Finish";
    this.args = args;
  }
}

/** Thrown by `get_argument` when a required argument is missing: a 400, logged as `Missing argument NAME`. */
export class MissingArgumentError extends HTTPError {
  /** The name of the missing argument. */
  arg_name: string;

  constructor(arg_name: string) {
    // Formatted here, as Tornado does: `log_message` reads `Missing argument NAME`.
    super(400, `Missing argument ${arg_name}`);
    this.name = "MissingArgumentError";
    this.arg_name = arg_name;
  }
}
