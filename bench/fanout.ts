/**
 * The fan-out and workers scenarios of `npm run bench` (issue 16), called by bench/run.ts
 * (`--only fanout`, `--only workers`).
 *
 * fanout: one message at a time broadcast to 1,000 WebSocket clients; bench/clients/fanout.ts
 * (one process, pinned to the client core) holds the receivers and the sender and reports
 * delivery latency p50/p99 and deliveries per second. Contestants: a raw `ws` loop in one process
 * (the anchor), tornado-ts in one process on its in-process bus, and tornado-ts on 2 worker
 * processes (`HTTPServer.start(2)`) through a throwaway redis-server. All server-side processes,
 * Redis included, are pinned to the server core: with 2 cores, the 2 workers share one, so the
 * figure is the cost of the Redis path and of the split, not a gain from a second core.
 *
 * workers: `GET /hello` on tornado-ts with 1 and 2 worker processes, nothing pinned: wrk shares
 * the 2 cores with the workers. Throughput, and CPU µs per request summed over the server's
 * processes (primary and workers) from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./ports";

const ROOT = resolve(__dirname, "..");
const NODE = process.execPath;
const SERVER_CPU = "0";
const CLIENT_CPU = "1";
const TICKS = 100; // clock ticks per second in /proc/<pid>/stat
export const FANOUT_CLIENTS = 1000;

export interface FanoutSample {
  p50: number; // ms
  p99: number; // ms
  deliveriesPerS: number;
  clientCpu: number; // share of one core over the timed rounds
  serverCpu: number; // share of one core, all server-side processes (Redis included)
  cpuUsPerDelivery: number; // server-side CPU µs per delivery
}

export interface WorkersSample {
  rps: number;
  serverCpu: number; // share of one core, primary + workers
  cpuUsPerRequest: number;
  wrkCpu: number; // share of one core
  errors: number;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** CPU seconds of `pid` and every descendant (cluster workers), from /proc. */
function treeCpu(pid: number): number {
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += (Number(f[11]) + Number(f[12])) / TICKS;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    for (const k of kids ? kids.split(" ") : []) total += treeCpu(Number(k));
  } catch {
    /* gone */
  }
  return total;
}

function spawnTracked(argv: string[]): ChildProcess {
  const proc = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.add(proc);
  proc.on("exit", () => children.delete(proc));
  return proc;
}

/** Ends `proc` (SIGTERM, then SIGKILL after 3 s) and waits for it. */
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
  await gone;
  clearTimeout(timer);
}

