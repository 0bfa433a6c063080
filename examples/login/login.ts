/**
 * Logging in with a signed cookie, as in the "User authentication" part of Tornado's security
 * guide: the visitor gives a name, the server keeps it in a cookie signed with `cookie_secret`,
 * and `@web.authenticated` sends anyone without one to the login form.
 *
 * There are no passwords: this shows the mechanics (signed cookies, `get_current_user`,
 * `authenticated`, `login_url`, XSRF-protected forms, a safe `next`), not an account system;
 * `examples/blog` has one.
 *
 * Run it with `npx tsx examples/login/login.ts` and open http://localhost:8888/. Flags:
 * `--port=N`, `--address=IP`, `--cookie_secret=...` (without it a fixed development secret is
 * used, with a warning).
 */
import { join } from "node:path";
import { web, log, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });
define("cookie_secret", { help: "signs the login cookie (default: a development secret anyone can read here)" });

/** Reads the user from the signed `user` cookie; a missing, forged or expired cookie is no user. */
export class BaseHandler extends web.RequestHandler {
  get_current_user(): string | null {
    return this.get_signed_cookie("user")?.toString("utf8") ?? null;
  }
}

/** `/`: a greeting, for logged-in visitors only. */
export class MainHandler extends BaseHandler {
  @web.authenticated
  get() {
    return this.render("index.html", { name: this.current_user });
  }
}

/**
 * Whether `next` is a path on this site. Anything else (`https://elsewhere/`, `//elsewhere/`,
 * which browsers read as a URL, or `/\elsewhere/`, which some do too) would make the login form
 * an open redirect.
 */
export function is_local_path(next: string): boolean {
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
}

/** `/login`: the form, and the POST that sets the cookie. */
export class LoginHandler extends BaseHandler {
  get() {
    return this.render("login.html", { next: this.get_argument("next", "/"), error: null });
  }

  post() {
    const name = this.get_argument("name", "");
    const next = this.get_argument("next", "/");
    if (name === "") {
      this.set_status(400);
      return this.render("login.html", { next, error: "Please give a name." });
    }
    this.set_signed_cookie("user", name);
    this.redirect(is_local_path(next) ? next : "/");
  }
}

/** `/logout`: forgets the cookie and goes back to the start (which then asks for a login). */
export class LogoutHandler extends BaseHandler {
  get() {
    this.clear_cookie("user");
    this.redirect("/");
  }
}

/** The application: three pages, signed cookies, XSRF checks on every POST. */
export class Application extends web.Application {
  constructor(cookie_secret: string) {
    super(
      [
        ["/", MainHandler],
        ["/login", LoginHandler],
        ["/logout", LogoutHandler],
      ],
      {
        cookie_secret,
        login_url: "/login",
        xsrf_cookies: true,
        template_path: join(__dirname, "templates"),
      },
    );
  }
}

/** A secret anyone can read in this file: fine on your own machine, never on a server. */
const DEVELOPMENT_COOKIE_SECRET = "tornado-ts login demo: development only, pass --cookie_secret";

/** `--cookie_secret`, or the development secret with a warning. */
function cookieSecret(): string {
  if (options.cookie_secret) return options.cookie_secret;
  log.app_log.warning(
    "No --cookie_secret given: using the development secret, which anyone can read in login.ts. Do not use it on a server.",
  );
  return DEVELOPMENT_COOKIE_SECRET;
}

function main(): void {
  parse_command_line();
  new Application(cookieSecret()).listen(options.port, options.address || undefined);
  console.log(`Login demo at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the handlers.
if (require.main === module) main();
