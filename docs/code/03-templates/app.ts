import { join } from "node:path";
import { web, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class ListHandler extends web.RequestHandler {
  get() {
    const items = ["bread", "cheese", "<olives>"];
    return this.render("list.html", { title: "Shopping", items });
  }
}

parse_command_line();
const app = new web.Application([["/", ListHandler]], {
  template_path: join(__dirname, "templates"),
  static_path: join(__dirname, "static"),
});
app.listen(options.port);
console.log(`Listening on http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
