/**
 * Tornado's hello-world: answers "Hello, world" at http://localhost:8888/.
 * Run it with `npm start`, or `npx tsx examples/helloworld.ts --port=9000` for another port.
 */
import { web, ioloop } from "tornado-ts";

function portFromArgs(args: string[], fallback: number): number {
  const flag = args.find((arg) => arg.startsWith("--port="));
  const port = flag ? Number(flag.slice("--port=".length)) : fallback;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${flag}`);
  return port;
}

class MainHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

const port = portFromArgs(process.argv.slice(2), 8888);
const application = new web.Application([["/", MainHandler]]);
application.listen(port);
console.log(`Listening on http://localhost:${port}/`);
ioloop.IOLoop.current().start();
