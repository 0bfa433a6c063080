import { web, log, ioloop } from "tornado-ts";

class MainHandler extends web.RequestHandler {
  get() {
    this.write(`Hello from process ${process.pid}; you are ${this.request.remote_ip} over ${this.request.protocol}`);
  }
}

const port = Number(process.env.PORT ?? 8888);
const app = new web.Application([["/", MainHandler]]);
log.enable_pretty_logging();
app.listen(port, "127.0.0.1", { xheaders: true });
process.on("SIGTERM", () => ioloop.IOLoop.current().stop());
ioloop.IOLoop.current().start();
