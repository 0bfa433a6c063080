/**
 * The benchmark suite of issue 6: `npm run bench` (`--quick` for a one-round smoke run, `--only
 * hello,json` for a working run of some scenarios that leaves docs/ and bench/results/ alone).
 *
 * Servers run pinned to core 0 (`taskset -c 0`), load generators to core 1 (`taskset -c 1`):
 * `wrk` for HTTP, `bench/clients/wsload.ts` (a light raw-socket Node client) for WebSocket broadcast
 * and memory, and for ws echo `bench/clients/wsload.c` (a small epoll client in C, built with `cc`
 * into a temp dir at the start of the run; without a C compiler the Node client stands in, and the
 * run says so).
 * Contestants are interleaved round by round; each figure is the median over rounds with min
 * and max, and a ratio to raw node:http / raw ws from the same run. Writes the table to stdout,
 * JSON to bench/results/<timestamp>.json, docs/performance.md and docs/performance.svg.
 * The fan-out and workers scenarios (issue 16) live in bench/fanout.ts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { get as httpGet, request as httpRequest } from "node:http";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir, cpus } from "node:os";
import { join, resolve } from "node:path";
import { FANOUT_CONTESTANTS, measureFanout, measureWorkersHello } from "./fanout";
import { freePort } from "./ports";

const ROOT = resolve(__dirname, "..");
const QUICK = process.argv.includes("--quick");
/** `--only hello,routing`: run just these scenarios (a working run: docs/ and bench/results/ are left alone). */
const ONLY = optionValue("--only")?.split(",") ?? null;
const wanted = (scenario: string): boolean => ONLY === null || ONLY.includes(scenario);

function optionValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}
const ROUNDS = QUICK ? 1 : 3;
const WARMUP_S = 1;
const DURATION_S = QUICK ? 2 : 5;
const CONNS = 50;
const ECHO_PROCS = 2;
const ECHO_CONNS = 100;
const BCAST_CLIENTS = 1000;
const BCAST_COUNT = 20;
const MEM_CONNS = 5000;
const FANOUT_ROUNDS = QUICK ? 50 : 200; // timed broadcasts per fan-out run (bench/fanout.ts), after FANOUT_WARM
const FANOUT_WARM = 20;
const SERVER_CPU = "0";
const CLIENT_CPU = "1";
const TICKS = 100; // clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK)

// ---------------------------------------------------------------- processes
const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
  children.clear();
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function httpGetText(port: number, path: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = httpGet({ host: "127.0.0.1", port, path, agent: false, timeout: timeoutMs }, (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (d: string) => (body += d));
      r.on("end", () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", rej);
  });
}

