import { web, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class MainHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

parse_command_line();
const app = new web.Application([["/", MainHandler]]);
app.listen(options.port);
console.log(`Listening on http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
