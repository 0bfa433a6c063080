import { web, websocket, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: Number(process.env.PORT ?? 8888), type: "int", help: "run on the given port" });

class MainHandler extends web.RequestHandler {
  get() {
    this.write("Open the console (F12) on this page and talk to /ws/geri.");
  }
}

class Geri extends websocket.WebSocketHandler {
  on_open() {
    console.log("Bağlantı kuruldu");
  }

  on_message(mesaj: string | Buffer) {
    console.log(mesaj);
    this.write_message(mesaj);
  }

  on_close() {
    console.log("Bağlantı kapandı");
  }
}

parse_command_line();
const app = new web.Application([
  ["/", MainHandler],
  ["/ws/geri", Geri],
]);
app.listen(options.port);
console.log(`Listening on http://localhost:${options.port}/`);
ioloop.IOLoop.current().start();
