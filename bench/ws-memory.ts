/**
 * Heap bytes an idle WebSocket connection costs the server: raw `node:http` + `ws`
 * (`WebSocketServer` in `noServer` mode, echo) against a tornado-ts `WebSocketHandler` echo.
 *
 *   npx tsx --expose-gc bench/ws-memory.ts [N=2000] [--rounds 3] [--census]
 *
 * Each round starts a fresh server process and a client process (so the clients' memory is not
 * counted). The client opens and closes a few connections first (code paths warm, one-time
 * allocations made), the server forces GC and records its heap, then the client opens N
 * connections, each sending one message and waiting for its echo, and leaves them idle; the
 * server forces GC again. Bytes per connection = heapUsed delta / N; the median of the rounds
 * is reported. `--census` also writes a heap snapshot before and after in the first round and
 * lists, per connection, what the server's heap gained by constructor name (self sizes).
 */
import { fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import WebSocket, { WebSocketServer } from "ws";

type Kind = "raw" | "tornado";
type ToServer = { cmd: "measure"; snapshot: string | null } | { cmd: "exit" };
type FromServer = { port: number } | { heapUsed: number; external: number };
type FromClient = { warm: true } | { open: number } | { error: string };

const WARM_CONNECTIONS = 50;
const OPEN_BATCH = 100;

// ---------------------------------------------------------------- server process

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc (npx tsx --expose-gc bench/ws-memory.ts)");
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function startRaw(): Promise<number> {
  const server = http.createServer((_req, res) => res.end());
  const wss = new WebSocketServer({ noServer: true, clientTracking: false });
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function startTornado(): Promise<number> {
  const { web, websocket, log } = await import("../src");
  log.access_log.setLevel(log.WARNING);
  class EchoSocket extends websocket.WebSocketHandler {
    on_message(message: string | Buffer) {
      void this.write_message(message, typeof message !== "string");
    }
  }
  const app = new web.Application([["/ws/echo", EchoSocket]], { log_function: () => {} });
  const server = await app.listen(0, "127.0.0.1").ready();
  return server.port!;
}

async function serve(kind: Kind): Promise<void> {
  const port = kind === "raw" ? await startRaw() : await startTornado();
  process.on("message", (msg: ToServer) => {
    if (msg.cmd === "exit") process.exit(0);
    void collect().then(() => {
      const usage = process.memoryUsage();
      // The snapshot goes to a file the parent parses: nothing of it stays in this heap.
      if (msg.snapshot !== null) v8.writeHeapSnapshot(msg.snapshot);
      process.send!({ heapUsed: usage.heapUsed, external: usage.external } satisfies FromServer);
    });
  });
  process.send!({ port } satisfies FromServer);
}

// ---------------------------------------------------------------- client process

function openOne(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("error", reject);
    ws.once("open", () => ws.send("hello"));
    ws.once("message", () => resolve(ws));
  });
}