/** CPU seconds (user+system) a process has used, from /proc/<pid>/stat. */
function procCpu(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICKS; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

interface Contestant {
  name: string;
  cmd: (port: number) => string[];
  ws: boolean;
}

const NODE = process.execPath;
const nodeServer =
  (file: string, extra: string[] = []) =>
  (port: number) => [
    NODE,
    "--expose-gc",
    "--import",
    "tsx",
    join(ROOT, "bench/servers", file),
    "--port",
    String(port),
    ...extra,
  ];
const PYTHON = "/usr/bin/python3";
const pythonOk = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import tornado"]).status === 0;
const pyVersion = pythonOk
  ? spawnSync(PYTHON, ["-c", "import tornado,sys;print(tornado.version, sys.version.split()[0])"])
      .stdout.toString()
      .trim()
  : "absent";

interface Server {
  name: string;
  port: number;
  proc: ChildProcess;
  startupMs: number;
}

async function startServer(
  name: string,
  cmd: (port: number) => string[],
  readyPath = "/hello",
  timeoutMs = 30000,
): Promise<Server> {
  const port = await freePort();
  const argv = ["-c", SERVER_CPU, ...cmd(port)];
  const t0 = process.hrtime.bigint();
  const proc = spawn("taskset", argv, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  children.add(proc);
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exited = false;
  proc.on("exit", () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited early:\n${stderr}`);
    try {
      const r = await httpGetText(port, readyPath, 1000);
      if (r.status === 200) {
        return { name, port, proc, startupMs: Number(process.hrtime.bigint() - t0) / 1e6 };
      }
    } catch {
      /* not yet */
    }
    await sleep(5);
  }
  proc.kill("SIGKILL");
  throw new Error(`${name} did not answer ${readyPath} within ${timeoutMs} ms:\n${stderr}`);
}

async function stopServer(s: Server): Promise<void> {
  const gone = new Promise<void>((r) => (s.proc.exitCode !== null ? r() : s.proc.once("exit", () => r())));
  s.proc.kill("SIGTERM");
  await Promise.race([gone, sleep(3000)]);
  s.proc.kill("SIGKILL");
  children.delete(s.proc);
}

/** Runs a command on the client core; returns stdout, bounded in time. */
function runClient(
  argv: string[],
  timeoutMs: number,
  stdinHold = false,
): { done: Promise<string>; proc: ChildProcess } {
  const proc = spawn("taskset", ["-c", CLIENT_CPU, ...argv], {
    cwd: ROOT,
    stdio: [stdinHold ? "pipe" : "ignore", "pipe", "pipe"],
  });
  children.add(proc);
  let out = "";
  let err = "";
  proc.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const done = new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      rej(new Error(`client timed out: ${argv.join(" ")}`));
    }, timeoutMs);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      children.delete(proc);
      if (code === 0) res(out);
      else rej(new Error(`client exited ${code}: ${argv.join(" ")}\n${err}`));
    });
  });
  return { done, proc };
}

// ---------------------------------------------------------------- measurements
interface Sample {
  value: number; // the figure (req/s, msg/s, ms, bytes)
  clientCpu: number; // fraction of one core used by the generator
  serverCpu: number; // fraction of one core used by the server
  errors?: number;
  /** Server CPU µs per request (per round trip for ws echo) over the timed part. */
  cpuUs?: number;
}

function parseWrk(out: string): Sample {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  // `times` prints the shell's then its children's user/system times: "0m1.234s 0m0.567s".
  const lines = out.trim().split("\n");
  const t = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[lines.length - 1]);
  const cpu = t ? Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]) : NaN;
  const requests = Number(/(\d+) requests in /.exec(out)?.[1] ?? NaN);
  return { value: rps, clientCpu: cpu / DURATION_S, serverCpu: NaN, errors, cpuUs: requests };
}

/**
 * wrk against one path (with `script`, a wrk Lua script, e.g. the form POST). Server CPU over the
 * measured part: /proc sampled at the start and end of the timed run; µs per request is those CPU
 * seconds over the requests wrk completed in it.
 */
async function measureHttp(server: Server, path: string, script?: string): Promise<Sample> {
  const url = `http://127.0.0.1:${server.port}${path}`;
  const s = script ? ["-s", script] : [];
  await runClient(["wrk", "-t1", `-c${CONNS}`, `-d${WARMUP_S}s`, ...s, url], (WARMUP_S + 10) * 1000).done;
  const cpu0 = procCpu(server.proc.pid);
  const t0 = Date.now();
  const out = await runClient(
    ["bash", "-c", `wrk -t1 -c${CONNS} -d${DURATION_S}s ${s.join(" ")} ${url}; times`],
    (DURATION_S + 15) * 1000,
  ).done;
  const sample = parseWrk(out);
  const cpuS = procCpu(server.proc.pid) - cpu0;
  sample.serverCpu = cpuS / ((Date.now() - t0) / 1000);
  sample.cpuUs = (cpuS / (sample.cpuUs ?? NaN)) * 1e6; // parseWrk left the request count there
  return sample;
}

const WSLOAD = [NODE, "--import", "tsx", join(ROOT, "bench/clients/wsload.ts")];
/** The ws echo client: the C one once main() has built it, else the Node one. */
let ECHO_CLIENT = WSLOAD;

/**
 * Builds bench/clients/wsload.c into dir; null (and a line on stdout) without a compiler. The Node
 * client spends 80-85% of its core on ws echo against raw ws, enough to bound the figure; the C one
 * about half, nearly all of it in the kernel's loopback TCP. Broadcast and memory keep the Node
 * client: it is far from its limit there, and its broadcast times were the steadier ones.
 */
function buildEchoClient(dir: string): string[] | null {
  const cc = ["cc", "gcc"].find((c) => spawnSync("which", [c]).status === 0);
  const fallback = "ws echo uses the Node client bench/clients/wsload.ts";
  if (!cc) {
    console.log(`No C compiler (cc, gcc): ${fallback}.`);
    return null;
  }
  const out = join(dir, "wsload");
  const r = spawnSync(cc, ["-O2", "-Wall", "-Wextra", "-o", out, join(ROOT, "bench/clients/wsload.c")], {
    encoding: "utf8",
  });
  if (r.status !== 0) {
    console.log(`${cc} could not build bench/clients/wsload.c: ${fallback}.\n${r.stderr}`);
    return null;
  }
  return [out];
}

async function measureEcho(server: Server): Promise<Sample> {
  const cpu0 = procCpu(server.proc.pid);
  const t0 = Date.now();
  const runs = Array.from(
    { length: ECHO_PROCS },
    () =>
      runClient(
        [
          ...ECHO_CLIENT,
          "echo",
          "--port",
          String(server.port),
          "--path",
          "/ws/echo",
          "--conns",
          String(ECHO_CONNS),
          "--warmup",
          String(WARMUP_S),
          "--duration",
          String(DURATION_S),
        ],
        (WARMUP_S + DURATION_S + 30) * 1000,
      ).done,
  );
  // The clients count round trips after their warm-up: take the server's CPU from then on too.
  await sleep(WARMUP_S * 1000);
  const cpuTimed = procCpu(server.proc.pid);
  const outs = (await Promise.all(runs)).map(
    (o) => JSON.parse(o.trim().split("\n").pop() ?? "{}") as { count: number; seconds: number; cpu: number },
  );
  const serverCpu = (procCpu(server.proc.pid) - cpu0) / ((Date.now() - t0) / 1000);
  const rate = outs.reduce((a, o) => a + o.count / o.seconds, 0);
  const cpu = outs.reduce((a, o) => a + o.cpu / o.seconds, 0);
  const cpuUs = ((procCpu(server.proc.pid) - cpuTimed) / (rate * DURATION_S)) * 1e6;
  return { value: rate, clientCpu: cpu, serverCpu, cpuUs };
}

async function measureBroadcast(server: Server): Promise<Sample> {
  const out = await runClient(
    [
      ...WSLOAD,
      "bcast",
      "--port",
      String(server.port),
      "--path",
      "/ws/bcast",
      "--conns",
      String(BCAST_CLIENTS),
      "--count",
      String(BCAST_COUNT),
    ],
    120000,
  ).done;
  const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { times: number[]; cpu: number; seconds: number };
  return { value: median(r.times), clientCpu: r.cpu / r.seconds, serverCpu: NaN };
}

/** Fresh server; RSS/heap from /stats (after forced GC) before and after 5,000 idle sockets. */
async function measureMemory(c: Contestant): Promise<Sample & { heapPerConn: number }> {
  const server = await startServer(c.name, c.cmd);
  try {
    await sleep(300);
    const before = JSON.parse((await httpGetText(server.port, "/stats")).body) as { rss: number; heapUsed: number };
    const hold = runClient(
      [...WSLOAD, "hold", "--port", String(server.port), "--path", "/ws/echo", "--conns", String(MEM_CONNS)],
      120000,
      true,
    );
    const deadline = Date.now() + 90000;
    let outSoFar = "";
    hold.proc.stdout?.on("data", (d: Buffer) => (outSoFar += d.toString()));
    while (!outSoFar.includes("held") && Date.now() < deadline && hold.proc.exitCode === null) await sleep(50);
    if (!outSoFar.includes("held")) throw new Error(`${c.name}: could not open ${MEM_CONNS} sockets`);
    await sleep(500);
    const after = JSON.parse((await httpGetText(server.port, "/stats", 10000)).body) as {
      rss: number;
      heapUsed: number;
    };
    hold.proc.stdin?.end("close\n");
    await hold.done;
    return {
      value: (after.rss - before.rss) / MEM_CONNS,
      heapPerConn: (after.heapUsed - before.heapUsed) / MEM_CONNS,
      clientCpu: NaN,
      serverCpu: NaN,
    };
  } finally {
    await stopServer(server);
  }
}

/**
 * The form POST's body: 1,024 bytes of urlencoded fields (`name` and `email`, which every server
 * echoes, then filler fields with escapes and `+`). Returns the path of the wrk Lua script sending it.
 */
const FORM_REPLY = "ok Ada Lovelace ada@example.com";
function formBody(): string {
  let body = "name=Ada+Lovelace&email=ada%40example.com";
  for (let i = 0; ; i++) {
    const field = `&field${i}=value+${i}%26more`;
    if (body.length + field.length > 1024 - 8) break;
    body += field;
  }
  return `${body}&pad=`.padEnd(1024, "x");
}
function writeFormScript(dir: string): string {
  const file = join(dir, "form.lua");
  writeFileSync(
    file,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(formBody())}\n` +
      `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n`,
  );
  return file;
}

/** Each server must answer the form POST with the same text before it is timed. */
async function checkForm(servers: Server[]): Promise<void> {
  const body = formBody();
  for (const s of servers) {
    const text = await new Promise<string>((res, rej) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: s.port,
          path: "/form",
          method: "POST",
          agent: false,
          headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": body.length },
        },
        (r) => {
          let t = "";
          r.setEncoding("utf8");
          r.on("data", (d: string) => (t += d));
          r.on("end", () => res(`${r.statusCode} ${t}`));
        },
      );
      req.on("error", rej);
      req.end(body);
    });
    if (text !== `200 ${FORM_REPLY}`) throw new Error(`${s.name} answered the form POST with ${JSON.stringify(text)}`);
  }
}

const TEMPLATE_SAMPLES = 5;
const TEMPLATE_SAMPLE_MS = QUICK ? 50 : 200;
const squash = (html: string) => html.replace(/\s+/g, " ").replace(/> </g, "><").trim();

/**
 * The template scenario, in process: bench/templates.ts (the JS engines, interleaved) then
 * bench/templates_py.py, each pinned to the server core; every engine's page must be the same HTML
 * once whitespace is normalised, or the run fails. One sample per engine: the median of 5 samples.
 */
async function measureTemplates(): Promise<[string, Sample][]> {
  const args = ["--samples", String(TEMPLATE_SAMPLES), "--sample-ms", String(TEMPLATE_SAMPLE_MS)];
  const cmds = [[NODE, "--import", "tsx", join(ROOT, "bench/templates.ts"), ...args]];
  if (pythonOk) cmds.push([PYTHON, join(ROOT, "bench/templates_py.py"), ...args]);
  const results: Record<string, { us: number[]; html: string }> = {};
  for (const cmd of cmds) {
    const out = await runClient(["taskset", "-c", SERVER_CPU, ...cmd], 120000).done;
    Object.assign(results, JSON.parse(out.trim().split("\n").pop() ?? "{}"));
  }
  const ref = squash(results["tornado-ts"].html);
  for (const [engine, r] of Object.entries(results)) {
    if (squash(r.html) !== ref) {
      let at = 0;
      const got = squash(r.html);
      while (at < ref.length && ref[at] === got[at]) at++;
      throw new Error(
        `template render: ${engine}'s page differs from tornado-ts's at character ${at}:\n` +
          `  tornado-ts: ${ref.slice(Math.max(0, at - 40), at + 60)}\n  ${engine}: ${got.slice(Math.max(0, at - 40), at + 60)}`,
      );
    }
  }
  return Object.entries(results).map(([engine, r]) => [
    engine,
    { value: median(r.us), clientCpu: NaN, serverCpu: NaN },
  ]);
}

// ---------------------------------------------------------------- statistics
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

interface Row {
  scenario: string;
  contestant: string;
  unit: string;
  higherIsBetter: boolean;
  baseline: string; // contestant the ratio is taken against (same scenario)
  samples: Sample[];
  median: number;
  min: number;
  max: number;
  ratio: number; // >1 is better than the baseline, whatever the unit
  clientCpu: number;
  serverCpu: number;
  /** Median server CPU µs per request (per round trip for ws echo); NaN where not measured. */
  cpuUs: number;
  /** baseline cpuUs / this cpuUs: above 1 costs less CPU than the baseline. */
  cpuRatio: number;
  extra?: Record<string, number>;
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const started = Date.now();
  if (spawnSync("which", ["wrk"]).status !== 0) throw new Error("wrk is required: apt-get install -y wrk");
  const staticDir = mkdtempSync(join(tmpdir(), "tornado-bench-"));
  writeFileSync(join(staticDir, "64k.bin"), randomBytes(64 * 1024));
  const clientDir = mkdtempSync(join(tmpdir(), "tornado-bench-client-"));
  ECHO_CLIENT = buildEchoClient(clientDir) ?? WSLOAD;
  const echoClient = ECHO_CLIENT === WSLOAD ? "node" : "c";

  const contestants: Contestant[] = [
    { name: "raw node:http", cmd: nodeServer("raw.ts", ["--static", staticDir]), ws: true },
    { name: "tornado-ts", cmd: nodeServer("tornado.ts", ["--static", staticDir]), ws: true },
    { name: "fastify", cmd: nodeServer("fastify.ts", ["--static", staticDir]), ws: false },
    { name: "express", cmd: nodeServer("express.ts"), ws: false },
  ];
  if (pythonOk) {
    contestants.push({
      name: "python tornado",
      cmd: (port) => [PYTHON, join(ROOT, "bench/servers/tornado_py.py"), "--port", String(port)],
      ws: true,
    });
  } else {
    console.log("Python Tornado is absent (/usr/bin/python3 cannot import tornado): skipped.");
  }
  const routeCounts = [1, 100, 1000];
  const routeContestants: Contestant[] = routeCounts.map((n) => ({
    name: `tornado-ts ${n} route${n > 1 ? "s" : ""}`,
    cmd: nodeServer("tornado.ts", ["--routes", String(n)]),
    ws: false,
  }));

  const samples = new Map<string, Sample[]>();
  const extras = new Map<string, Record<string, number[]>>();
  const add = (scenario: string, name: string, s: Sample, extra?: Record<string, number>) => {
    const k = `${scenario}\u0000${name}`;
    samples.set(k, [...(samples.get(k) ?? []), s]);
    if (extra) {
      const e = extras.get(k) ?? {};
      for (const [n, v] of Object.entries(extra)) e[n] = [...(e[n] ?? []), v];
      extras.set(k, e);
    }
    const cpu = Number.isNaN(s.clientCpu) ? "" : ` client cpu ${(s.clientCpu * 100).toFixed(0)}%`;
    const scpu = Number.isNaN(s.serverCpu) ? "" : ` server cpu ${(s.serverCpu * 100).toFixed(0)}%`;
    console.log(
      `  ${scenario.padEnd(16)} ${name.padEnd(22)} ${fmt(s.value)}${cpu}${scpu}${s.errors ? ` errors ${s.errors}` : ""}`,
    );
  };

  // Long-lived servers for the load scenarios (start-up and memory use fresh ones).
  const servers = new Map<string, Server>();
  const ownServers = ONLY?.every((s) => s === "fanout" || s === "workers") ? [] : [...contestants, ...routeContestants];
  for (const c of ownServers) {
    const ready =
      c.name.startsWith("tornado-ts ") && c.name.includes("route") ? `/route${c.name.split(" ")[1]}` : "/hello";
    const readyPath = ready.startsWith("/route") ? `/route${Number(ready.slice(6)) - 1}/1` : ready;
    servers.set(c.name, await startServer(c.name, c.cmd, readyPath));
  }
  const raw = contestants[0];
  const tts = contestants[1];
  const fastify = contestants[2];
  const formScript = writeFormScript(staticDir);
  if (wanted("form")) await checkForm(contestants.map((c) => servers.get(c.name)!));

  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}/${ROUNDS}`);
    for (const [scenario, path] of [
      ["hello", "/hello"],
      ["json", "/json"],
      ["user/<id>", "/user/12345"],
    ] as const) {
      if (!wanted(scenario)) continue;
      for (const c of contestants) add(scenario, c.name, await measureHttp(servers.get(c.name)!, path));
    }
    for (const c of wanted("routing") ? routeContestants : []) {
      const n = Number(c.name.split(" ")[1]);
      add("routing", c.name, await measureHttp(servers.get(c.name)!, `/route${n - 1}/12345`));
    }
    for (const c of wanted("form") ? contestants : [])
      add("form POST 1 KB", c.name, await measureHttp(servers.get(c.name)!, "/form", formScript));
    for (const c of wanted("static") ? [raw, tts, fastify] : [])
      add("static 64 KiB", c.name, await measureHttp(servers.get(c.name)!, "/static/64k.bin"));
    if (wanted("template")) for (const [engine, s] of await measureTemplates()) add("template render", engine, s);
    for (const c of contestants.filter((x) => x.ws && wanted("echo")))
      add("ws echo", c.name, await measureEcho(servers.get(c.name)!));
    for (const c of wanted("broadcast") ? [raw, tts] : [])
      add("broadcast 1000", c.name, await measureBroadcast(servers.get(c.name)!));
    for (const c of wanted("memory") ? [raw, tts] : []) {
      const m = await measureMemory(c);
      add("ws idle memory", c.name, m, { heapPerConn: m.heapPerConn });
    }
    for (const c of wanted("start-up") ? contestants : []) {
      const s = await startServer(c.name, c.cmd);
      await stopServer(s);
      add("start-up", c.name, { value: s.startupMs, clientCpu: NaN, serverCpu: NaN });
    }
    for (const c of wanted("fanout") ? FANOUT_CONTESTANTS : []) {
      const f = await measureFanout(c, FANOUT_ROUNDS, FANOUT_WARM);
      add("fanout p50", c, { value: f.p50, clientCpu: f.clientCpu, serverCpu: f.serverCpu });
      add("fanout p99", c, { value: f.p99, clientCpu: NaN, serverCpu: NaN });
      add("fanout deliveries", c, {
        value: f.deliveriesPerS,
        clientCpu: NaN,
        serverCpu: NaN,
        cpuUs: f.cpuUsPerDelivery,
      });
    }
    for (const n of wanted("workers") ? [1, 2] : []) {
      const w = await measureWorkersHello(n, CONNS, DURATION_S);
      const s = {
        value: w.rps,
        clientCpu: w.wrkCpu,
        serverCpu: w.serverCpu,
        cpuUs: w.cpuUsPerRequest,
        errors: w.errors,
      };
      add("hello, workers", `tornado-ts ${n} worker${n > 1 ? "s" : ""}`, s);
    }
  }
  for (const s of servers.values()) await stopServer(s);
  rmSync(staticDir, { recursive: true, force: true });
  rmSync(clientDir, { recursive: true, force: true });

  // Rows: median/min/max; ratio against the baseline of the scenario.
  const meta: Record<string, { unit: string; higher: boolean; baseline: string }> = {
    hello: { unit: "req/s", higher: true, baseline: raw.name },
    json: { unit: "req/s", higher: true, baseline: raw.name },
    "user/<id>": { unit: "req/s", higher: true, baseline: raw.name },
    routing: { unit: "req/s", higher: true, baseline: routeContestants[0].name },
    "static 64 KiB": { unit: "req/s", higher: true, baseline: raw.name },
    "form POST 1 KB": { unit: "req/s", higher: true, baseline: raw.name },
    "template render": { unit: "µs", higher: false, baseline: pythonOk ? "python tornado" : "tornado-ts" },
    "ws echo": { unit: "msg/s", higher: true, baseline: raw.name },
    "broadcast 1000": { unit: "ms", higher: false, baseline: raw.name },
    "ws idle memory": { unit: "B/conn", higher: false, baseline: raw.name },
    "start-up": { unit: "ms", higher: false, baseline: raw.name },
    "fanout p50": { unit: "ms", higher: false, baseline: FANOUT_CONTESTANTS[0] },
    "fanout p99": { unit: "ms", higher: false, baseline: FANOUT_CONTESTANTS[0] },
    "fanout deliveries": { unit: "deliveries/s", higher: true, baseline: FANOUT_CONTESTANTS[0] },
    "hello, workers": { unit: "req/s", higher: true, baseline: "tornado-ts 1 worker" },
  };
  const rows: Row[] = [];
  for (const [k, ss] of samples) {
    const [scenario, contestant] = k.split("\u0000");
    const m = meta[scenario];
    const vals = ss.map((s) => s.value);
    const ex = extras.get(k);
    rows.push({
      scenario,
      contestant,
      unit: m.unit,
      higherIsBetter: m.higher,
      baseline: m.baseline,
      samples: ss,
      median: median(vals),
      min: Math.min(...vals),
      max: Math.max(...vals),
      ratio: NaN,
      clientCpu: median(ss.map((s) => s.clientCpu)),
      serverCpu: median(ss.map((s) => s.serverCpu)),
      cpuUs: median(ss.map((s) => s.cpuUs ?? NaN).filter((v) => !Number.isNaN(v))),
      cpuRatio: NaN,
      extra: ex ? Object.fromEntries(Object.entries(ex).map(([n, v]) => [n, median(v)])) : undefined,
    });
  }
  for (const r of rows) {
    const b = rows.find((x) => x.scenario === r.scenario && x.contestant === r.baseline);
    if (b) r.ratio = r.higherIsBetter ? r.median / b.median : b.median / r.median;
    if (b) r.cpuRatio = b.cpuUs / r.cpuUs;
  }

  const machine = machineInfo();
  const targets = evaluateTargets(rows);
  const table = `${renderCpuTable(rows)}\n\n### Throughput and the rest\n\n${renderTable(rows)}`;
  console.log("\n" + table + "\n");
  for (const t of targets)
    console.log(`${t.met ? "MET   " : "MISSED"} ${t.scenario}: ${t.target} — measured ${t.measured}`);

  if (ONLY !== null) return;
  const stamp = new Date(started).toISOString().replace(/[:.]/g, "-");
  const resultsDir = join(ROOT, "bench/results");
  mkdirSync(resultsDir, { recursive: true });
  const settings = {
    quick: QUICK,
    rounds: ROUNDS,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    wrkConnections: CONNS,
    echoProcs: ECHO_PROCS,
    echoConnsPerProc: ECHO_CONNS,
    broadcastClients: BCAST_CLIENTS,
    broadcastCount: BCAST_COUNT,
    memoryConns: MEM_CONNS,
    fanoutRounds: FANOUT_ROUNDS,
    fanoutWarm: FANOUT_WARM,
    echoClient,
    templateSamples: TEMPLATE_SAMPLES,
    templateSampleMs: TEMPLATE_SAMPLE_MS,
    memoryKb:
      rows
        .filter((r) => r.scenario === "ws idle memory")
        .map((r) => `${r.contestant} ${(r.median / 1024).toFixed(1)} KB per connection`)
        .join(", ") || "not measured in this run",
  };
  writeFileSync(
    join(resultsDir, `${stamp}.json`),
    JSON.stringify({ date: new Date(started).toISOString(), machine, settings, rows, targets }, null, 2) + "\n",
  );
  writeFileSync(join(ROOT, "docs/performance.svg"), renderSvg(rows));
  writeFileSync(
    join(ROOT, "docs/performance.md"),
    renderMarkdown(table, targets, machine, settings, new Date(started), (Date.now() - started) / 1000),
  );
  console.log(
    `\nwrote bench/results/${stamp}.json, docs/performance.md, docs/performance.svg (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
}

// ---------------------------------------------------------------- reporting
function fmt(v: number): string {
  if (Number.isNaN(v)) return "-";
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(2);
}
const pct = (v: number) => (Number.isNaN(v) ? "-" : `${(v * 100).toFixed(0)}%`);

/** Server CPU µs per request, the figure that holds on a noisy machine: one column per contestant. */
function renderCpuTable(rows: Row[]): string {
  const cpuRows = rows.filter((r) => !Number.isNaN(r.cpuUs));
  const scenarios = [...new Set(cpuRows.map((r) => r.scenario))];
  const names = [...new Set(cpuRows.map((r) => r.contestant))];
  if (!cpuRows.length) return "_(no scenario in this run measures server CPU per request)_";
  const cell = (s: string, n: string) => {
    const r = cpuRows.find((x) => x.scenario === s && x.contestant === n);
    if (!r) return "";
    return `${r.cpuUs.toFixed(1)} µs${Number.isNaN(r.cpuRatio) || r.contestant === r.baseline ? "" : ` (${r.cpuRatio.toFixed(2)})`}`;
  };
  const lines = [
    ["server CPU per request", ...names],
    ["---", ...names.map(() => "---")],
    ...scenarios.map((s) => [s, ...names.map((n) => cell(s, n))]),
  ];
  return lines.map((l) => `| ${l.join(" | ")} |`).join("\n");
}

function renderTable(rows: Row[]): string {
  const head = ["scenario", "contestant", "median", "min", "max", "unit", "ratio", "gen CPU", "server CPU"];
  const body = rows.map((r) => [
    r.scenario,
    r.contestant,
    fmt(r.median),
    fmt(r.min),
    fmt(r.max),
    r.unit,
    Number.isNaN(r.ratio) ? "-" : r.ratio.toFixed(2),
    pct(r.clientCpu),
    pct(r.serverCpu),
  ]);
  const lines = [head, head.map(() => "---"), ...body];
  return lines.map((l) => `| ${l.join(" | ")} |`).join("\n");
}

interface Target {
  scenario: string;
  target: string;
  measured: string;
  met: boolean;
  gap: string;
}
function evaluateTargets(rows: Row[]): Target[] {
  const row = (s: string, c: string) => rows.find((r) => r.scenario === s && r.contestant === c);
  const out: Target[] = [];
  for (const s of ["hello", "json", "user/<id>"]) {
    const t = row(s, "tornado-ts");
    const f = row(s, "fastify");
    if (!t) continue;
    const vsF = f ? t.median / f.median : NaN;
    const met = t.ratio >= 0.9 && (!f || t.median > f.median);
    out.push({
      scenario: s,
      target: ">= 0.90 of raw node:http and above Fastify",
      met,
      measured: `${t.ratio.toFixed(2)} of raw, ${vsF.toFixed(2)} of Fastify`,
      gap: met
        ? ""
        : `${t.ratio < 0.9 ? `${((0.9 - t.ratio) * 100).toFixed(0)} points below 0.90 of raw` : ""}${t.ratio < 0.9 && vsF <= 1 ? "; " : ""}${vsF <= 1 ? `${((1 - vsF) * 100).toFixed(0)}% below Fastify` : ""}`,
    });
  }
  const r1000 = row("routing", "tornado-ts 1000 routes");
  if (r1000)
    out.push({
      scenario: "1,000 routes",
      target: ">= 0.95 of the same app with 1 route",
      met: r1000.ratio >= 0.95,
      measured: `${r1000.ratio.toFixed(2)} (CPU per request ${r1000.cpuRatio.toFixed(2)})`,
      gap: `${((0.95 - r1000.ratio) * 100).toFixed(0)} points below 0.95`,
    });
  const e = row("ws echo", "tornado-ts");
  if (e)
    out.push({
      scenario: "WebSocket echo",
      target: ">= 0.95 of raw ws",
      met: e.ratio >= 0.95,
      measured: e.ratio.toFixed(2),
      gap: `${((0.95 - e.ratio) * 100).toFixed(0)} points below 0.95`,
    });
  const b = row("broadcast 1000", "tornado-ts");
  if (b)
    out.push({
      scenario: "broadcast to 1,000",
      target: ">= 0.90 of a raw ws loop (speed, raw time / tornado-ts time)",
      met: b.ratio >= 0.9,
      measured: b.ratio.toFixed(2),
      gap: `${((0.9 - b.ratio) * 100).toFixed(0)} points below 0.90`,
    });
  const m = row("ws idle memory", "tornado-ts");
  if (m) {
    const times = 1 / m.ratio;
    out.push({
      scenario: "memory per idle WebSocket",
      target: "<= 1.2 times raw ws",
      met: times <= 1.2,
      measured: `${times.toFixed(2)} times raw (${fmt(m.median)} B vs ${fmt(m.median * m.ratio)} B)`,
      gap: `${times.toFixed(2)} times instead of 1.20`,
    });
  }
  const st = row("static 64 KiB", "tornado-ts");
  if (st)
    out.push({
      scenario: "static file 64 KiB",
      target: ">= 0.8 of raw createReadStream().pipe(res)",
      met: st.ratio >= 0.8,
      measured: st.ratio.toFixed(2),
      gap: `${((0.8 - st.ratio) * 100).toFixed(0)} points below 0.80`,
    });
  const tpl = row("template render", "tornado-ts");
  const py = row("template render", "python tornado");
  const js = ["ejs", "eta", "handlebars", "nunjucks"]
    .map((n) => row("template render", n))
    .filter((r): r is Row => r !== undefined)
    .sort((a, b) => a.median - b.median)[0];
  if (tpl && py)
    out.push({
      scenario: "template render vs Python Tornado",
      target: ">= 5x as fast",
      met: py.median / tpl.median >= 5,
      measured: `${(py.median / tpl.median).toFixed(2)}x (${fmt(tpl.median)} vs ${fmt(py.median)} µs)`,
      gap: `${(py.median / tpl.median).toFixed(2)}x instead of 5x`,
    });
  if (tpl && js)
    out.push({
      scenario: "template render vs the fastest JS engine",
      target: "no slower than the fastest of EJS, Eta, Handlebars, Nunjucks",
      met: tpl.median <= js.median,
      measured: `${fmt(tpl.median)} µs vs ${js.contestant} ${fmt(js.median)} µs`,
      gap: `${(tpl.median / js.median).toFixed(2)}x ${js.contestant}'s time`,
    });
  for (const t of out) if (t.met) t.gap = "";
  return out;
}

