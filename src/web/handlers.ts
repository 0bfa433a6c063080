import { HTTPError } from "./errors";
import { xhtml_escape } from "../escape";
import { RequestHandler, type ErrorOptions } from "./handler";

/**
 * Answers every request with the HTTP error `status_code` given in its init kwargs. With
 * `did_you_mean` (set by the Application in debug mode) its 404 page names the path that
 * would have matched a route.
 */
export class ErrorHandler extends RequestHandler {
  did_you_mean: string | null = null;

  override initialize(kwargs: Record<string, unknown>): void {
    this.set_status(Number(kwargs.status_code));
    this.did_you_mean = typeof kwargs.did_you_mean === "string" ? kwargs.did_you_mean : null;
  }

  override prepare(): unknown {
    throw new HTTPError(this._status_code);
  }

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
