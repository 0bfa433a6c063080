import { join } from "node:path";
import { web, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class BaseHandler extends web.RequestHandler {
  get_current_user() {
    return this.get_signed_cookie("user")?.toString() ?? null;
  }
}

class HomeHandler extends BaseHandler {
  @web.authenticated
  get() {
    const visits = Number(this.get_cookie("visits", "0")) + 1;
    this.set_cookie("visits", String(visits));
    return this.render("home.html", { name: this.current_user, visits });
  }
}

class LoginHandler extends BaseHandler {
  get() {
    return this.render("login.html", { error: null });
  }

  post() {
    const name = this.get_argument("name", "");
    if (name === "") {
      this.set_status(400);
      return this.render("login.html", { error: "Please give a name." });
    }
    this.set_signed_cookie("user", name);
    this.redirect("/");
  }
}

class LogoutHandler extends BaseHandler {
  post() {
    this.clear_cookie("user");
    this.redirect("/login");
  }
}

parse_command_line();
const app = new web.Application(
  [
    ["/", HomeHandler],
    ["/login", LoginHandler],
    ["/logout", LogoutHandler],
  ],
  {
    template_path: join(__dirname, "templates"),
    cookie_secret: process.env.COOKIE_SECRET ?? "change me: a long random string",
    login_url: "/login",
    xsrf_cookies: true,
  },
);
app.listen(options.port);
console.log(`Listening on http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
