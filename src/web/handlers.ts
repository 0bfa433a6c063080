import { HTTPError } from "./errors";
import { xhtml_escape } from "../escape";
import { url_concat } from "../httputil/util";
import { isPlainObject } from "../util";
import { RequestHandler, type ErrorOptions } from "./handler";

/**
 * Answers every request with the HTTP error `status_code` given in its init kwargs. With
 * `did_you_mean` (set by the Application in debug mode) its 404 page names the path that
 * would have matched a route.
 */
export class ErrorHandler extends RequestHandler {
  /** In debug mode, a path a trailing slash away that a route would match; the 404 page names it. null otherwise. */
  did_you_mean: string | null = null;

  override initialize(kwargs: Record<string, unknown>): void {
    this.set_status(Number(kwargs.status_code));
    this.did_you_mean = typeof kwargs.did_you_mean === "string" ? kwargs.did_you_mean : null;
  }

  override prepare(): unknown {
    throw new HTTPError(this._status_code);
  }

  /** A form posted to an error page has no effect, so it gets its error status, not a 403. */
  override check_xsrf_cookie(): void {}

  override write_error(status_code: number, kwargs: ErrorOptions): void {
    if (this.did_you_mean === null) {
      super.write_error(status_code, kwargs);
      return;
    }
    const asked = xhtml_escape(this.request.path);
    const other = xhtml_escape(this.did_you_mean);
    const title = `${status_code}: ${xhtml_escape(this._reason)}`;
    this.finish(
      `<html><title>${title}</title><body>${title}<p>No route matches <code>${asked}</code>, but one matches ` +
        `<code>${other}</code>: a route pattern matches the whole path, trailing slash included.</p></body></html>`,
    );
  }
}

/**
 * Redirects every GET to the `url` init argument: 301, or 302 with `permanent: false`.
 *
 * The route's captures are substituted as Python's `str.format` does: `{0}`, `{1}`... (or `{}`
 * in order) for positional groups, `{name}` for named ones, `{{`/`}}` for literal braces; an
 * unmatched optional group gives `None`, as in Python. The request's query arguments are
 * appended to the target's own.
 *
 * ```ts
 * new Application([["/(.*?)/(.*?)/(.*)", RedirectHandler, { url: "/{1}/{0}/{2}" }]]);
 * ```
 */
export class RedirectHandler extends RequestHandler {
  _url = "";
  _permanent = true;

  /** Receives `{ url, permanent = true }`. @throws TypeError when `url` is not a string. */
  override initialize(kwargs: Record<string, unknown>): void {
    if (typeof kwargs.url !== "string")
      throw new TypeError(`RedirectHandler needs a 'url' init argument, got ${String(kwargs.url)}`);
    this._url = kwargs.url;
    this._permanent = kwargs.permanent === undefined ? true : Boolean(kwargs.permanent);
  }

  /**
   * Redirects to the formatted target.
   * @throws Error (500) when the target names a group the route does not have.
   */
  override get(...args: Array<string | null | Record<string, string | null>>): void {
    const named = args.length === 1 && isPlainObject(args[0]) ? (args[0] as Record<string, string | null>) : {};
    const positional = named === args[0] ? [] : (args as Array<string | null>);
    let to_url = formatTarget(this._url, positional, named);
    const query = this.request.query_arguments;
    const pairs: Array<[string, string]> = [];
    for (const name in query) for (const value of query[name]) pairs.push([name, value.toString("utf8")]);
    if (pairs.length > 0) to_url = url_concat(to_url, pairs);
    this.redirect(to_url, this._permanent);
  }
}

const FORMAT_TOKEN = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;

/** Python's `template.format(*positional, **named)` for plain replacement fields (no conversions or format specs). */
function formatTarget(
  template: string,
  positional: Array<string | null>,
  named: Record<string, string | null>,
): string {
  let next = 0;
  let numbering: "auto" | "manual" | null = null;
  return template.replace(FORMAT_TOKEN, (token: string, field: string | undefined) => {
    if (token === "{{") return "{";
    if (token === "}}") return "}";
    if (field === undefined)
      throw new Error(`Single '${token}' encountered in format string ${JSON.stringify(template)}`);
    let value: string | null;
    if (field === "" || /^\d+$/.test(field)) {
      const mode = field === "" ? "auto" : "manual";
      if (numbering !== null && numbering !== mode) {
        throw new Error(`Cannot mix automatic and manual field numbering in ${JSON.stringify(template)}`);
      }
      numbering = mode;
      const index = field === "" ? next++ : Number(field);
      if (index >= positional.length)
        throw new Error(`Replacement index ${index} out of range in ${JSON.stringify(template)}`);
      value = positional[index];
    } else if (/^[A-Za-z_]\w*$/.test(field)) {
      if (!Object.hasOwn(named, field))
        throw new Error(`No named group ${JSON.stringify(field)} for ${JSON.stringify(template)}`);
      value = named[field];
    } else {
      throw new Error(
        `Unsupported replacement field {${field}} in ${JSON.stringify(template)}: only {}, {N} and {name} are supported`,
      );
    }
    return value === null ? "None" : value;
  });
}
