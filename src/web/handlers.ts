import { HTTPError } from "./errors";
import { RequestHandler } from "./handler";

/** Answers every request with the HTTP error `status_code` given in its init kwargs. */
export class ErrorHandler extends RequestHandler {
  override initialize(kwargs: Record<string, unknown>): void {
    this.set_status(Number(kwargs.status_code));
  }

  override prepare(): unknown {
    throw new HTTPError(this._status_code);
  }
}
