import { web, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class MainHandler extends web.RequestHandler {
  get() {
    this.write(`Hello from process ${process.pid}; you are ${this.request.remote_ip} over ${this.request.protocol}`);
  }
}

parse_command_line();
const app = new web.Application([["/", MainHandler]]);
app.listen(options.port, "127.0.0.1", { xheaders: true });
process.on("SIGTERM", () => ioloop.IOLoop.current().stop());
ioloop.IOLoop.current().start();