async function openMany(url: string, n: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += OPEN_BATCH) {
    const batch: Promise<WebSocket>[] = [];
    for (let j = i; j < Math.min(n, i + OPEN_BATCH); j++) batch.push(openOne(url));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

async function client(port: number, n: number): Promise<void> {
  const url = `ws://127.0.0.1:${port}/ws/echo`;
  try {
    const warm = await openMany(url, WARM_CONNECTIONS);
    await Promise.all(warm.map((ws) => new Promise((resolve) => (ws.once("close", resolve), ws.close()))));
    process.send!({ warm: true } satisfies FromClient);
    await new Promise((resolve) => process.once("message", resolve));
    const sockets = await openMany(url, n);
    process.send!({ open: sockets.length } satisfies FromClient);
    process.once("message", () => process.exit(0));
  } catch (err) {
    process.send!({ error: String(err) } satisfies FromClient);
  }
}

// ---------------------------------------------------------------- parent

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before answering`));
    child.once("exit", onExit);
    child.once("message", (msg: T) => {
      child.off("exit", onExit);
      resolve(msg);
    });
  });
}

function spawnSelf(...args: string[]): ChildProcess {
  return fork(__filename, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

async function round(
  kind: Kind,
  n: number,
  snapshots: [string, string] | null,
): Promise<{ heap: number; external: number }> {
  const server = spawnSelf("server", kind);
  const { port } = await next<{ port: number }>(server);
  const clients = spawnSelf("client", String(port), String(n));
  try {
    const warm = await next<FromClient>(clients);
    if ("error" in warm) throw new Error(warm.error);
    server.send({ cmd: "measure", snapshot: snapshots?.[0] ?? null } satisfies ToServer);
    const before = await next<{ heapUsed: number; external: number }>(server);
    clients.send("go");
    const opened = await next<FromClient>(clients);
    if ("error" in opened) throw new Error(opened.error);
    server.send({ cmd: "measure", snapshot: snapshots?.[1] ?? null } satisfies ToServer);
    const after = await next<{ heapUsed: number; external: number }>(server);
    return { heap: (after.heapUsed - before.heapUsed) / n, external: (after.external - before.external) / n };
  } finally {
    clients.kill();
    server.kill();
  }
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes and counts by constructor name (objects, closures) or by node type (strings, arrays, code...). */
function census(file: string): Map<string, { count: number; bytes: number }> {
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = types[data.nodes[i + typeAt]];
    const name = data.strings[data.nodes[i + nameAt]];
    const key =
      type === "object" || type === "closure" ? `${name}${type === "closure" ? " (closure)" : ""}` : `(${type})`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += data.nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

function printCensus(kind: Kind, files: [string, string], n: number): void {
  const before = census(files[0]);
  const after = census(files[1]);
  const rows: Array<[string, number, number]> = [];
  for (const [key, { count, bytes }] of after) {
    const base = before.get(key) ?? { count: 0, bytes: 0 };
    const perConn = (bytes - base.bytes) / n;
    if (Math.abs(perConn) >= 8) rows.push([key, (count - base.count) / n, perConn]);
  }
  rows.sort((a, b) => b[2] - a[2]);
  console.log(`\n${kind}: heap gained per connection, by constructor (self sizes; >= 8 B)`);
  let total = 0;
  for (const [key, count, bytes] of rows) {
    total += bytes;
    console.log(`  ${bytes.toFixed(0).padStart(7)} B  ${count.toFixed(2).padStart(6)} x  ${key}`);
  }
  console.log(`  ${total.toFixed(0).padStart(7)} B  total of the rows`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const n = Number(argv.find((a) => /^[0-9]+$/.test(a)) ?? 2000);
  const roundsAt = argv.indexOf("--rounds");
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : 3;
  const wantCensus = argv.includes("--census");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ws-memory-"));
  const results: Record<Kind, number[]> = { raw: [], tornado: [] };
  const external: Record<Kind, number[]> = { raw: [], tornado: [] };
  for (let r = 0; r < rounds; r++) {
    for (const kind of ["raw", "tornado"] as Kind[]) {
      const files: [string, string] | null =
        wantCensus && r === 0
          ? [path.join(dir, `${kind}-0.heapsnapshot`), path.join(dir, `${kind}-1.heapsnapshot`)]
          : null;
      const { heap, external: ext } = await round(kind, n, files);
      results[kind].push(heap);
      external[kind].push(ext);
      if (files !== null) printCensus(kind, files, n);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const raw = median(results.raw);
  const tornado = median(results.tornado);
  console.log(`\nidle WebSocket connections: N=${n}, median of ${rounds} rounds (heapUsed delta / N)`);
  for (const kind of ["raw", "tornado"] as Kind[]) {
    const each = results[kind].map((v) => v.toFixed(0)).join(", ");
    console.log(
      `  ${kind.padEnd(8)} ${median(results[kind]).toFixed(0).padStart(7)} B/conn  (rounds: ${each}; external ${median(external[kind]).toFixed(0)} B/conn)`,
    );
  }
  console.log(`  tornado-ts / raw ws: ${(tornado / raw).toFixed(3)}x (target <= 1.10x)`);
}

const role = process.argv[2];
if (role === "server") void serve(process.argv[3] as Kind);
else if (role === "client") void client(Number(process.argv[3]), Number(process.argv[4]));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
