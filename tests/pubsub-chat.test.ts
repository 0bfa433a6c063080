import type { ChildProcess } from "node:child_process";
import { websocket } from "../src";
import { fetchWhenUp, freePort, ProgramOutput, startProgram, stopProgram } from "./support/process";
import { TestRedis } from "./support/redis";

// The chats as programs: two servers on two ports, started as the docs say with --pubsub_url,
// share one real Redis (tests/support/redis.ts), and the room spans both.

jest.setTimeout(90_000);

let redis: TestRedis;
const children: ChildProcess[] = [];
const clients: websocket.WebSocketClientConnection[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterEach(async () => {
  // Each client closes and reads up to the close (the null), before its server goes away.
  await Promise.all(clients.splice(0).map((client) => (client.close(), drain(client))));
  await Promise.all(children.splice(0).map((child) => stopProgram(child)));
});
afterAll(async () => {
  await redis.remove();
});

async function drain(client: websocket.WebSocketClientConnection): Promise<void> {
  while ((await client.read_message()) !== null);
}

interface Server {
  port: number;
  output: ProgramOutput;
  child: ChildProcess;
}

/** Starts `file` with `--port=<free port> --pubsub_url=<the test's Redis>` and waits until `/` answers. */
async function startServer(file: string): Promise<Server> {
  const port = await freePort();
  const child = startProgram(file, [`--port=${port}`, `--pubsub_url=${redis.url}`]);
  children.push(child);
  const output = new ProgramOutput(child);
  await fetchWhenUp(`http://127.0.0.1:${port}/`, 30_000);
  return { port, output, child };
}

async function join(server: Server, path: string): Promise<websocket.WebSocketClientConnection> {
  const client = await websocket.websocket_connect(`ws://127.0.0.1:${server.port}${path}`);
  clients.push(client);
  return client;
}

/** The next message as JSON, or null when none comes within `ms` (for bounded retries only). */
async function next(client: websocket.WebSocketClientConnection, ms = 10_000): Promise<any> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    const message = await Promise.race([client.read_message(), late]);
    return message === null ? null : JSON.parse(String(message));
  } finally {
    clearTimeout(timer);
  }
}

/** Reads `client`'s messages until one matches `wanted` (each within 10 s); returns it. */
async function nextWhere(client: websocket.WebSocketClientConnection, wanted: (message: any) => boolean): Promise<any> {
  for (;;) {
    const message = await next(client);
    if (message === null) throw new Error("the wanted message never came");
    if (wanted(message)) return message;
  }
}

/** Sends `text` from `from` until `to` gets it (each try waits at most 300 ms, 40 tries); returns what `to` got. */
async function sayUntilHeard(
  from: websocket.WebSocketClientConnection,
  to: websocket.WebSocketClientConnection,
  text: string,
): Promise<any> {
  for (let attempt = 0; attempt < 40; attempt++) {
    await from.write_message(`${text} #${attempt}`);
    for (let heard = await next(to, 300); heard !== null; heard = await next(to, 300)) {
      if (typeof heard.text === "string" && heard.text.startsWith(text)) return heard;
    }
  }
  throw new Error(`"${text}" never crossed`);
}

test("the tutorial's chat on two ports sharing Redis: one room; Redis stops: each server goes on alone; Redis is back: one room again", async () => {
  const a = await startServer("docs/code/06-chat/app.ts");
  const b = await startServer("docs/code/06-chat/app.ts");
  const bob = await join(b, "/ws/chat?name=Bob");
  expect(await next(bob)).toEqual({ notice: "Bob joined." });
  // Bob's server subscribes to Redis when Bob joins: Ada's notice may come before or after that.
  const ada = await join(a, "/ws/chat?name=Ada");
  expect(await next(ada)).toEqual({ notice: "Ada joined." });
  expect(await sayUntilHeard(ada, bob, "Merhaba")).toEqual({ name: "Ada", text: expect.stringMatching(/^Merhaba/) });
  await bob.write_message("Hi Ada");
  expect(await nextWhere(ada, (m) => m.name === "Bob")).toEqual({ name: "Bob", text: "Hi Ada" });
  await nextWhere(bob, (m) => m.text === "Hi Ada");

  await redis.stop();
  await a.output.waitFor(/Lost the Redis pub\/sub connection/, 10_000);
  await b.output.waitFor(/Lost the Redis pub\/sub connection/, 10_000);
  const amy = await join(a, "/ws/chat?name=Amy");
  expect(await next(amy)).toEqual({ notice: "Amy joined." });
  await amy.write_message("anyone?");
  expect(await next(amy)).toEqual({ name: "Amy", text: "anyone?" });
  await a.output.waitFor(/while Redis is unreachable/);
  await bob.write_message("alone on B");
  // Bob's next message is his own: Amy's, published during the outage, never reached server B.
  expect(await next(bob)).toEqual({ name: "Bob", text: "alone on B" });

  await redis.start();
  await a.output.waitFor(/is back after [\d.]+ s; \d+ message\(s\) published meanwhile/, 15_000);
  await b.output.waitFor(/is back after [\d.]+ s; \d+ message\(s\) published meanwhile/, 15_000);
  const heard = await sayUntilHeard(amy, bob, "back");
  expect(heard.name).toBe("Amy");
  for (const server of [a, b]) {
    expect(server.output.text.match(/Lost the Redis pub\/sub connection/g)).toHaveLength(1);
  }

  // SIGTERM: the server drains, then closes its Redis connections, which would otherwise hold
  // the process until the 10 s grace period ran out.
  const started = Date.now();
  const exited = new Promise((resolve) => a.child.once("exit", (code, signal) => resolve({ code, signal })));
  a.child.kill("SIGTERM");
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - started).toBeLessThan(8000);
  expect(a.output.text).not.toMatch(/Still running/);
});

test("examples/websocket-chat on two ports sharing Redis: a message typed on one reaches the other", async () => {
  const a = await startServer("examples/websocket-chat/chat.ts");
  const b = await startServer("examples/websocket-chat/chat.ts");
  const alice = await join(a, "/chatsocket");
  const bob = await join(b, "/chatsocket");
  for (let attempt = 0; attempt < 40; attempt++) {
    await alice.write_message(JSON.stringify({ body: `hello #${attempt}` }));
    const got = await next(bob, 300);
    if (got !== null) {
      expect(got).toEqual({
        id: expect.any(String),
        body: expect.stringMatching(/^hello #/),
        html: expect.any(String),
      });
      return;
    }
  }
  throw new Error("no message crossed");
});
