import { web, log, ioloop } from "tornado-ts";

class MainHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

const port = Number(process.env.PORT ?? 8888);
const app = new web.Application([["/", MainHandler]]);
log.enable_pretty_logging();
app.listen(port);
console.log(`Listening on http://localhost:${port}/`);
ioloop.IOLoop.current().start();
