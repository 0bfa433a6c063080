/**
 * The tutorial's WebSocket echo, "Geri" ("back"): it prints "Bağlantı kuruldu" ("connection
 * established") when a connection opens, prints and sends back every message, and prints
 * "Bağlantı kapandı" ("connection closed") when it closes.
 *
 * Run it with `npm start` (or `npx tsx examples/geri/geri.ts --port=9000`), open
 * http://localhost:8888/ and talk to it from the page, or from the browser console (F12):
 *
 *   var ws = new WebSocket("ws://localhost:8888/ws/geri");
 *   ws.onmessage = function(mesaj){console.log(mesaj)}
 *   ws.send("Merhaba")
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { web, websocket, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });

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

/** The page at `/`: a small client for the echo, so the example works without the console. */
const page = readFileSync(join(__dirname, "index.html"));

class Sayfa extends web.RequestHandler {
  get() {
    this.write(page);
  }
}

const app = new web.Application([
  ["/", Sayfa],
  ["/ws/geri", Geri],
]);
parse_command_line();
app.listen(options.port, options.address || undefined);
console.log(`http://localhost:${options.port}/ adresinde dinleniyor (listening)`);

ioloop.IOLoop.current().start();
