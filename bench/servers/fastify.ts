/** Fastify 5 contestant (HTTP only: WebSockets need a plugin not part of Fastify). */
import Fastify from "fastify";
import { parseArgs, stats, JSON_BODY, exitOnSignal } from "./common";

const args = parseArgs();
exitOnSignal();
const app = Fastify({ logger: false });
app.get("/hello", async (_req, reply) => {
  reply.type("text/html; charset=UTF-8");
  return "Hello, world";
});
app.get("/json", async () => JSON_BODY);
app.get<{ Params: { id: string } }>("/user/:id", async (req, reply) => {
  reply.type("text/html; charset=UTF-8");
  return `user ${req.params.id}`;
});
app.get("/stats", async (_req, reply) => {
  reply.type("application/json");
  return stats();
});
app.listen({ port: args.port, host: "127.0.0.1" }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
