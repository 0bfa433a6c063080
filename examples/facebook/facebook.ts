/**
 * Logging in with Facebook and showing the user's posts: Tornado's demos/facebook with
 * `FacebookGraphMixin`.
 *
 * Register a Facebook application whose site URL is where this demo runs
 * (http://localhost:8888/ by default), then run
 * `npx tsx examples/facebook/facebook.ts --facebook_api_key=ABC --facebook_secret=XYZ` and open
 * http://localhost:8888/.
 *
 * Flags besides those: `--port=N`, `--address=IP`, `--cookie_secret=...` (without it a fixed
 * development secret is used, with a warning), and `--facebook_base_url=URL`, which serves the
 * login dialog, the token endpoint and the Graph API from another server with Facebook's paths
 * (a fake provider, for trying the demo offline: `npx tsx tests/support/fake-oauth2.ts 9999`,
 * then `--facebook_base_url=http://127.0.0.1:9999/graph`).
 *
 * Tornado's demo reads `/me/home`, which the Graph API no longer has; this one reads `/me/feed`
 * (the `user_posts` permission it asks for).
 */
import { join } from "node:path";
import { auth, escape, ioloop, log, web } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });
define("facebook_api_key", { help: "your Facebook application API key" });
define("facebook_secret", { help: "your Facebook application secret" });
define("cookie_secret", { help: "signs the login cookie (default: a development secret anyone can read here)" });
define("facebook_base_url", {
  default: "",
  help: "serve Facebook's endpoints from this base instead (a test provider)",
});

/** The signed cookie that holds the user `get_authenticated_user` gave. */
const USER_COOKIE = "fbdemo_user";

/** The logged-in user from the signed cookie, or null. */
export class BaseHandler extends web.RequestHandler {
  get_current_user(): Record<string, any> | null {
    const user_json = this.get_signed_cookie(USER_COOKIE);
    return user_json ? escape.json_decode(user_json) : null;
  }
}

/** `BaseHandler` with Facebook's mixin: the class whose endpoints `pointFacebookAt` moves. */
export class FacebookHandler extends auth.FacebookGraphMixin(BaseHandler) {}

/** Serves the dialog, the token endpoint and the Graph API from `base` (with Facebook's paths). */
export function pointFacebookAt(base: string): void {
  FacebookHandler._OAUTH_AUTHORIZE_URL = base + "/dialog/oauth?";
  FacebookHandler._OAUTH_ACCESS_TOKEN_URL = base + "/oauth/access_token?";
  FacebookHandler._FACEBOOK_BASE_URL = base;
}

/** `/`: the user's posts, from the Graph API with the stored token. */
export class MainHandler extends FacebookHandler {
  @web.authenticated
  async get() {
    const stream = await this.facebook_request("/me/feed", {
      access_token: (this.current_user as Record<string, any>).access_token,
    });
    if (stream == null) {
      // Session may have expired
      this.redirect("/auth/login");
      return;
    }
    return this.render("stream.html", { stream });
  }
}

/** `/auth/login`: sends the browser to Facebook's dialog, then takes the code it comes back with. */
export class AuthLoginHandler extends FacebookHandler {
  async get() {
    const my_url = this.request.protocol + "://" + this.request.host + "/auth/login";
    const code = this.get_argument("code", null) as string | null;
    if (code) {
      const user = await this.get_authenticated_user({
        redirect_uri: my_url,
        client_id: String(this.settings.facebook_api_key),
        client_secret: String(this.settings.facebook_secret),
        code,
      });
      this.set_signed_cookie(USER_COOKIE, escape.json_encode(user));
      this.redirect("/");
      return;
    }
    this.authorize_redirect({
      redirect_uri: my_url,
      client_id: String(this.settings.facebook_api_key),
      extra_params: { scope: "user_posts" },
    });
  }
}

/** `/auth/logout`: forgets the cookie. */
export class AuthLogoutHandler extends BaseHandler {
  get() {
    this.clear_cookie(USER_COOKIE);
    this.redirect("/");
  }
}

/** A Graph API time (`2024-03-01T12:30:00+0000`) as a Date. */
function graph_date(text: string): Date {
  return new Date(text.replace(/\+0000$/, "Z"));
}

/** `{% module Post(post) %}`: one post of the stream. */
export class PostModule extends web.UIModule {
  render(post: Record<string, any>): Buffer {
    return this.render_string("modules/post.html", { post, graph_url: FacebookHandler._FACEBOOK_BASE_URL, graph_date });
  }
}

/** A secret anyone can read in this file: fine on your own machine, never on a server. */
const DEVELOPMENT_COOKIE_SECRET = "tornado-ts facebook demo: development only, pass --cookie_secret";

/** The demo's routes and settings. */
export class Application extends web.Application {
  constructor(facebook_api_key: string, facebook_secret: string, cookie_secret: string) {
    super(
      [
        ["/", MainHandler],
        ["/auth/login", AuthLoginHandler],
        ["/auth/logout", AuthLogoutHandler],
      ],
      {
        cookie_secret,
        login_url: "/auth/login",
        template_path: join(__dirname, "templates"),
        static_path: join(__dirname, "static"),
        xsrf_cookies: true,
        facebook_api_key,
        facebook_secret,
        ui_modules: { Post: PostModule },
      },
    );
  }
}

function main(): void {
  parse_command_line();
  if (!(options.facebook_api_key && options.facebook_secret)) {
    console.log("--facebook_api_key and --facebook_secret must be set");
    process.exitCode = 1;
    return;
  }
  if (options.facebook_base_url) pointFacebookAt(options.facebook_base_url);
  if (!options.cookie_secret) log.app_log.warning("No --cookie_secret given: using the development secret.");
  const app = new Application(
    options.facebook_api_key,
    options.facebook_secret,
    options.cookie_secret || DEVELOPMENT_COOKIE_SECRET,
  );
  app.listen(options.port, options.address || undefined);
  console.log(`Facebook demo at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the handlers.
if (require.main === module) main();
