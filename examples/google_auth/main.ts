/**
 * Logging in with Google: Tornado's demos/google_auth/main.py with `GoogleOAuth2Mixin`.
 *
 * Register a web application in the Google Cloud console (Credentials, OAuth client ID) with
 * `http://localhost:8888/auth/google` as its redirect URI, then run
 * `npx tsx examples/google_auth/main.ts --google_oauth_key=... --google_oauth_secret=...` and
 * open http://localhost:8888/.
 *
 * Flags besides those: `--port=N`, `--address=IP`, `--cookie_secret=...` (without it a fixed
 * development secret is used, with a warning), `--redirect_base_uri=URL` (where Google sends
 * the browser back to; `http://localhost:<port>` by default), and `--google_base_url=URL`, which
 * points every Google endpoint at another server with Google's paths (a fake provider, for
 * trying the demo offline: `npx tsx tests/support/fake-oauth2.ts 9999`, then
 * `--google_base_url=http://127.0.0.1:9999/google`).
 */
import { auth, ioloop, log, web } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });
define("google_oauth_key", { help: "Google OAuth client id" });
define("google_oauth_secret", { help: "Google OAuth client secret" });
define("cookie_secret", { help: "signs the login cookie (default: a development secret anyone can read here)" });
define("redirect_base_uri", {
  help: "the site's URL as Google sends the browser back to it (default http://localhost:PORT)",
});
define("google_base_url", { default: "", help: "serve Google's endpoints from this base instead (a test provider)" });

/** The signed cookie that holds `{ id, access_token }`. */
const USER_COOKIE = "googledemo_user";

/** The logged-in user from the signed cookie, or null. */
export class BaseHandler extends web.RequestHandler {
  get_current_user(): { id: string; access_token: string } | null {
    const cookie = this.get_signed_cookie(USER_COOKIE);
    return cookie ? JSON.parse(cookie.toString("utf8")) : null;
  }
}

/** `BaseHandler` with Google's mixin: the class whose endpoints `pointGoogleAt` moves. */
export class GoogleHandler extends auth.GoogleOAuth2Mixin(BaseHandler) {
  /** The user information endpoint, as this demo's class has it. */
  userinfo_url(): string {
    return (this.constructor as typeof GoogleHandler)._OAUTH_USERINFO_URL;
  }
}

/** Serves Google's three endpoints from `base` (with Google's own paths) instead of Google. */
export function pointGoogleAt(base: string): void {
  GoogleHandler._OAUTH_AUTHORIZE_URL = base + "/o/oauth2/v2/auth";
  GoogleHandler._OAUTH_ACCESS_TOKEN_URL = base + "/oauth2/v4/token";
  GoogleHandler._OAUTH_USERINFO_URL = base + "/oauth2/v1/userinfo";
}

/** `/`: greets the user by the name Google gives (asked again with the stored token). */
export class IndexHandler extends GoogleHandler {
  @web.authenticated
  async get() {
    // Redundant after the login handler's request, but it shows oauth2_request outside the login flow.
    const user_info = await this.oauth2_request(this.userinfo_url(), {
      access_token: (this.current_user as { access_token: string }).access_token,
    });
    this.write(`Hello ${user_info.name}`);
  }
}

/** `/auth/google`: sends the browser to Google, then takes the code it comes back with. */
export class LoginHandler extends GoogleHandler {
  async get() {
    const redirect_uri = new URL(this.reverse_url("google_oauth"), String(this.settings.redirect_base_uri)).toString();
    const code = this.get_argument("code", null) as string | null;
    if (code) {
      const access = await this.get_authenticated_user({ redirect_uri, code });
      const user = await this.oauth2_request(this.userinfo_url(), { access_token: access.access_token });
      this.set_signed_cookie(USER_COOKIE, JSON.stringify({ id: user.id, access_token: access.access_token }));
      this.redirect("/");
    } else {
      this.authorize_redirect({
        redirect_uri,
        client_id: this.get_google_oauth_settings().key,
        scope: ["profile", "email"],
        response_type: "code",
        extra_params: { approval_prompt: "auto" },
      });
    }
  }
}

/** `/logout`: forgets the cookie. */
export class LogoutHandler extends BaseHandler {
  get() {
    this.clear_cookie(USER_COOKIE);
    this.redirect("/");
  }
}

/** A secret anyone can read in this file: fine on your own machine, never on a server. */
const DEVELOPMENT_COOKIE_SECRET = "tornado-ts google_auth demo: development only, pass --cookie_secret";

function main(): void {
  parse_command_line();
  if (options.google_base_url) pointGoogleAt(options.google_base_url);
  if (!options.cookie_secret) log.app_log.warning("No --cookie_secret given: using the development secret.");
  const app = new web.Application(
    [
      web.url("/", IndexHandler),
      web.url("/auth/google", LoginHandler, undefined, "google_oauth"),
      web.url("/logout", LogoutHandler),
    ],
    {
      redirect_base_uri: options.redirect_base_uri || `http://localhost:${options.port}`,
      google_oauth: { key: options.google_oauth_key, secret: options.google_oauth_secret },
      cookie_secret: options.cookie_secret || DEVELOPMENT_COOKIE_SECRET,
      login_url: "/auth/google",
    },
  );
  app.listen(options.port, options.address || undefined);
  console.log(`Google login demo at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the handlers.
if (require.main === module) main();
