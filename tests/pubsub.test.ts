import { pubsub, web, websocket, log, testing } from "../src";
import { serve } from "./support/serve";

// The in-process bus, and WebSocketHandler.subscribe over real sockets. The Redis bus is in
// tests/pubsub-redis.test.ts.

test("messages reach every subscriber of their channel, in publish order, and no other channel's", () => {
  const bus = new pubsub.InProcessPubSub();
  const seen: string[] = [];
  bus.subscribe("a", (message, channel) => seen.push(`1:${channel}:${message}`));
  bus.subscribe("a", (message) => seen.push(`2:${message}`));
  bus.subscribe("b", (message) => seen.push(`b:${message}`));
  for (let i = 0; i < 3; i++) bus.publish("a", `m${i}`);
  bus.publish("c", "nobody listens");
  expect(seen).toEqual(["1:a:m0", "2:m0", "1:a:m1", "2:m1", "1:a:m2", "2:m2"]);
});

test("a publish from inside a callback is delivered after the current delivery, not inside it", () => {
  const bus = new pubsub.InProcessPubSub();
  const trace: string[] = [];
  bus.subscribe("room", (message: string) => {
    trace.push(`first got ${message}`);
    if (message === "hello") bus.publish("room", "reply");
    trace.push(`first done with ${message}`);
  });
  bus.subscribe("room", (message: string) => trace.push(`second got ${message}`));
  bus.publish("room", "hello");
  expect(trace).toEqual([
    "first got hello",
    "first done with hello",
    "second got hello",
    "first got reply",
    "first done with reply",
    "second got reply",
  ]);
});

test("unsubscribing stops delivery at once, also for a subscriber still due the current message", () => {
  const bus = new pubsub.InProcessPubSub();
  const seen: string[] = [];
  let stopSecond: () => void = () => undefined;
  const stopFirst = bus.subscribe("x", (message: string) => {
    seen.push(`first:${message}`);
    stopSecond();
  });
  stopSecond = bus.subscribe("x", (message: string) => seen.push(`second:${message}`));
  expect(bus.subscription_count("x")).toBe(2);
  bus.publish("x", "one");
  expect(seen).toEqual(["first:one"]);
  stopFirst();
  stopFirst();
  expect([bus.subscription_count("x"), bus.subscription_count()]).toEqual([0, 0]);
  bus.publish("x", "two");
  expect(seen).toEqual(["first:one"]);
});

test("a subscriber that throws is logged; the others still get the message", async () => {
  const bus = new pubsub.InProcessPubSub();
  const seen: unknown[] = [];
  bus.subscribe("x", () => {
    throw new Error("boom");
  });
  bus.subscribe("x", (message) => seen.push(message));
  await testing.ExpectLog.around(log.app_log, /Uncaught exception in a pub\/sub subscriber of "x"/, () =>
    bus.publish("x", { n: 1 }),
  );
  expect(seen).toEqual([{ n: 1 }]);
});

test("strings, Buffers and JSON-able values are accepted; undefined, functions and bigints are a TypeError", () => {
  const bus = new pubsub.InProcessPubSub();
  const seen: unknown[] = [];
  bus.subscribe("x", (message) => seen.push(message));
  const values = ["text", Buffer.from([0, 255]), { a: [1, null] }, [1, 2], 3, true, null];
  for (const value of values) bus.publish("x", value);
  expect(seen).toEqual(values);
  for (const bad of [undefined, () => 1, 10n]) {
    expect(() => bus.publish("x", bad as never)).toThrow(TypeError);
  }
});

test("an Application without pubsub_url uses the process's in-process bus, as the module-level functions do", () => {
  const app = new web.Application([]);
  expect(app.pubsub).toBe(pubsub.default_pubsub());
  const seen: unknown[] = [];
  const stop = app.pubsub.subscribe("module-level", (message) => seen.push(message));
  pubsub.publish("module-level", "hi");
  stop();
  const stop2 = pubsub.subscribe("module-level", (message) => seen.push(message));
  app.pubsub.publish("module-level", "ho");
  stop2();
  expect(seen).toEqual(["hi", "ho"]);
  expect(() => new web.Application([], { pubsub_url: "http://example.invalid/" }).pubsub).toThrow(/redis:\/\//);
});

class Listener extends websocket.WebSocketHandler {
  open() {
    this.subscribe("news", (message: string) => this.write_message(`news: ${message}`));
    this.subscribe("sports", (message: string) => this.write_message(`sports: ${message}`));
  }
  on_message(message: string | Buffer) {
    this.application.pubsub.publish("news", message.toString());
  }
}

class SubscribesTooEarly extends websocket.WebSocketHandler {
  prepare() {
    try {
      this.subscribe("news", () => undefined);
    } catch (err) {
      this.set_header("X-Refused", (err as Error).message);
    }
  }
}

test("WebSocketHandler.subscribe delivers while the connection is open; closing leaves zero subscriptions", async () => {
  const bus = new pubsub.InProcessPubSub();
  const server = await serve(
    [
      ["/listen", Listener],
      ["/early", SubscribesTooEarly],
    ],
    { pubsub: bus },
  );
  const url = server.get_url("/listen").replace("http", "ws");
  const [ada, bob] = await Promise.all([websocket.websocket_connect(url), websocket.websocket_connect(url)]);
  expect(bus.subscription_count()).toBe(4);
  await ada.write_message("rain");
  expect([await ada.read_message(), await bob.read_message()]).toEqual(["news: rain", "news: rain"]);
  bus.publish("sports", "goal");
  expect([await ada.read_message(), await bob.read_message()]).toEqual(["sports: goal", "sports: goal"]);

  ada.close();
  expect(await ada.read_message()).toBeNull();
  await waitForCount(bus, 2);
  bob.close();
  expect(await bob.read_message()).toBeNull();
  await waitForCount(bus, 0);
  expect([bus.subscription_count("news"), bus.subscription_count("sports")]).toEqual([0, 0]);
  bus.publish("news", "nobody hears this");

  const early = await server.fetch("/early", { headers: { Upgrade: "websocket", Connection: "Upgrade" } });
  expect(early.headers.get("X-Refused")).toMatch(/needs an open WebSocket connection/);
  expect(bus.subscription_count()).toBe(0);
});

/** The server side of a close may finish a moment after the client's: wait for the count (bounded). */
async function waitForCount(bus: pubsub.PubSub, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (bus.subscription_count() !== count) {
    if (Date.now() > deadline) throw new Error(`subscriptions stayed at ${bus.subscription_count()}, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
