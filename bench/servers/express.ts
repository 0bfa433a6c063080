/** Express 5 contestant (HTTP only: Express has no WebSocket support of its own). */
import express from "express";
import { parseArgs, stats, JSON_BODY, exitOnSignal, formReply } from "./common";

const args = parseArgs();
exitOnSignal();
const app = express();
app.disable("x-powered-by");
app.get("/hello", (_req, res) => {
  res.type("html").send("Hello, world");
});
app.get("/json", (_req, res) => {
  res.json(JSON_BODY);
});
app.get("/user/:id", (req, res) => {
  res.type("html").send(`user ${req.params.id}`);
});
app.post("/form", express.urlencoded({ extended: false }), (req, res) => {
  const body = req.body as Record<string, string>;
  res.type("html").send(formReply(body.name, body.email));
});
app.get("/stats", (_req, res) => {
  res.type("json").send(stats());
});
app.listen(args.port, "127.0.0.1");
