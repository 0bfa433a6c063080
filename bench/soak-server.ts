/**
 * The application the soak (`bench/soak.ts`) drives, in a process of its own so its memory is
 * measured alone. Started by the driver as `node --expose-gc --import tsx bench/soak-server.ts`
 * with an IPC channel; it listens on a free loopback port and sends `{ type: "listening", port }`.
 *
 * Routes: `/hello` (HTTP load), `/probe` (the latency probe), `/ws` (WebSocket echo).
 * Every handler instance is registered with a FinalizationRegistry, so after a GC the driver can
 * see how many were made and how many were collected: a leaked handler stays "live".
 * IPC `{ type: "stats", id }` is answered with `{ type: "stats", id, ...Stats }` after a full GC.
 */
import { web, websocket, httpserver, log } from "../src";

/** Counts of handler instances of one kind. */
interface Instances {
  made: number;
  collected: number;
}

/** What the server reports about itself: bytes, counts. */
export interface Stats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** WebSocket connections open now (open() ran, on_close not yet). */
  wsOpen: number;
  handlers: { http: Instances; ws: Instances };
  /** Log records at WARNING and above, by logger and level. */
  logged: Record<string, number>;
}

const instances = { http: { made: 0, collected: 0 }, ws: { made: 0, collected: 0 } };
const collected = new FinalizationRegistry<"http" | "ws">((kind) => instances[kind].collected++);
const logged: Record<string, number> = {};
let wsOpen = 0;

function track(handler: object, kind: "http" | "ws"): void {
  instances[kind].made++;
  collected.register(handler, kind);
}

class Hello extends web.RequestHandler {
  initialize() {
    track(this, "http");
  }
  get() {
    this.write("Hello, world");
  }
}

class Probe extends web.RequestHandler {
  initialize() {
    track(this, "http");
  }
  get() {
    this.write({ ok: true, at: Date.now() });
  }
}

class Echo extends websocket.WebSocketHandler {
  initialize() {
    track(this, "ws");
  }
  open() {
    wsOpen++;
  }
  on_message(message: string | Buffer) {
    void this.write_message(message, Buffer.isBuffer(message));
  }
  on_close() {
    wsOpen--;
  }
}

function countLog(record: log.LogRecord): void {
  if (record.levelno < log.WARNING) return;
  const key = `${record.name} ${record.levelname}`;
  logged[key] = (logged[key] ?? 0) + 1;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Full GCs with turns of the event loop between them, so finalization callbacks get to run. */
async function collect(): Promise<void> {
  if (!gc) return;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function stats(): Promise<Stats> {
  await collect();
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    wsOpen,
    handlers: { http: { ...instances.http }, ws: { ...instances.ws } },
    logged: { ...logged },
  };
}

async function main(): Promise<void> {
  if (!gc) throw new Error("soak-server needs --expose-gc");
  if (!process.send) throw new Error("soak-server runs as a child of bench/soak.ts (an IPC channel is needed)");
  log.getLogger().addHandler(countLog);
  log.access_log.setLevel(log.WARNING);
  const app = new web.Application(
    [
      ["/hello", Hello],
      ["/probe", Probe],
      ["/ws", Echo],
    ],
    { log_function: () => {} },
  );
  const server = new httpserver.HTTPServer(app, {});
  server.listen(0, "127.0.0.1");
  await server.ready();
  process.on("message", (message: { type: string; id: number }) => {
    if (message.type === "stats") void stats().then((s) => process.send!({ type: "stats", id: message.id, ...s }));
    if (message.type === "exit") process.exit(0);
  });
  process.on("disconnect", () => process.exit(0)); // the driver went away: so do we
  process.send({ type: "listening", port: server.port });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
