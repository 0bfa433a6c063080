import { join } from "node:path";
import { web, websocket, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });
define("pubsub_url", { default: "", help: "share the room through this Redis, e.g. redis://127.0.0.1:6379/0" });

class ChatPage extends web.RequestHandler {
  get() {
    return this.render("chat.html");
  }
}

type Message = { name: string; text: string } | { notice: string };

class ChatSocket extends websocket.WebSocketHandler {
  name = "";

  open() {
    this.name = this.get_argument("name", "").trim().slice(0, 30) || "Guest";
    this.subscribe("room", (message: Message) => this.write_message(message));
    this.say({ notice: `${this.name} joined.` });
  }

  on_message(message: string | Buffer) {
    this.say({ name: this.name, text: message.toString() });
  }

  on_close() {
    this.say({ notice: `${this.name} left.` });
  }

  say(message: Message) {
    this.application.pubsub.publish("room", message);
  }
}

parse_command_line();
const app = new web.Application(
  [
    ["/", ChatPage],
    ["/ws/chat", ChatSocket],
  ],
  {
    template_path: join(__dirname, "templates"),
    static_path: join(__dirname, "static"),
    pubsub_url: options.pubsub_url || null,
  },
);
app.listen(options.port);
console.log(`Chat at http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
