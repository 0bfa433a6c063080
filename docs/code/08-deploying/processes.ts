import { httpserver, ioloop, process as tprocess, web } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });
define("tidy_every", { default: 60, type: "float", help: "seconds between worker 0's tidy-ups" });

class MainHandler extends web.RequestHandler {
  get() {
    this.write(`Hello from worker ${tprocess.task_id()}, process ${process.pid}`);
  }
}

parse_command_line();
const app = new web.Application([["/", MainHandler]]);
const server = new httpserver.HTTPServer(app);
server.bind(options.port);
if (server.start(0)) {
  console.log(`Worker ${tprocess.task_id()} (process ${process.pid}) listening on http://localhost:${options.port}/`);
}
// A job for one worker only: task ids run from 0, and a restarted worker keeps its own.
if (tprocess.task_id() === 0) {
  const tidy = () => console.log(`Worker ${tprocess.task_id()} tidies up`);
  new ioloop.PeriodicCallback(tidy, options.tidy_every * 1000).start();
}
ioloop.IOLoop.current().start();
