/**
 * The soak of issue 11: `npm run soak` (`bash scripts/soak.sh`, which raises the file-descriptor
 * limit first), or `tsx bench/soak.ts --minutes 1 --connections 2000` for a smaller run.
 *
 * Loopback only, bounded in time. The server (`bench/soak-server.ts`) runs in its own process
 * with `--expose-gc` and reports its own memory after a full GC over IPC. The driver:
 *   1. takes the server's baseline (after a short warm-up);
 *   2. opens `--connections` idle WebSocket connections from 127.0.0.1, in batches;
 *   3. for `--minutes`, keeps them open while it churns WebSockets (open, echo, close: `--churn`
 *      per second), runs keep-alive HTTP load (`--http` loops of GET /hello), and, from a worker
 *      thread with its own event loop, sends a probe GET on a fresh connection every 100 ms;
 *   4. closes everything, waits for the server to see every close, and takes the final figures.
 * It reports memory per idle connection (RSS and heap, delta over N), errors by kind, the
 * probe's p50/p99, whether the heap came back within a margin of its baseline, and handler
 * instances made vs collected (a FinalizationRegistry in the server). Prints a summary, writes
 * JSON to bench/results/soak-<date>.json, exits 1 when the heap or a handler did not come back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { Agent, get as httpGet } from "node:http";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import WebSocket from "ws";
import type { Stats } from "./soak-server";

const ROOT = resolve(__dirname, "..");

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`bad --${name} ${process.argv[at + 1]}`);
  return value;
}

const MINUTES = option("minutes", 3);
const CONNECTIONS = option("connections", 10_000);
const CHURN_PER_S = option("churn", 20);
const HTTP_LOOPS = option("http", 4);
const BATCH = option("batch", 500);
const PROBE_EVERY_MS = 100;
/** The heap "came back" when it is within this of its baseline, in bytes: max(2 MiB, 5%). */
const heapMargin = (baseline: number) => Math.max(2 * 1024 * 1024, baseline * 0.05);

// ---------------------------------------------------------------- errors

const errors: Record<string, number> = {};
function fail(kind: string, error?: unknown): void {
  const code =
    (error as { code?: string } | undefined)?.code ?? (error instanceof Error ? error.message.slice(0, 60) : "");
  const key = code ? `${kind}: ${code}` : kind;
  errors[key] = (errors[key] ?? 0) + 1;
}

// ---------------------------------------------------------------- limits of the machine

/** The soft limit on open files, from /proc/self/limits. */
function fileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

/** Local ports a client can take, from /proc/sys/net/ipv4/ip_local_port_range. */
function ephemeralPorts(): number {
  const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  return high - low + 1;
}

function checkLimits(): { fileLimit: number; ephemeralPorts: number; portsNeeded: number } {
  const files = fileLimit();
  if (files < CONNECTIONS + 1000) {
    throw new Error(
      `open-file limit ${files} is too low for ${CONNECTIONS} connections: run through scripts/soak.sh (ulimit -n) or lower --connections`,
    );
  }
  // Every client connection holds a local port; a closed one can stay in TIME_WAIT for 60 s.
  const seconds = MINUTES * 60;
  const needed = CONNECTIONS + Math.min(seconds, 60) * (CHURN_PER_S + 1000 / PROBE_EVERY_MS) + HTTP_LOOPS + 100;
  const ports = ephemeralPorts();
  if (needed > ports * 0.9)
    throw new Error(
      `needs about ${needed} local ports at once, the range has ${ports}: lower --connections or --churn`,
    );
  return { fileLimit: files, ephemeralPorts: ports, portsNeeded: needed };
}

// ---------------------------------------------------------------- the server

let server: ChildProcess | null = null;
let nextStatsId = 0;
const statsWaiters = new Map<number, (stats: Stats) => void>();

process.on("exit", () => server?.kill("SIGKILL"));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

async function startServer(): Promise<number> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(ROOT, "bench/soak-server.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  server = child;
  child.on("message", (message: { type: string; id?: number } & Stats) => {
    if (message.type === "stats") statsWaiters.get(message.id!)?.(message);
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`soak-server exited with ${code} before listening`)));
    child.on("message", (message: { type: string; port?: number }) => {
      if (message.type === "listening") resolve(message.port!);
    });
  });
}

/** The server's own figures, after a full GC there. */
function serverStats(timeoutMs = 30_000): Promise<Stats> {
  const id = nextStatsId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("soak-server did not answer a stats request")), timeoutMs);
    statsWaiters.set(id, (stats) => {
      clearTimeout(timer);
      statsWaiters.delete(id);
      resolve(stats);
    });
    server!.send({ type: "stats", id });
  });
}

// ---------------------------------------------------------------- WebSocket clients

function openSocket(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.close(1000);
  });
}

