import { Redis } from "ioredis";
import { pubsub, web, websocket, log, testing } from "../src";
import { TestRedis, until } from "./support/redis";

// The Redis bus against a real redis-server (tests/support/redis.ts starts one on a free port).

let redis: TestRedis;
const buses: pubsub.RedisPubSub[] = [];
const servers: testing.TestServer[] = [];
const clients: websocket.WebSocketClientConnection[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis.remove();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

/** A bus on the test's Redis, closed after the test. */
function newBus(): pubsub.RedisPubSub {
  const bus = new pubsub.RedisPubSub(redis.url);
  buses.push(bus);
  return bus;
}

/** Records what arrives on `channel` of `bus`, and resolves `nth(n)` once n messages have. */
function recorder(bus: pubsub.PubSub, channel: string) {
  const messages: unknown[] = [];
  bus.subscribe(channel, (message) => messages.push(message));
  return {
    messages,
    nth: async (n: number) => {
      await until(() => messages.length >= n, `${n} messages on ${channel}`);
      return messages[n - 1];
    },
  };
}

test("a Buffer comes back a Buffer, JSON parsed, a string a string, in publish order; the sender gets each once", async () => {
  const a = newBus();
  const b = newBus();
  const atA = recorder(a, "mix");
  const atB = recorder(b, "mix");
  await Promise.all([a.subscribed(), b.subscribed()]);
  const sent = [
    "text",
    Buffer.from([0, 1, 254, 255]),
    { nested: [1, "two", null, true] },
    42,
    null,
    "x".repeat(100000),
  ];
  for (const message of sent) a.publish("mix", message);
  await atB.nth(sent.length);
  expect(atB.messages).toEqual(sent);
  expect(Buffer.isBuffer(atB.messages[1])).toBe(true);
  // B answers; when the answer reaches A, any copy of A's own messages from Redis would have too.
  b.publish("mix", "done");
  await atA.nth(sent.length + 1);
  expect(atA.messages).toEqual([...sent, "done"]);
  expect(atB.messages).toEqual([...sent, "done"]);
  expect([a.dropped, b.dropped]).toEqual([0, 0]);
});

test("a publish from inside a callback is delivered after the current delivery, also for messages from Redis", async () => {
  const a = newBus();
  const b = newBus();
  const trace: string[] = [];
  b.subscribe("ping", (message: string) => {
    trace.push(`in ${message}`);
    if (message === "ping") b.publish("ping", "pong");
    trace.push(`out ${message}`);
  });
  await b.subscribed();
  a.publish("ping", "ping");
  await until(() => trace.length === 4, "two deliveries");
  expect(trace).toEqual(["in ping", "out ping", "in pong", "out pong"]);
});

class ChatSocket extends websocket.WebSocketHandler {
  open() {
    this.subscribe("chat", (message: { text: string }) => this.write_message(message.text));
  }
  on_message(message: string | Buffer) {
    this.application.pubsub.publish("chat", { text: message.toString() });
  }
}

/** A chat server whose own bus is on the test's Redis (two in one process act as two processes). */
async function chatServer(): Promise<{ bus: pubsub.RedisPubSub; url: string }> {
  const bus = newBus();
  const server = await testing.start_server(new web.Application([["/chat", ChatSocket]], { pubsub: bus }));
  servers.push(server);
  return { bus, url: server.get_url("/chat").replace("http", "ws") };
}

async function join(server: { bus: pubsub.RedisPubSub; url: string }): Promise<websocket.WebSocketClientConnection> {
  const client = await websocket.websocket_connect(server.url);
  clients.push(client);
  await until(() => server.bus.subscription_count("chat") >= 1, "the subscription");
  await server.bus.subscribed();
  return client;
}

/** The next message of `client`, or "(nothing)" when none arrives within `ms`: for bounded retries. */
async function nextWithin(client: websocket.WebSocketClientConnection, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve("(nothing)"), ms)));
  try {
    return await Promise.race([client.read_message(), late]);
  } finally {
    clearTimeout(timer);
  }
}

test("a message from a client of server A reaches a client of server B; each process holds one subscriber connection", async () => {
  const serverA = await chatServer();
  const serverB = await chatServer();
  const ada = await join(serverA);
  const bobs = [];
  for (let i = 0; i < 5; i++) bobs.push(await join(serverB));
  expect(serverB.bus.subscription_count("chat")).toBe(5);
  await ada.write_message("hello from A");
  expect(await ada.read_message()).toBe("hello from A");
  for (const bob of bobs) expect(await bob.read_message()).toBe("hello from A");
  await bobs[0].write_message("hello from B");
  expect(await ada.read_message()).toBe("hello from B");
  for (const bob of bobs) expect(await bob.read_message()).toBe("hello from B");

  const admin = new Redis(redis.url);
  try {
    const list = String(await admin.client("LIST"));
    const named = (role: string) => list.split("\n").filter((line) => line.includes(`name=tornado-ts-pubsub-${role}`));
    // Two buses (A and B): two subscriber and two publisher connections, not one per WebSocket.
    expect([named("sub").length, named("pub").length]).toEqual([2, 2]);
  } finally {
    admin.disconnect();
  }
});

