import { join } from "node:path";
import { web, websocket, ioloop } from "tornado-ts";

class ChatPage extends web.RequestHandler {
  get() {
    return this.render("chat.html");
  }
}

class ChatSocket extends websocket.WebSocketHandler {
  static clients = new Set<ChatSocket>();

  static broadcast(text: string) {
    for (const client of ChatSocket.clients) {
      try {
        client.write_message(text);
      } catch (error) {
        if (!(error instanceof websocket.WebSocketClosedError)) throw error;
      }
    }
  }

  open() {
    ChatSocket.clients.add(this);
    ChatSocket.broadcast(`Someone joined: ${ChatSocket.clients.size} here now.`);
  }

  on_message(message: string | Buffer) {
    ChatSocket.broadcast(message.toString());
  }

  on_close() {
    ChatSocket.clients.delete(this);
    ChatSocket.broadcast(`Someone left: ${ChatSocket.clients.size} here now.`);
  }
}

const port = Number(process.env.PORT ?? 8888);
const app = new web.Application(
  [
    ["/", ChatPage],
    ["/ws/chat", ChatSocket],
  ],
  { template_path: join(__dirname, "templates") },
);
app.listen(port);
console.log(`Chat at http://localhost:${port}/`);
ioloop.IOLoop.current().start();
