import { join } from "node:path";
import { web, websocket, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class ChatPage extends web.RequestHandler {
  get() {
    return this.render("chat.html");
  }
}

type Message = { name: string; text: string } | { notice: string };

class ChatSocket extends websocket.WebSocketHandler {
  static clients = new Set<ChatSocket>();
  name = "";

  static broadcast(message: Message) {
    for (const client of ChatSocket.clients) {
      try {
        client.write_message(message);
      } catch (error) {
        if (!(error instanceof websocket.WebSocketClosedError)) throw error;
      }
    }
  }

  open() {
    this.name = this.get_argument("name", "").trim().slice(0, 30) || "Guest";
    ChatSocket.clients.add(this);
    ChatSocket.broadcast({ notice: `${this.name} joined: ${ChatSocket.clients.size} here now.` });
  }

  on_message(message: string | Buffer) {
    ChatSocket.broadcast({ name: this.name, text: message.toString() });
  }

  on_close() {
    ChatSocket.clients.delete(this);
    ChatSocket.broadcast({ notice: `${this.name} left: ${ChatSocket.clients.size} here now.` });
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
  },
);
app.listen(options.port);
console.log(`Chat at http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
