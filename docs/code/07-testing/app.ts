import { web, websocket, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class MainHandler extends web.RequestHandler {
  get() {
    this.write(`Hello, ${this.get_argument("name", "world")}`);
  }
}

class EchoSocket extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    this.write_message(message);
  }
}

export function make_app() {
  return new web.Application([
    ["/", MainHandler],
    ["/ws/echo", EchoSocket],
  ]);
}

if (require.main === module) {
  parse_command_line();
  make_app().listen(options.port);
  console.log(`Listening on http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}
