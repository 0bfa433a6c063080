import { web, websocket, ioloop } from "tornado-ts";

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

const port = Number(process.env.PORT ?? 8888);
const app = new web.Application([
  ["/", MainHandler],
  ["/ws/geri", Geri],
]);
app.listen(port);
console.log(`Listening on http://localhost:${port}/`);
ioloop.IOLoop.current().start();
