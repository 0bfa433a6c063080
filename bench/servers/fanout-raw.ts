/**
 * The anchor of the fan-out scenario (bench/fanout.ts): raw node:http + `ws` in one process;
 * a message on `/ws/send` is sent to every `/ws/fanout` connection in a plain loop. `/hello`
 * answers the readiness check.
 */
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { parseArgs, exitOnSignal } from "./common";

const args = parseArgs();
exitOnSignal();
const receivers = new Set<WebSocket>();
const wss = new WebSocketServer({ noServer: true });

const server = createServer((req, res) => {
  res.writeHead(req.url === "/hello" ? 200 : 404, { "Content-Type": "text/html; charset=UTF-8" });
  res.end(req.url === "/hello" ? "Hello, world" : "");
});
server.on("upgrade", (req, socket, head) => {
  if (req.url === "/ws/fanout") {
    wss.handleUpgrade(req, socket, head, (ws) => {
      receivers.add(ws);
      ws.on("close", () => receivers.delete(ws));
    });
  } else if (req.url === "/ws/send") {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => {
        for (const r of receivers) r.send(data, { binary: isBinary });
      });
    });
  } else {
    socket.destroy();
  }
});
server.listen(args.port, "127.0.0.1");