/** Resolves once `proc` printed `text` on stdout; rejects if it exits first or after `timeoutMs`. */
function waitForOutput(proc: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((res, rej) => {
    let out = "";
    const timer = setTimeout(() => rej(new Error(`no "${text}" within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!out.includes(text)) return;
      clearTimeout(timer);
      proc.stdout!.off("data", onData);
      proc.off("exit", onExit);
      res();
    };
    const onExit = (): void => {
      clearTimeout(timer);
      rej(new Error(`exited before "${text}":\n${out}`));
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    proc.once("exit", onExit);
  });
}

function helloStatus(port: number): Promise<number> {
  return new Promise((res) => {
    const req = httpGet({ host: "127.0.0.1", port, path: "/hello", agent: false, timeout: 1000 }, (r) => {
      r.resume();
      r.on("end", () => res(r.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => res(0));
  });
}

/** Waits (at most 30 s, polling /hello every 20 ms) until the server answers 200. */
async function untilServing(proc: ChildProcess, port: number): Promise<void> {
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  proc.stdout!.resume();
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${stderr}`);
    if ((await helloStatus(port)) === 200) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`server did not answer /hello within 30 s:\n${stderr}`);
}

/** A redis-server on a free loopback port, pinned to the server core, persisting nothing. */
async function startRedis(): Promise<{ url: string; proc: ChildProcess; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "tornado-bench-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  const proc = spawnTracked(["taskset", "-c", SERVER_CPU, "/usr/bin/redis-server", ...args]);
  await waitForOutput(proc, "Ready to accept connections", 10000);
  proc.stdout!.resume();
  return { url: `redis://127.0.0.1:${port}/0`, proc, dir };
}

export type FanoutContestant = "raw ws" | "tornado-ts 1 process" | "tornado-ts 2 workers, Redis";
export const FANOUT_CONTESTANTS: FanoutContestant[] = ["raw ws", "tornado-ts 1 process", "tornado-ts 2 workers, Redis"];

/** One fan-out run of `rounds` timed broadcasts (after `warm` untimed ones) against a fresh server. */
export async function measureFanout(who: FanoutContestant, rounds: number, warm: number): Promise<FanoutSample> {
  const redis = who.includes("Redis") ? await startRedis() : null;
  const port = await freePort();
  const file = who === "raw ws" ? "fanout-raw.ts" : "fanout-tornado.ts";
  const extra = redis ? ["--workers", "2", "--pubsub_url", redis.url] : [];
  const server = spawnTracked(
    ["taskset", "-c", SERVER_CPU, NODE, "--import", "tsx", join(ROOT, "bench/servers", file)].concat([
      "--port",
      String(port),
      ...extra,
    ]),
  );
  try {
    await untilServing(server, port);
    const serverPids = [server.pid!, ...(redis ? [redis.proc.pid!] : [])];
    const serverCpu = (): number => serverPids.reduce((a, p) => a + treeCpu(p), 0);
    const client = spawnTracked([
      "taskset",
      "-c",
      CLIENT_CPU,
      NODE,
      "--import",
      "tsx",
      join(ROOT, "bench/clients/fanout.ts"),
      "--port",
      String(port),
      "--conns",
      String(FANOUT_CLIENTS),
      "--rounds",
      String(rounds),
      "--warm",
      String(warm),
    ]);
    let out = "";
    client.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => client.once("exit", r));
    await waitForOutput(client, "timed", 120000);
    const cpu0 = serverCpu();
    const t0 = Date.now();
    const timer = setTimeout(() => client.kill("SIGKILL"), 120000);
    const code = await exited;
    clearTimeout(timer);
    const wall = (Date.now() - t0) / 1000;
    const cpuS = serverCpu() - cpu0;
    if (code !== 0) throw new Error(`fanout client exited ${code}:\n${out}`);
    const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      p50: number;
      p99: number;
      deliveries: number;
      deliveriesPerS: number;
      seconds: number;
      cpu: number;
    };
    return {
      p50: r.p50,
      p99: r.p99,
      deliveriesPerS: r.deliveriesPerS,
      clientCpu: r.cpu / r.seconds,
      serverCpu: cpuS / wall,
      cpuUsPerDelivery: (cpuS / r.deliveries) * 1e6,
    };
  } finally {
    await stop(server);
    if (redis) {
      await stop(redis.proc);
      rmSync(redis.dir, { recursive: true, force: true });
    }
  }
}

/** Runs `cmd` through bash and returns its stdout; rejects on a non-zero exit or after `timeoutMs`. */
function shell(cmd: string, timeoutMs: number): Promise<string> {
  const proc = spawnTracked(["bash", "-c", cmd]);
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.resume();
  return new Promise((res, rej) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) res(out);
      else rej(new Error(`exited ${code}: ${cmd}\n${out}`));
    });
  });
}

/** `GET /hello` with wrk (`-t1 -c<conns>`, `durationS` after 1 s of warm-up) on tornado-ts with `workers` processes, unpinned. */
export async function measureWorkersHello(workers: number, conns: number, durationS: number): Promise<WorkersSample> {
  const port = await freePort();
  const server = spawnTracked([
    NODE,
    "--import",
    "tsx",
    join(ROOT, "bench/servers/fanout-tornado.ts"),
    "--port",
    String(port),
    "--workers",
    String(workers),
  ]);
  try {
    await untilServing(server, port);
    const url = `http://127.0.0.1:${port}/hello`;
    await shell(`wrk -t1 -c${conns} -d1s ${url}`, 15000);
    const cpu0 = treeCpu(server.pid!);
    const t0 = Date.now();
    const out = await shell(`wrk -t1 -c${conns} -d${durationS}s ${url}; times`, (durationS + 15) * 1000);
    const cpuS = treeCpu(server.pid!) - cpu0;
    const wall = (Date.now() - t0) / 1000;
    const requests = Number(/(\d+) requests in /.exec(out)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const lines = out.trim().split("\n");
    const t = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[lines.length - 1]);
    const wrkCpu = t ? Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]) : NaN;
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
      serverCpu: cpuS / wall,
      cpuUsPerRequest: (cpuS / requests) * 1e6,
      wrkCpu: wrkCpu / durationS,
      errors: non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    };
  } finally {
    await stop(server);
  }
}
