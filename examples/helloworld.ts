/**
 * Tornado's hello-world: answers "Hello, world" at http://localhost:8888/.
 * Run it with `npm start`, or `npx tsx examples/helloworld.ts --port=9000` for another port.
 */
import { web, ioloop, log } from "tornado-ts";
import { exampleArgs } from "./args";

class MainHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

const { port, address } = exampleArgs();
log.enable_pretty_logging();
const application = new web.Application([["/", MainHandler]]);
application.listen(port, address);
console.log(`Listening on http://localhost:${port}/`);
ioloop.IOLoop.current().start();
