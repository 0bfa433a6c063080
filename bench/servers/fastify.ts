/** Fastify 5 contestant (HTTP only: WebSockets need a plugin not part of Fastify). */
import Fastify from "fastify";
import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import { parseArgs, stats, JSON_BODY, exitOnSignal, formReply } from "./common";

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
void app.register(formbody);
if (args.staticDir) void app.register(fastifyStatic, { root: args.staticDir, prefix: "/static/" });
app.post<{ Body: Record<string, string> }>("/form", async (req, reply) => {
  reply.type("text/html; charset=UTF-8");
  return formReply(req.body.name, req.body.email);
});
app.get("/stats", async (_req, reply) => {
  reply.type("application/json");
  return stats();
});
app.listen({ port: args.port, host: "127.0.0.1" }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
