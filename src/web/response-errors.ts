/**
 * The last resorts of a response that failed, kept apart from `RequestHandler`: Tornado's error
 * page, a bare 500 for a response whose headers never went out but whose handler can no longer
 * write one (an output transform failed after `finish()`), and closing the connection when the
 * headers are out, so that a kept-alive client neither waits for the rest nor reads a truncated
 * body as complete. Internal: not exported by the package.
 */
import { HTTPHeaders } from "../httputil/headers";
import type { HTTPConnection } from "../httputil/request";
import { xhtml_escape } from "../escape";
import { errorText } from "./output";

/** Tornado's error page for `status_code`: the code and reason, and the exception's stack when `traceback` is given. */
export function errorPage(status_code: number, reason: string, traceback?: unknown): string {
  const title = `${status_code}: ${xhtml_escape(reason)}`;
  if (traceback === undefined) return `<html><title>${title}</title><body>${title}</body></html>`;
  return `<html><title>${title}</title><body><h1>${title}</h1><pre>${xhtml_escape(errorText(traceback))}</pre></body></html>`;
}

/**
 * Ends the connection at once, response unfinished. Without a `close` method (a connection
 * made by hand) it can only finish the response.
 */
export function closeConnection(connection: HTTPConnection): void {
  connection.set_close_callback(null);
  try {
    if (connection.close !== undefined) connection.close();
    else void connection.finish();
  } catch {
    // The connection is already gone: nothing more can be done for this client.
  }
}

/**
 * Answers with a plain 500 page, then closes the connection (the handler's state cannot be
 * trusted any more). For a failure found after `finish()`, while the headers were still unsent.
 */
export function sendBareError(connection: HTTPConnection, server: string, date: string, head: boolean): void {
  const page = errorPage(500, "Internal Server Error");
  const headers = new HTTPHeaders();
  headers.set("Server", server);
  headers.set("Content-Type", "text/html; charset=UTF-8");
  headers.set("Date", date);
  headers.set("Content-Length", String(page.length));
  headers.set("Connection", "close");
  try {
    void connection.write_headers({ version: "", code: 500, reason: "Internal Server Error" }, headers);
    void connection.finish(head ? "" : page);
  } catch {
    closeConnection(connection);
  }
}
