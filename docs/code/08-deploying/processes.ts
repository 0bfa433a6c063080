import { httpserver, ioloop, process as tprocess, web } from "tornado-ts";

class MainHandler extends web.RequestHandler {
  get() {
    this.write(`Hello from worker ${tprocess.task_id()}, process ${process.pid}`);
  }
}

const port = Number(process.env.PORT ?? 8888);
const app = new web.Application([["/", MainHandler]]);
const server = new httpserver.HTTPServer(app);
server.bind(port);
if (server.start(0)) {
  console.log(`Worker ${tprocess.task_id()} (process ${process.pid}) listening on http://localhost:${port}/`);
}
// A job for one worker only: task ids run from 0, and a restarted worker keeps its own.
if (tprocess.task_id() === 0) {
  new ioloop.PeriodicCallback(() => console.log("Worker 0 tidies up"), 60_000).start();
}
ioloop.IOLoop.current().start();