function machineInfo(): Record<string, string> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const ver = (p: string) => {
    try {
      const local = join(ROOT, "bench", "node_modules", p, "package.json");
      const file = existsSync(local) ? local : join(ROOT, "node_modules", p, "package.json");
      return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    } catch {
      return "absent";
    }
  };
  const wrkV = spawnSync("wrk", ["-v"]).stdout?.toString().split("\n")[0].trim() ?? "";
  return {
    cpu: model,
    cores: String(cpus().length),
    node: process.version,
    "tornado-ts": (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version,
    ws: ver("ws"),
    fastify: ver("fastify"),
    express: ver("express"),
    tsx: ver("tsx"),
    "python tornado": pyVersion,
    wrk: wrkV,
    os: readFileSync("/proc/version", "utf8").split(" ").slice(0, 3).join(" "),
  };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A horizontal bar chart of the ratios (1.0 = the baseline), drawn as plain SVG text. */
function renderSvg(rows: Row[]): string {
  const bars = rows.filter((r) => !Number.isNaN(r.ratio));
  const labelW = 330,
    barW = 420,
    rowH = 20,
    top = 40,
    maxRatio = Math.max(1.2, ...bars.map((r) => r.ratio));
  const h = top + bars.length * rowH + 30;
  const x = (v: number) => labelW + (v / maxRatio) * barW;
  const colour = (r: Row) =>
    r.contestant === r.baseline
      ? "#999"
      : r.contestant.startsWith("tornado-ts")
        ? "#2b6cb0"
        : r.contestant === "python tornado"
          ? "#c05621"
          : "#718096";
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 70}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Ratio to the baseline of each scenario (raw node:http / raw ws / 1 route); higher is better</text>`,
  ];
  let prev = "";
  bars.forEach((r, i) => {
    const y = top + i * rowH;
    if (r.scenario !== prev && i > 0)
      parts.push(`<line x1="10" x2="${labelW + barW + 60}" y1="${y - 1}" y2="${y - 1}" stroke="#ddd"/>`);
    prev = r.scenario;
    parts.push(
      `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(`${r.scenario} — ${r.contestant}`)}</text>`,
    );
    parts.push(
      `<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, x(r.ratio) - labelW).toFixed(1)}" height="${rowH - 6}" fill="${colour(r)}"/>`,
    );
    parts.push(`<text x="${(x(r.ratio) + 4).toFixed(1)}" y="${y + 14}">${r.ratio.toFixed(2)}</text>`);
  });
  parts.push(
    `<line x1="${x(1).toFixed(1)}" x2="${x(1).toFixed(1)}" y1="${top - 4}" y2="${h - 24}" stroke="#000" stroke-dasharray="4 3"/>`,
  );
  parts.push(`<text x="${x(1).toFixed(1)}" y="${h - 10}" text-anchor="middle">1.0</text>`);
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

