/**
 * `authenticated`: Tornado's guard for verb methods that need a logged-in user.
 */
import { url_escape } from "../escape";
import { HTTPError } from "./errors";
import type { RequestHandler } from "./handler";
import { verbDecorator, type VerbDecorator } from "./decorators";

/** What `authenticated` needs from the handler it runs on; `RequestHandler` provides all of it. */
export interface AuthenticatedHandler {
  /** Any truthy value means someone is logged in. */
  current_user: unknown;
  /** Where to send visitors who are not logged in (the `login_url` setting by default). */
  get_login_url(): string;
  /** The request: its verb, its URI (path and query) and its full URL (scheme, host, URI). */
  request: { method: string; uri: string; full_url(): string };
  /** Sends a redirect to `url` and finishes the response. */
  redirect(url: string): void;
}

const C0_CONTROL_OR_SPACE_PREFIX_RE = /^[\x00-\x20]+/;
const UNSAFE_URL_CHARS_RE = /[\t\r\n]/g;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*:/;

/** Whether Python's `urlsplit(url).scheme` is non-empty: an ASCII letter, then letters, digits, `+-.`, then `:`. */
function hasScheme(url: string): boolean {
  return SCHEME_RE.test(url.replace(C0_CONTROL_OR_SPACE_PREFIX_RE, "").replace(UNSAFE_URL_CHARS_RE, ""));
}

/**
 * Where to send a visitor who is not logged in: the login URL plus `?next=<where they were>`,
 * the full URL when the login URL is absolute (has a scheme), the request URI otherwise.
 * A login URL that already has a `?` is used untouched. The query is appended literally, after
 * any `#fragment`, as Tornado does.
 */
function loginRedirectUrl(login_url: string, request: AuthenticatedHandler["request"]): string {
  if (login_url.includes("?")) return login_url;
  const next_url = hasScheme(login_url) ? request.full_url() : request.uri;
  return `${login_url}?next=${url_escape(next_url)}`;
}

/**
 * Requires a logged-in user for a verb method. When `this.current_user` is falsy, a GET or HEAD
 * is redirected to `this.get_login_url()` with a `next` argument (see the rules below) and the
 * method does not run; any other method throws `HTTPError(403)`. Otherwise the method runs as
 * usual, sync or async, and its result is returned.
 *
 * `next` is the request URI (`/page?x=1`), or the full URL when the login URL is absolute
 * (`https://login.example/`). A login URL that already holds a `?` is used as it is.
 *
 * Use it as a standard decorator or as a plain wrapper (with a `function`, not an arrow, so
 * `this` is the handler):
 * ```ts
 * class Profile extends web.RequestHandler {
 *   @web.authenticated
 *   async get() { ... }
 *   post = web.authenticated(function (this: Profile) { ... });
 * }
 * ```
 * When it redirects, the wrapped method returns `undefined` (also for an async method), as
 * Tornado's returns `None`.
 * @throws HTTPError(403), synchronously, for a request other than GET/HEAD without a user;
 *   TypeError if applied to something other than a method.
 */
export const authenticated: VerbDecorator = verbDecorator(function authenticated(method) {
  return function (this: RequestHandler, ...args: unknown[]): unknown {
    if (!this.current_user) {
      const verb = this.request.method;
      if (verb === "GET" || verb === "HEAD") {
        this.redirect(loginRedirectUrl(this.get_login_url(), this.request));
        return undefined;
      }
      throw new HTTPError(403);
    }
    return method.apply(this, args);
  };
});
