/**
 * Tornado's hello-world: answers "Hello, world" at http://localhost:8888/.
 * Run it with `npm start`, or `npx tsx examples/helloworld.ts --port=9000` for another port.
 */
import { web, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });

class MainHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

// Reads --port and --address (--help lists them) and turns on the log lines, as in Tornado.
parse_command_line();
const application = new web.Application([["/", MainHandler]]);
application.listen(options.port, options.address || undefined);
console.log(`Listening on http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