const MANUAL_START = "<!-- manual:start -->";
const MANUAL_END = "<!-- manual:end -->";

function renderMarkdown(
  table: string,
  targets: Target[],
  machine: Record<string, string>,
  settings: Record<string, unknown>,
  date: Date,
  seconds: number,
): string {
  const file = join(ROOT, "docs/performance.md");
  let manual = `${MANUAL_START}\n_(Notes written by hand; \`npm run bench\` keeps this section.)_\n${MANUAL_END}`;
  if (existsSync(file)) {
    const old = readFileSync(file, "utf8");
    const a = old.indexOf(MANUAL_START);
    const b = old.indexOf(MANUAL_END);
    if (a >= 0 && b > a) manual = old.slice(a, b + MANUAL_END.length);
  }
  const tgt = targets
    .map((t) => `| ${t.scenario} | ${t.target} | ${t.measured} | ${t.met ? "✅ met" : `❌ missed (${t.gap})`} |`)
    .join("\n");
  return `# Performance

_Generated by \`npm run bench\` (\`bench/run.ts\`) on ${date.toISOString()}${settings.quick ? " — **quick run (1 round), not a full measurement**" : ""}; the run took ${seconds.toFixed(0)} s._
Raw results of every run are in \`bench/results/\`.

## How to reproduce

\`\`\`sh
apt-get install -y wrk python3-tornado   # the load generator and the Python anchor
npm run bench                            # installs bench/package.json's peers, then runs bench/run.ts
npx tsx bench/run.ts --quick --only hello,template   # a working run of some scenarios; leaves docs/ alone
\`\`\`

Scenarios for \`--only\`: hello, json, user/<id>, routing, form, static, template, echo, broadcast, memory, start-up, fanout, workers.

## Machine

| | |
| --- | --- |
${Object.entries(machine)
  .map(([k, v]) => `| ${k} | ${esc(v)} |`)
  .join("\n")}

## Method

Every server runs pinned to core 0 (\`taskset -c 0\`), every load generator to core 1 (\`taskset -c 1\`), on
127.0.0.1, with logging off. Contestants are interleaved round by round (${settings.rounds} round${settings.rounds === 1 ? "" : "s"});
each HTTP figure is \`wrk -t1 -c${settings.wrkConnections}\` for ${settings.durationS} s after a ${settings.warmupS} s warm-up;
the median over rounds is reported with min and max. **ratio** is against the scenario's baseline in the
same run (raw \`node:http\` + \`ws\`; for routing, the tornado-ts app with 1 route), oriented so that
higher is better (for times and bytes it is baseline / contestant). **gen CPU** is the load generator's
CPU over the timed part as a share of one core (wrk from the shell's \`times\`, the WebSocket clients
from \`process.cpuUsage()\`${settings.echoClient === "c" ? " or, in C, `getrusage()`" : ""}); **server CPU** is the server's, from \`/proc/<pid>/stat\`.

- hello / json / user/<id>: \`GET /hello\`, \`GET /json\`, \`GET /user/12345\`.
- routing: tornado-ts apps with 1, 100 and 1,000 regex routes \`/route<i>/([0-9]+)\`; the last one is requested.
- static 64 KiB: tornado-ts \`StaticFileHandler\` against \`fs.createReadStream().pipe(res)\` and Fastify with \`@fastify/static\`.
- form POST 1 KB: \`wrk -s\` with a Lua script POSTing a 1,024-byte \`application/x-www-form-urlencoded\` body to \`/form\`; each server reads \`name\` and \`email\` (tornado-ts and Python Tornado \`get_body_argument\`, Fastify \`@fastify/formbody\`, Express \`express.urlencoded\`, raw node:http \`querystring.parse\` of the collected body) and answers the same small text, checked before the timed part.
- template render: in process, pinned to core 0: a title plus 100 rows of three escaped fields and one \`if\`, the same page in each engine's syntax (\`bench/templates.ts\` for tornado-ts's \`template\`, EJS, Eta, Handlebars and Nunjucks, interleaved; \`bench/templates_py.py\` for Python Tornado, timed with \`time.perf_counter\`); each engine compiled once, µs per render, the median of ${settings.templateSamples} samples of about ${settings.templateSampleMs} ms each; the run fails unless every engine's HTML is the same once whitespace is normalised. The fields hold \`<\`, \`>\`, \`&\` but no quotes, which the engines spell differently.
- ws echo: ${settings.echoProcs} client processes × ${settings.echoConnsPerProc} connections, one message (\`hello bench\`, a masked text frame) in flight per connection; messages per second. ${
    settings.echoClient === "c"
      ? "The client is `bench/clients/wsload.c`, a small C client (one epoll loop over raw sockets) compiled with `cc -O2` at the start of the run: the Node client `bench/clients/wsload.ts` used 80-85% of its core against raw ws, enough to bound the figure, where the C one needs about half, nearly all of it in the kernel's loopback TCP."
      : "The client is the Node one, `bench/clients/wsload.ts` (`bench/clients/wsload.c` could not be built here): against raw ws it uses most of its core, so this figure is partly bounded by the generator."
  }
- broadcast 1000: ${settings.broadcastClients} connections of the light raw-socket Node client \`bench/clients/wsload.ts\`; one of them sends a message which the server sends to all; time until all have it (median of ${settings.broadcastCount} per round).
- fanout p50 / p99 / deliveries (\`bench/fanout.ts\`): 1,000 \`ws\` clients and one sender in one client process; the sender sends a timestamped message, each client records receive minus send time, and the next message goes once all 1,000 have it (${settings.fanoutRounds} timed messages after ${settings.fanoutWarm} untimed); against a raw \`ws\` loop, tornado-ts in one process (\`WebSocketHandler.subscribe\` on the in-process bus) and tornado-ts on 2 workers through a throwaway redis-server, every server-side process (Redis too) on core 0. Server CPU per delivery counts all of them.
- hello, workers: \`GET /hello\` on tornado-ts with \`HTTPServer.start(1)\` and \`start(2)\`, nothing pinned: on 2 cores wrk shares the cores with the workers, so compare CPU per request as well as throughput.
- ws idle memory: a fresh server, RSS from \`/stats\` (after a forced GC) before and after ${settings.memoryConns} idle connections, per connection.
- start-up: spawn (\`node --import tsx\`, or python3) to the first 200 from \`GET /hello\`. Node servers run from TypeScript through tsx.
- Fastify and Express have no WebSocket of their own and are left out of the WebSocket scenarios.

## Results

Server CPU per request comes first: the server's CPU seconds (\`/proc/<pid>/stat\`) over the timed part divided by the
requests wrk completed in it (for ws echo, the server's CPU seconds from the end of the clients' warm-up to their exit over the round trips they counted), in µs, with the
ratio to the scenario's baseline in brackets (above 1 costs less CPU). It holds on a noisy machine where throughput
swings by ±20 %. Idle WebSocket memory: ${settings.memoryKb}.

${table}

![ratios](performance.svg)

## Targets (issues 6 and 13)

| scenario | target | measured | |
| --- | --- | --- | --- |
${tgt}

${manual}
`;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  killAll();
  process.exit(1);
});
