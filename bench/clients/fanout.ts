/**
 * Client of the fan-out scenario (bench/fanout.ts), one process:
 *
 *   tsx bench/clients/fanout.ts --port P --conns 1000 --rounds 200 --warm 20
 *
 * Opens `conns` WebSockets on /ws/fanout and one sender on /ws/send. Probes until a message
 * sent reaches every receiver (subscriptions through Redis take effect a little after the
 * handshake), runs `warm` untimed rounds, prints `timed` on stdout, then `rounds` timed rounds:
 * the sender sends `<seq> <hrtime ns>`, every receiver records its receive time minus that send
 * time, and the next round starts once all `conns` have it (one message in flight). The last
 * line is JSON: latency p50/p99/max in ms, deliveries per second over the timed rounds, and
 * this process's CPU seconds over them. Every wait is bounded (5 s a round, 30 s to connect).
 */
import WebSocket from "ws";

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const PORT = Number(arg("port", "8888"));
const CONNS = Number(arg("conns", "1000"));
const ROUNDS = Number(arg("rounds", "200"));
const WARM = Number(arg("warm", "20"));
const ROUND_TIMEOUT_MS = 5000;
const PROBES = 100;
const PROBE_WAIT_MS = 200;

/** Latencies of the current round, one slot per receiver. */
let currentSeq = -1;
let received = 0;
let onAll: (() => void) | null = null;
const latenciesNs: number[] = [];
let recording = false;

function onMessage(data: WebSocket.RawData): void {
  const now = process.hrtime.bigint();
  const text = data.toString();
  const space = text.indexOf(" ");
  if (Number(text.slice(0, space)) !== currentSeq) return; // a late probe
  if (recording) latenciesNs.push(Number(now - BigInt(text.slice(space + 1))));
  if (++received === CONNS && onAll) onAll();
}

function open(path: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}${path}`, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

async function openReceivers(): Promise<WebSocket[]> {
  const list: WebSocket[] = [];
  for (let i = 0; i < CONNS; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, CONNS - i) }, () => open("/ws/fanout")));
    for (const ws of batch) ws.on("message", onMessage);
    list.push(...batch);
  }
  return list;
}

/** Sends one round's message; resolves true once every receiver has it, false after `waitMs`. */
function round(sender: WebSocket, seq: number, waitMs: number): Promise<boolean> {
  currentSeq = seq;
  received = 0;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      onAll = null;
      resolve(false);
    }, waitMs);
    onAll = () => {
      clearTimeout(timer);
      onAll = null;
      resolve(true);
    };
    sender.send(`${seq} ${process.hrtime.bigint()}`);
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] / 1e6;

async function main(): Promise<void> {
  const connectTimer = setTimeout(() => {
    throw new Error("could not connect within 30 s");
  }, 30000);
  const receivers = await openReceivers();
  const sender = await open("/ws/send");
  clearTimeout(connectTimer);
  let seq = 0;
  let reached = false;
  for (let i = 0; i < PROBES && !reached; i++) reached = await round(sender, seq++, PROBE_WAIT_MS);
  if (!reached) throw new Error(`no probe reached all ${CONNS} receivers (last: ${received})`);
  for (let i = 0; i < WARM; i++) {
    if (!(await round(sender, seq++, ROUND_TIMEOUT_MS))) throw new Error(`warm-up round ${i}: ${received}/${CONNS}`);
  }
  process.stdout.write("timed\n");
  recording = true;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    if (!(await round(sender, seq++, ROUND_TIMEOUT_MS))) throw new Error(`round ${i}: ${received}/${CONNS} in 5 s`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const sorted = latenciesNs.sort((a, b) => a - b);
  const result = {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] / 1e6,
    deliveries: sorted.length,
    deliveriesPerS: sorted.length / seconds,
    seconds,
    cpu: (cpu.user + cpu.system) / 1e6,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  for (const ws of [...receivers, sender]) ws.terminate();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});
