/** Raw node:http + ws contestant: the practical limit. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { parseArgs, stats, JSON_BODY, exitOnSignal, formReply } from "./common";

const args = parseArgs();
exitOnSignal();
const USER = /^\/user\/([0-9]+)$/;

/** POST /form: the collected body through querystring.parse. */
function form(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const f = parseQuery(Buffer.concat(chunks).toString("latin1"));
    res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8" });
    res.end(formReply(f.name, f.email));
  });
}
const server = createServer((req, res) => {
  const url = req.url ?? "/";
  if (url === "/hello") {
    res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8" });
    res.end("Hello, world");
  } else if (url === "/json") {
    res.writeHead(200, { "Content-Type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(JSON_BODY));
  } else if (url === "/form" && req.method === "POST") {
    form(req, res);
  } else if (url === "/stats") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(stats());
  } else if (args.staticDir && url.startsWith("/static/") && !url.includes("..")) {
    const file = join(args.staticDir, url.slice("/static/".length));
    res.writeHead(200, { "Content-Type": "application/octet-stream" });
    createReadStream(file)
      .on("error", () => res.destroy())
      .pipe(res);
  } else {
    const m = USER.exec(url);
    if (m) {
      res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8" });
      res.end(`user ${m[1]}`);
    } else {
      res.writeHead(404);
      res.end();
    }
  }
});
const wss = new WebSocketServer({ noServer: true });
const bcast = new Set<WebSocket>();
server.on("upgrade", (req, socket, head) => {
  if (req.url === "/ws/echo") {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  } else if (req.url === "/ws/bcast") {
    wss.handleUpgrade(req, socket, head, (ws) => {
      bcast.add(ws);
      ws.on("message", (data, isBinary) => {
        for (const c of bcast) c.send(data, { binary: isBinary });
      });
      ws.on("close", () => bcast.delete(ws));
    });
  } else {
    socket.destroy();
  }
});
server.listen(args.port, "127.0.0.1");
