/** Express 5 contestant (HTTP only: Express has no WebSocket support of its own). */
import express from "express";
import { parseArgs, stats, JSON_BODY, exitOnSignal } from "./common";

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
app.get("/stats", (_req, res) => {
  res.type("json").send(stats());
});
app.listen(args.port, "127.0.0.1");
