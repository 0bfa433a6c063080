/**
 * Profiles a contestant under the hello load: `tsx bench/profile.ts [path] [seconds] [top] [server]`
 * (server: a file in bench/servers/, default tornado.ts; raw.ts gives the baseline to compare).
 * Runs the server with `node --cpu-prof` on core 0, wrk on core 1, and prints the top 10
 * functions by self time.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const path = process.argv[2] ?? "/hello";
const seconds = Number(process.argv[3] ?? "5");
const port = 18000 + Math.floor(Math.random() * 1000);
const dir = mkdtempSync(join(tmpdir(), "tornado-prof-"));

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfNode[];
  samples: number[];
  timeDeltas: number[];
}

const ok = (): Promise<boolean> =>
  new Promise((res) => {
    const req = get({ host: "127.0.0.1", port, path, agent: false, timeout: 500 }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on("error", () => res(false));
    req.on("timeout", () => req.destroy());
  });

async function main(): Promise<void> {
  const server = spawn(
    "taskset",
    [
      "-c",
      "0",
      process.execPath,
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--import",
      "tsx",
      join(ROOT, "bench/servers", process.argv[5] ?? "tornado.ts"),
      "--port",
      String(port),
    ],
    { cwd: ROOT, stdio: "ignore" },
  );
  try {
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await ok();
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    if (!ready) throw new Error("server did not start");
    const url = `http://127.0.0.1:${port}${path}`;
    const w = spawnSync("taskset", ["-c", "1", "wrk", "-t1", "-c50", `-d${seconds}s`, url], {
      timeout: (seconds + 20) * 1000,
    });
    console.log(/Requests\/sec:.*/.exec(w.stdout.toString())?.[0] ?? w.stdout.toString());
  } finally {
    const gone = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10000))]);
    server.kill("SIGKILL");
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error("no profile written");
  const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    if (!n) return;
    const f = n.callFrame;
    const where = f.url ? `${relative(ROOT, f.url.replace(/^file:\/\//, ""))}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] ?? "10"));
  console.log(`top self time of ${(total / 1e6).toFixed(1)} s profiled:`);
  for (const [k, v] of top) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  rmSync(dir, { recursive: true, force: true });
}
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
