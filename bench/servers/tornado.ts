/** tornado-ts contestant. `--routes N` builds the routing app instead; `--static DIR` adds /static/. */
import { web, websocket, log, ioloop } from "../../src";
import { parseArgs, stats, JSON_BODY, exitOnSignal, formReply } from "./common";

const args = parseArgs();
exitOnSignal();
log.access_log.setLevel(log.WARNING);

class HelloHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}
class JsonHandler extends web.RequestHandler {
  get() {
    this.write(JSON_BODY);
  }
}
class UserHandler extends web.RequestHandler {
  get(id: string) {
    this.write(`user ${id}`);
  }
}
class FormHandler extends web.RequestHandler {
  post() {
    this.write(formReply(this.get_body_argument("name"), this.get_body_argument("email")));
  }
}
class StatsHandler extends web.RequestHandler {
  get() {
    this.set_header("Content-Type", "application/json");
    this.write(stats());
  }
}
class EchoSocket extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    void this.write_message(message, typeof message !== "string");
  }
}
class BroadcastSocket extends websocket.WebSocketHandler {
  static clients = new Set<BroadcastSocket>();
  open() {
    BroadcastSocket.clients.add(this);
  }
  on_message(message: string | Buffer) {
    for (const c of BroadcastSocket.clients) void c.write_message(message);
  }
  on_close() {
    BroadcastSocket.clients.delete(this);
  }
}

let routes: web.Route[];
if (args.routes > 0) {
  routes = [];
  for (let i = 0; i < args.routes; i++) routes.push([`/route${i}/([0-9]+)`, UserHandler]);
} else {
  routes = [
    ["/hello", HelloHandler],
    ["/json", JsonHandler],
    ["/user/([0-9]+)", UserHandler],
    ["/stats", StatsHandler],
    ["/form", FormHandler],
    ["/ws/echo", EchoSocket],
    ["/ws/bcast", BroadcastSocket],
  ];
  if (args.staticDir) routes.push(["/static/(.*)", web.StaticFileHandler, { path: args.staticDir }]);
}
const app = new web.Application(routes, { log_function: () => {} });
app.listen(args.port, "127.0.0.1");
ioloop.IOLoop.current().start();