test("Redis stops mid-conversation: each server goes on locally, the outage is logged once, publishes are counted; then delivery resumes", async () => {
  const records: log.LogRecord[] = [];
  const capture = (record: log.LogRecord) => (records.push(record), false);
  log.gen_log.addFilter(capture);
  const level = log.gen_log.level;
  log.gen_log.setLevel(log.DEBUG);
  try {
    const serverA = await chatServer();
    const serverB = await chatServer();
    const [ada, amy] = [await join(serverA), await join(serverA)];
    const bob = await join(serverB);
    await ada.write_message("before");
    expect([await ada.read_message(), await amy.read_message(), await bob.read_message()]).toEqual([
      "before",
      "before",
      "before",
    ]);

    await redis.stop();
    const lost = () => records.filter((r) => r.message.startsWith("Lost the Redis pub/sub connection"));
    const refused = () => records.filter((r) => /ECONNREFUSED/.test(r.message));
    await until(() => lost().length === 2, "an outage line from each bus");
    // Several attempts to reconnect, per connection, and still one line per bus.
    await until(() => refused().length >= 8, "several reconnection attempts");
    expect(lost().map((r) => r.levelname)).toEqual(["WARNING", "WARNING"]);

    await ada.write_message("during, on A");
    expect([await ada.read_message(), await amy.read_message()]).toEqual(["during, on A", "during, on A"]);
    await bob.write_message("during, on B");
    expect(await bob.read_message()).toBe("during, on B");
    await amy.write_message("again on A");
    expect([await ada.read_message(), await amy.read_message()]).toEqual(["again on A", "again on A"]);
    expect([serverA.bus.dropped, serverB.bus.dropped]).toEqual([2, 1]);
    const droppedLines = records.filter((r) => r.message.includes("while Redis is unreachable"));
    expect(droppedLines.length).toBe(2); // the first drop of the outage, on each bus
    expect(lost().length).toBe(2);

    await redis.start();
    const back = () => records.filter((r) => r.message.includes("is back after"));
    await until(() => back().length === 2, "a line from each bus when Redis is back", 15000);
    expect(back().map((r) => r.message.replace(/after [\d.]+ s/, "after N s"))).toEqual([
      expect.stringMatching(/back after N s; [12] message\(s\) published meanwhile/),
      expect.stringMatching(/back after N s; [12] message\(s\) published meanwhile/),
    ]);
    // The subscriber re-subscribes on its own; retry (bounded) until a message crosses again.
    let received: unknown = "(nothing)";
    for (let attempt = 0; attempt < 50 && received === "(nothing)"; attempt++) {
      await ada.write_message(`after #${attempt}`);
      received = await nextWithin(bob, 200);
    }
    expect(received).toMatch(/^after #\d+$/);
    // What A said during the outage never reached B: B's first message since is one from after it.
    expect(lost().length).toBe(2);
  } finally {
    log.gen_log.removeFilter(capture);
    log.gen_log.setLevel(level);
  }
}, 40000);

test("applications naming one pubsub_url share one bus; close() ends its connections, and the next use makes a new one", async () => {
  const first = new web.Application([], { pubsub_url: redis.url });
  const second = new web.Application([], { pubsub_url: redis.url });
  const bus = first.pubsub as pubsub.RedisPubSub;
  expect(second.pubsub).toBe(bus);
  expect(pubsub.open_pubsub(redis.url)).toBe(bus);
  const seen: unknown[] = [];
  bus.subscribe("shared", (message) => seen.push(message));
  await bus.subscribed();
  await until(() => bus.connected, "the connections");
  await bus.close();
  expect(bus.connected).toBe(false);
  // Closed: local delivery only, nothing counted.
  bus.publish("shared", "after close");
  expect([seen, bus.dropped]).toEqual([["after close"], 0]);
  const next = pubsub.open_pubsub(redis.url);
  expect(next).not.toBe(bus);
  await pubsub.close_all();
});

test("close() during an outage resolves at once, and the bus stops retrying", async () => {
  const bus = newBus();
  await until(() => bus.connected, "the connections");
  await redis.stop();
  try {
    await until(() => bus.outages === 1, "the outage");
    await bus.close();
    expect(bus.connected).toBe(false);
  } finally {
    await redis.start();
  }
});
