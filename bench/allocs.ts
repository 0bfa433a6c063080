/**
 * Allocations per plain GET: `npx tsx bench/allocs.ts [N]` (default 20000).
 *
 * Starts an Application on 127.0.0.1 with `/hello` and `/user/([0-9]+)`, drives N keep-alive
 * GETs of each from a client in a child process (so the client allocates nothing here), and
 * samples this process's heap with V8's sampling heap profiler (every allocation of 16 bytes or
 * more is almost surely sampled; collected objects are kept in the profile). Prints sampled
 * bytes and estimated objects per GET, and the top 15 functions by bytes.
 */
import { spawn } from "node:child_process";
import { Session } from "node:inspector";
import { relative, resolve } from "node:path";
import { web, log } from "../src";

const ROOT = resolve(__dirname, "..");
const N = Number(process.argv[2] ?? "20000");
const INTERVAL = 16;
const TOP = 15;

class HelloHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}
class UserHandler extends web.RequestHandler {
  get(id: string) {
    this.write(`user ${id}`);
  }
}

interface HeapNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
  samples: Array<{ size: number; nodeId: number; ordinal: number }>;
}

// The client: N sequential GETs of one path on one keep-alive connection, then "done".
const CLIENT = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
process.on("message", ({ port, path, n }) => {
  let left = n;
  const one = () => {
    if (left-- === 0) return process.send("done");
    http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      res.resume();
      res.on("end", one);
    }).on("error", (e) => { console.error(e); process.exit(1); });
  };
  one();
});`;

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((res, rej) => session.post(method, params, (err, out) => (err ? rej(err) : res(out as T))));
}

function drive(child: ReturnType<typeof spawn>, port: number, path: string, n: number): Promise<void> {
  return new Promise((res) => {
    child.once("message", () => res());
    child.send({ port, path, n });
  });
}

function isOurs(f: HeapNode["callFrame"]): boolean {
  return f.url.includes("/src/");
}

function where(f: HeapNode["callFrame"]): string {
  // tsx's transpiled lines do not match the source's: a function of ours is named by file only.
  const file = !f.url
    ? "(native)"
    : relative(ROOT, f.url.replace(/^file:\/\//, "")) + (isOurs(f) ? "" : ":" + (f.lineNumber + 1));
  return `${f.functionName || "(anonymous)"} ${file}`;
}

function report(path: string, profile: HeapProfile, n: number): void {
  const byNode = new Map<number, HeapNode>();
  // The innermost frame of ours on each node's stack, if any: who asked Node (or V8) for it.
  const owner = new Map<number, HeapNode | null>();
  const walk = (node: HeapNode, ours: HeapNode | null) => {
    byNode.set(node.id, node);
    const inner = isOurs(node.callFrame) ? node : ours;
    owner.set(node.id, inner);
    for (const child of node.children) walk(child, inner);
  };
  walk(profile.head, null);
  const ourBytes = new Map<string, number>();
  const ourObjects = new Map<string, number>();
  // A sample of `size` bytes stands for 1 / P(sampled) objects of that size.
  const bytes = new Map<string, number>();
  const objects = new Map<string, number>();
  let totalBytes = 0;
  let totalObjects = 0;
  for (const s of profile.samples) {
    const key = where(byNode.get(s.nodeId)!.callFrame);
    const count = 1 / (1 - Math.exp(-s.size / INTERVAL));
    bytes.set(key, (bytes.get(key) ?? 0) + count * s.size);
    objects.set(key, (objects.get(key) ?? 0) + count);
    totalBytes += count * s.size;
    totalObjects += count;
    const mine = owner.get(s.nodeId);
    if (mine) {
      const k = where(mine.callFrame);
      ourBytes.set(k, (ourBytes.get(k) ?? 0) + count * s.size);
      ourObjects.set(k, (ourObjects.get(k) ?? 0) + count);
    }
  }
  console.log(
    `\nGET ${path}: ${(totalBytes / n).toFixed(0)} sampled bytes, ~${(totalObjects / n).toFixed(1)} objects per GET (${n} GETs)`,
  );
  console.log("  bytes/GET  objs/GET  function file:line (line of the transpiled file)");
  const top = [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [key, b] of top) {
    console.log(`${(b / n).toFixed(1).padStart(11)} ${(objects.get(key)! / n).toFixed(2).padStart(9)}  ${key}`);
  }
  let mineBytes = 0;
  let mineObjects = 0;
  for (const [k, b] of ourBytes) {
    mineBytes += b;
    mineObjects += ourObjects.get(k)!;
  }
  console.log(
    `  of which under src/ (by the innermost src/ frame, Node calls included): ${(mineBytes / n).toFixed(0)} bytes, ~${(mineObjects / n).toFixed(1)} objects per GET`,
  );
  const mineTop = [...ourBytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [key, b] of mineTop) {
    console.log(`${(b / n).toFixed(1).padStart(11)} ${(ourObjects.get(key)! / n).toFixed(2).padStart(9)}  ${key}`);
  }
}

async function main(): Promise<void> {
  log.access_log.setLevel(log.WARNING);
  const app = new web.Application([
    ["/hello", HelloHandler],
    ["/user/([0-9]+)", UserHandler],
  ]);
  const server = app.listen(0, "127.0.0.1");
  await server.ready();
  const port = server.port!;
  const child = spawn(process.execPath, ["-e", CLIENT], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const session = new Session();
  session.connect();
  try {
    for (const path of ["/hello", "/user/42"]) {
      await drive(child, port, path, 2000); // warm-up: JIT, inline caches, the connection
      await post(session, "HeapProfiler.startSampling", {
        samplingInterval: INTERVAL,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await drive(child, port, path, N);
      const { profile } = await post<{ profile: HeapProfile }>(session, "HeapProfiler.getSamplingProfile");
      await post(session, "HeapProfiler.stopSampling");
      report(path, profile, N);
    }
  } finally {
    session.disconnect();
    child.kill();
    await server.shutdown(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
