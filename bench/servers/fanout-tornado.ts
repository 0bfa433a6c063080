/**
 * tornado-ts server of the fan-out scenario (bench/fanout.ts): each `/ws/fanout` connection
 * subscribes to the channel `fanout` through `WebSocketHandler.subscribe`; a text message on
 * `/ws/send` is published there with `app.pubsub`. `--pubsub_url redis://…` puts the bus on Redis;
 * `--workers N` serves from N processes (`HTTPServer.bind` + `start(N)`). `/hello` answers the
 * readiness check and the `workers` scenario.
 */
import { web, websocket, log, ioloop, httpserver } from "../../src";
import { parseArgs, exitOnSignal } from "./common";

const CHANNEL = "fanout";
const args = parseArgs();
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const workers = Number(flag("workers") ?? "1");
const pubsub_url = flag("pubsub_url") ?? null;
exitOnSignal();
log.access_log.setLevel(log.WARNING);

class HelloHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}
/** A receiving client: every message published on the channel is written to it. */
class FanoutSocket extends websocket.WebSocketHandler {
  open() {
    this.subscribe(CHANNEL, (message) => void this.write_message(message as string));
  }
}
/** The sender: each of its messages is published on the channel. */
class SendSocket extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    this.application.pubsub.publish(CHANNEL, message);
  }
}

const app = new web.Application(
  [
    ["/hello", HelloHandler],
    ["/ws/fanout", FanoutSocket],
    ["/ws/send", SendSocket],
  ],
  { log_function: () => {}, pubsub_url },
);
const server = new httpserver.HTTPServer(app);
server.bind(args.port, "127.0.0.1");
server.start(workers);
ioloop.IOLoop.current().start();
