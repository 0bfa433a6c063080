import { web, websocket, ioloop } from "tornado-ts";

class MainHandler extends web.RequestHandler {
  get() {
    this.write(`Hello, ${this.get_argument("name", "world")}`);
  }
}

class EchoSocket extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    this.write_message(message);
  }
}

export function make_app() {
  return new web.Application([
    ["/", MainHandler],
    ["/ws/echo", EchoSocket],
  ]);
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8888);
  make_app().listen(port);
  console.log(`Listening on http://localhost:${port}/`);
  ioloop.IOLoop.current().start();
}
