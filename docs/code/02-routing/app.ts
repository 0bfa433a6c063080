import { web, escape, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class HomeHandler extends web.RequestHandler {
  get() {
    const name = this.get_argument("name", "stranger");
    this.write(`Hello, ${escape.xhtml_escape(name)}`);
  }
}

class UserHandler extends web.RequestHandler {
  get(id: string) {
    this.write({ id: Number(id), tab: this.get_argument("tab", "profile") });
  }
}

class PostHandler extends web.RequestHandler {
  get({ year, slug }: { year: string; slug: string }) {
    this.write(`Post "${escape.xhtml_escape(slug)}" from ${year}`);
  }
}

class AboutHandler extends web.RequestHandler {
  @web.removeslash
  get() {
    this.write("About this site");
  }
}

parse_command_line();
const app = new web.Application([
  ["/", HomeHandler],
  ["/user/(\\d+)", UserHandler],
  web.url("/posts/(?P<year>\\d{4})/(?P<slug>[a-z0-9-]+)", PostHandler, {}, "post"),
  ["/about/?", AboutHandler],
]);
app.listen(options.port);
console.log(`Listening on http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
