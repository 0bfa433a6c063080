/**
 * A light WebSocket load client (raw `net` sockets, pre-built masked frames, a minimal frame
 * counter), so that the generator costs far less CPU than the server it loads.
 *
 *   tsx bench/clients/wsload.ts echo  --port P --path /ws/echo  --conns 32 --warmup 1 --duration 5
 *   tsx bench/clients/wsload.ts bcast --port P --path /ws/bcast --conns 1000 --count 20
 *   tsx bench/clients/wsload.ts hold  --port P --path /ws/echo  --conns 5000
 *
 * Prints one JSON line with the result (hold: prints {"held":N} and waits for "close" on stdin).
 */
import { connect, type Socket } from "node:net";

const argv = process.argv.slice(2);
const mode = argv[0];
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const port = Number(opt("port", "0"));
const path = opt("path", "/ws/echo");
const conns = Number(opt("conns", "32"));
const PAYLOAD = Buffer.from(opt("payload", "hello bench"));
// Masked text frame, mask key 0 (valid; the payload is unchanged by a zero mask).
const FRAME = Buffer.concat([Buffer.from([0x81, 0x80 | PAYLOAD.length, 0, 0, 0, 0]), PAYLOAD]);
const HANDSHAKE =
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

interface Conn {
  sock: Socket;
  buf: Buffer | null;
  onFrame: (c: Conn) => void;
}

/** Counts complete data frames in the buffered bytes, calling onFrame for each. */
function feed(c: Conn, data: Buffer): void {
  let buf = c.buf ? Buffer.concat([c.buf, data]) : data;
  let off = 0;
  for (let guard = 0; guard < 100000; guard++) {
    if (buf.length - off < 2) break;
    const op = buf[off] & 0x0f;
    let len = buf[off + 1] & 0x7f;
    let hdr = 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      hdr = 4;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      hdr = 10;
    }
    if (buf.length - off < hdr + len) break;
    off += hdr + len;
    if (op === 1 || op === 2) c.onFrame(c);
  }
  c.buf = off < buf.length ? buf.subarray(off) : null;
  if (c.buf && off > 0) c.buf = Buffer.from(c.buf);
  buf = Buffer.alloc(0);
}

function open(onFrame: (c: Conn) => void, timeoutMs = 10000): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    sock.setNoDelay(true);
    const c: Conn = { sock, buf: null, onFrame };
    let head = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("handshake timeout"));
    }, timeoutMs);
    sock.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const onData = (d: Buffer) => {
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      clearTimeout(timer);
      sock.off("data", onData);
      if (!head.startsWith("HTTP/1.1 101")) {
        sock.destroy();
        reject(new Error(`handshake refused: ${head.split("\r\n")[0]}`));
        return;
      }
      sock.on("error", () => {});
      sock.on("data", (chunk: Buffer) => feed(c, chunk));
      const rest = Buffer.from(head.slice(end + 4), "latin1");
      if (rest.length) feed(c, rest);
      resolve(c);
    };
    sock.on("data", onData);
    sock.write(HANDSHAKE);
  });
}

async function openMany(n: number, onFrame: (c: Conn) => void, batch = 250): Promise<Conn[]> {
  const all: Conn[] = [];
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    all.push(...(await Promise.all(Array.from({ length: k }, () => open(onFrame)))));
  }
  return all;
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function echo(): Promise<void> {
  const warmup = Number(opt("warmup", "1")) * 1000;
  const duration = Number(opt("duration", "5")) * 1000;
  let count = 0;
  const list = await openMany(conns, (c) => {
    count++;
    c.sock.write(FRAME);
  });
  for (const c of list) c.sock.write(FRAME);
  await sleep(warmup);
  const c0 = count;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(duration);
  const c1 = count;
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ count: c1 - c0, seconds, cpu }) + "\n");
  for (const c of list) c.sock.destroy();
}

async function bcast(): Promise<void> {
  const count = Number(opt("count", "20"));
  const warm = Number(opt("warm", "3"));
  let received = 0;
  let done: (() => void) | null = null;
  const list = await openMany(conns, () => {
    received++;
    if (received === conns && done) done();
  });
  await sleep(200);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < warm + count; i++) {
    received = 0;
    const t0 = process.hrtime.bigint();
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      list[0].sock.write(FRAME);
    });
    done = null;
    if (!ok) throw new Error(`broadcast ${i}: only ${received}/${conns} received in 5 s`);
    if (i >= warm) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(20);
  }
  const wall = Number(process.hrtime.bigint() - w0) / 1e9;
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  process.stdout.write(JSON.stringify({ times, cpu, seconds: wall }) + "\n");
  for (const c of list) c.sock.destroy();
}

async function hold(): Promise<void> {
  const list = await openMany(conns, () => {});
  process.stdout.write(JSON.stringify({ held: list.length }) + "\n");
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 120000);
    process.stdin.on("data", () => {
      clearTimeout(timer);
      resolve();
    });
    process.stdin.on("end", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  for (const c of list) c.sock.destroy();
}

const run = mode === "echo" ? echo : mode === "bcast" ? bcast : mode === "hold" ? hold : null;
if (!run) {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`wsload ${mode}: ${String(err)}\n`);
    process.exit(1);
  },
);