/** Opens `count` idle connections, `BATCH` at a time; failures are counted, not retried. */
async function openIdle(port: number, count: number): Promise<WebSocket[]> {
  const open: WebSocket[] = [];
  for (let done = 0; done < count; done += BATCH) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(BATCH, count - done) }, () => openSocket(port)),
    );
    for (const result of batch) {
      if (result.status === "fulfilled") {
        result.value.on("error", (error) => fail("idle socket error", error));
        result.value.on("close", (code) => {
          if (!closingIdle) fail(`idle socket closed by the server (${code})`);
        });
        open.push(result.value);
      } else fail("idle open", result.reason);
    }
  }
  return open;
}
let closingIdle = false;

/** One churn cycle: open, send a message, wait for its echo, close. */
async function churnOnce(port: number): Promise<void> {
  const socket = await openSocket(port);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no echo in 10 s")), 10_000);
      socket.once("message", (data) => {
        clearTimeout(timer);
        if (data.toString() === "churn") resolve();
        else reject(new Error("wrong echo"));
      });
      socket.send("churn");
    });
  } finally {
    await closeSocket(socket);
  }
}

// ---------------------------------------------------------------- HTTP load and the probe

/** GET /hello back to back on one keep-alive connection until `until`; resolves with the count. */
async function httpLoop(port: number, agent: Agent, until: number): Promise<number> {
  let count = 0;
  while (Date.now() < until) {
    try {
      await new Promise<void>((resolve, reject) => {
        const req = httpGet({ host: "127.0.0.1", port, path: "/hello", agent, timeout: 10_000 }, (res) => {
          if (res.statusCode !== 200) fail(`http status ${res.statusCode}`);
          res.resume();
          res.on("end", resolve);
          res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
      });
      count++;
    } catch (error) {
      fail("http", error);
    }
  }
  return count;
}

/**
 * The probe runs in a worker thread, so the driver's own work (thousands of sockets) does not
 * delay its timers: each GET goes out on a fresh connection when it is due, and its latency is
 * counted from then. Written as plain JavaScript: the worker is not run through tsx.
 */
const PROBE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { port, everyMs, until } = workerData;
const latencies = [];
const errors = {};
let due = performance.now();
function once() {
  return new Promise((resolve) => {
    const start = due;
    const req = http.get({ host: "127.0.0.1", port, path: "/probe", agent: false, timeout: 10000 }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) latencies.push(performance.now() - start);
        else errors["probe status " + res.statusCode] = (errors["probe status " + res.statusCode] || 0) + 1;
        resolve();
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => {
      const key = "probe: " + (e.code || e.message);
      errors[key] = (errors[key] || 0) + 1;
      resolve();
    });
  });
}
(async () => {
  while (Date.now() < until) {
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await once();
    due += everyMs;
  }
  parentPort.postMessage({ latencies, errors });
})();
`;

function runProbe(port: number, until: number): Promise<{ latencies: number[]; errors: Record<string, number> }> {
  const worker = new Worker(PROBE_WORKER, { eval: true, workerData: { port, everyMs: PROBE_EVERY_MS, until } });
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

// ---------------------------------------------------------------- the run

/** Runs `task` every `everyMs` until `until`, counting failures; resolves with the successes. */
async function every(everyMs: number, until: number, kind: string, task: () => Promise<void>): Promise<number> {
  let ok = 0;
  const running = new Set<Promise<void>>();
  while (Date.now() < until) {
    const job: Promise<void> = task()
      .then(
        () => void ok++,
        (error) => fail(kind, error),
      )
      .finally(() => running.delete(job));
    running.add(job);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  await Promise.all(running);
  return ok;
}

async function waitForServer(predicate: (stats: Stats) => boolean, timeoutMs: number): Promise<Stats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await serverStats();
    if (predicate(stats) || Date.now() > deadline) return stats;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1) + " MiB";

async function main(): Promise<void> {
  const limits = checkLimits();
  const started = new Date();
  console.log(`soak: ${CONNECTIONS} idle WebSockets, churn ${CHURN_PER_S}/s, ${HTTP_LOOPS} HTTP loops, ${MINUTES} min`);
  const port = await startServer();

  // Warm-up: the first request and upgrade load code; keep that out of the baseline.
  const warm = await openIdle(port, 10);
  closingIdle = true;
  await Promise.all(warm.map(closeSocket));
  closingIdle = false;
  await httpLoop(port, new Agent({ keepAlive: true, maxSockets: 1 }), Date.now() + 500);
  const baseline = await waitForServer((s) => s.wsOpen === 0, 10_000);
  console.log(`baseline: rss ${mib(baseline.rss)}, heap ${mib(baseline.heapUsed)}`);

  const openStart = Date.now();
  const idle = await openIdle(port, CONNECTIONS);
  const openSeconds = (Date.now() - openStart) / 1000;
  const withOpen = await serverStats();
  const opened = idle.length;
  console.log(
    `opened ${opened} in ${openSeconds.toFixed(1)} s: rss ${mib(withOpen.rss)}, heap ${mib(withOpen.heapUsed)} (server sees ${withOpen.wsOpen})`,
  );

  const until = Date.now() + MINUTES * 60_000;
  const agent = new Agent({ keepAlive: true, maxSockets: HTTP_LOOPS });
  const [probe, churned, ...httpCounts] = await Promise.all([
    runProbe(port, until),
    every(1000 / CHURN_PER_S, until, "churn", () => churnOnce(port)),
    ...Array.from({ length: HTTP_LOOPS }, () => httpLoop(port, agent, until)),
  ]);
  agent.destroy();
  const duringLoad = await serverStats();
  const stillOpen = idle.filter((s) => s.readyState === WebSocket.OPEN).length;

  closingIdle = true;
  for (let i = 0; i < idle.length; i += BATCH) await Promise.all(idle.slice(i, i + BATCH).map(closeSocket));
  const final = await waitForServer((s) => s.wsOpen === 0 && s.handlers.ws.made === s.handlers.ws.collected, 30_000);
  server!.send({ type: "exit" });

  for (const [kind, count] of Object.entries(probe.errors)) errors[kind] = (errors[kind] ?? 0) + count;
  const sorted = probe.latencies.sort((a, b) => a - b);
  const heapBack = final.heapUsed - baseline.heapUsed <= heapMargin(baseline.heapUsed);
  const live = {
    http: final.handlers.http.made - final.handlers.http.collected,
    ws: final.handlers.ws.made - final.handlers.ws.collected,
  };
  const result = {
    date: started.toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? "?",
      cores: cpus().length,
      memory: mib(totalmem()),
      node: process.version,
      os: readFileSync("/proc/version", "utf8").split(" ").slice(0, 3).join(" "),
    },
    settings: {
      minutes: MINUTES,
      connections: CONNECTIONS,
      churnPerSecond: CHURN_PER_S,
      httpLoops: HTTP_LOOPS,
      batch: BATCH,
      probeEveryMs: PROBE_EVERY_MS,
      ...limits,
    },
    idle: {
      opened,
      openSeconds,
      stillOpenAfterLoad: stillOpen,
      rssPerConnection: Math.round((withOpen.rss - baseline.rss) / Math.max(opened, 1)),
      heapPerConnection: Math.round((withOpen.heapUsed - baseline.heapUsed) / Math.max(opened, 1)),
    },
    load: { churned, httpRequests: httpCounts.reduce((a, b) => a + b, 0), probes: sorted.length },
    probeMs: {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? null),
    },
    errors,
    serverLogged: final.logged,
    server: { baseline, withOpen, duringLoad, final },
    heap: {
      baseline: baseline.heapUsed,
      final: final.heapUsed,
      delta: final.heapUsed - baseline.heapUsed,
      margin: Math.round(heapMargin(baseline.heapUsed)),
      back: heapBack,
    },
    handlers: { ...final.handlers, live },
  };
  printSummary(result);
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  const file = join(ROOT, "bench/results", `soak-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  console.log(`written: ${file}`);
  process.exit(heapBack && live.ws === 0 && live.http === 0 ? 0 : 1);
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function printSummary(r: {
  idle: { opened: number; stillOpenAfterLoad: number; rssPerConnection: number; heapPerConnection: number };
  load: { churned: number; httpRequests: number; probes: number };
  probeMs: { p50: number | null; p99: number | null; max: number | null };
  errors: Record<string, number>;
  serverLogged: Record<string, number>;
  heap: { baseline: number; final: number; delta: number; margin: number; back: boolean };
  handlers: {
    http: { made: number; collected: number };
    ws: { made: number; collected: number };
    live: { http: number; ws: number };
  };
}): void {
  const lines = [
    `idle connections: ${r.idle.opened} opened, ${r.idle.stillOpenAfterLoad} still open after the load`,
    `per idle connection: rss ${r.idle.rssPerConnection} B, heap ${r.idle.heapPerConnection} B`,
    `load: ${r.load.churned} churn cycles, ${r.load.httpRequests} HTTP requests, ${r.load.probes} probes`,
    `probe GET: p50 ${r.probeMs.p50} ms, p99 ${r.probeMs.p99} ms, max ${r.probeMs.max} ms`,
    `errors: ${Object.keys(r.errors).length === 0 ? "none" : JSON.stringify(r.errors)}`,
    `server logged (WARNING+): ${Object.keys(r.serverLogged).length === 0 ? "nothing" : JSON.stringify(r.serverLogged)}`,
    `heap: baseline ${mib(r.heap.baseline)}, after close ${mib(r.heap.final)} (delta ${(r.heap.delta / 1024).toFixed(0)} KiB, margin ${(r.heap.margin / 1024).toFixed(0)} KiB): ${r.heap.back ? "back to baseline" : "NOT back"}`,
    `handlers: http ${r.handlers.http.made} made / ${r.handlers.http.collected} collected, ws ${r.handlers.ws.made} made / ${r.handlers.ws.collected} collected: ${r.handlers.live.http + r.handlers.live.ws === 0 ? "none live" : `LIVE http ${r.handlers.live.http}, ws ${r.handlers.live.ws}`}`,
  ];
  console.log(lines.join("\n"));
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
