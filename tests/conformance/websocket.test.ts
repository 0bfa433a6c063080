/**
 * WebSockets, served by Python Tornado and by tornado-ts, driven by a Node client (`ws`) and by
 * raw handshakes: messages, subprotocols, close codes and reasons, limits, refusals.
 */
import { compareCases } from "./cases";
import { expectConformance, expectDeliberateCasesCompared, type Fields } from "./compare";
import { send, useServerPair, type Side } from "./runner";
import { connect, type RecordingClient } from "../support/ws";

const pair = useServerPair();
const STEP_TIMEOUT_MS = 5000;

/** Waits for the close (clearing its timer, so that nothing outlives the test); rejects after the step timeout. */
async function closeOf(client: RecordingClient): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the connection was not closed in time")), STEP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([client.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a Node client saw on one connection: the messages, the subprotocol, the close code and reason. */
async function outcome(
  side: Side,
  path: string,
  drive: (client: RecordingClient) => Promise<void>,
  options: { protocols?: string[]; strict?: boolean } = {},
): Promise<Fields> {
  const port = options.strict ? side.strictPort : side.port;
  const client = await connect(`ws://127.0.0.1:${port}${path}`, options.protocols);
  await drive(client);
  const { code, reason } = await closeOf(client);
  const messages = client.messages.map(({ data, binary }) =>
    binary ? { binary: (data as Buffer).toString("hex") } : data,
  );
  return { messages, protocol: client.socket.protocol, close_code: code, close_reason: reason };
}

/** Defines a test that drives a connection to `path` on both sides and compares what the client saw. */
function compareConnections(
  id: string,
  path: string,
  drive: (client: RecordingClient) => Promise<void>,
  options: { protocols?: string[]; strict?: boolean } = {},
): void {
  test(`${id} (ws ${path})`, async () => {
    const [python, ts] = await Promise.all([
      outcome(pair().python, path, drive, options),
      outcome(pair().ts, path, drive, options),
    ]);
    expectConformance(id, python, ts);
  });
}

/** Sends each message, waits for as many answers, then closes normally. */
const echo =
  (...messages: Array<string | Buffer>) =>
  async (client: RecordingClient) => {
    for (const [i, message] of messages.entries()) {
      client.socket.send(message);
      await client.nth(i + 1, STEP_TIMEOUT_MS);
    }
    client.socket.close(1000);
  };
const waitForMessages = (count: number) => async (client: RecordingClient) => {
  await client.nth(count, STEP_TIMEOUT_MS);
  client.socket.close(1000);
};
const sendOnly = (message: string) => async (client: RecordingClient) => client.socket.send(message);
const waitForServerClose = async () => undefined;

describe("messages and closing (Node client)", () => {
  compareConnections("ws/echo-text", "/ws/echo", echo("hello", "again"));
  compareConnections("ws/echo-unicode", "/ws/echo", echo("h\u00e9llo \u2603"));
  compareConnections("ws/echo-binary", "/ws/echo", echo(Buffer.from([0x68, 0xe9, 0x00, 0xff])));
  compareConnections("ws/json-written-in-open", "/ws/json", waitForMessages(1));
  compareConnections("ws/path-argument-decoded", "/ws/path/hello%20there", waitForMessages(1));
  compareConnections("ws/subprotocol-chosen", "/ws/subprotocol", waitForMessages(1), {
    protocols: ["badproto", "goodproto"],
  });
  compareConnections("ws/subprotocol-none-offered", "/ws/subprotocol", waitForMessages(1));
  compareConnections("ws/server-close-code-and-reason", "/ws/close/4000", waitForServerClose);
  compareConnections("ws/server-close-without-code", "/ws/close-bare", waitForServerClose);
  compareConnections("ws/client-close-echoed", "/ws/echo", async (client) =>
    client.socket.close(4002, "client reason"),
  );
  compareConnections("ws/exception-in-on-message", "/ws/crash", sendOnly("boom"));
  compareConnections("ws/largest-message-echoed", "/ws/echo", echo("x".repeat(1024)), { strict: true });
  compareConnections("ws/oversize-message-closes", "/ws/echo", sendOnly("x".repeat(1025)), { strict: true });

  test("ws/ping-answered-with-pong (ws /ws/echo)", async () => {
    const pong = async (side: Side): Promise<Fields> => {
      const client = await connect(`ws://127.0.0.1:${side.port}/ws/echo`);
      const data = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${side.name}: no pong`)), STEP_TIMEOUT_MS);
        client.socket.once("pong", (payload: Buffer) => {
          clearTimeout(timer);
          resolve(payload);
        });
        client.socket.ping("are you there");
      });
      client.socket.close(1000);
      return { pong: data.toString() };
    };
    expectConformance("ws/ping-answered-with-pong", await pong(pair().python), await pong(pair().ts));
  });

  test("ws/client-close-code-seen-by-server (ws /ws/recording)", async () => {
    const seenByServer = async (side: Side): Promise<Fields> => {
      const client = await connect(`ws://127.0.0.1:${side.port}/ws/recording`);
      client.socket.close(4001, "client bye");
      await closeOf(client);
      return lastCloseRecorded(side);
    };
    expectConformance(
      "ws/client-close-code-seen-by-server",
      await seenByServer(pair().python),
      await seenByServer(pair().ts),
    );
  });
});

/** Polls the server's record of the last close until its on_close has run (bounded in time). */
async function lastCloseRecorded(side: Side): Promise<Fields> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const seen = JSON.parse((await send(side, { path: "/ws/last-close" })).body.toString()) as Fields;
    if (seen.code !== null || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A handshake request to `path`, with `headers` replacing or (when undefined) removing the standard ones. */
function handshake(path: string, headers: Record<string, string | undefined> = {}, method = "GET") {
  const standard: Record<string, string | undefined> = {
    Host: "conformance.test",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...headers,
  };
  const present = Object.entries(standard).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { method, path, headers: Object.fromEntries(present) };
}

describe("handshakes", () => {
  compareCases(pair, [
    { id: "ws/handshake-accepted-101", request: handshake("/ws/echo") },
    { id: "ws/handshake-headers-from-prepare-and-defaults", request: handshake("/ws/headers") },
    {
      id: "ws/handshake-subprotocol-header",
      request: handshake("/ws/subprotocol", { "Sec-WebSocket-Protocol": "badproto, goodproto" }),
    },
    {
      id: "ws/unoffered-subprotocol-is-500",
      request: handshake("/ws/subprotocol-unoffered", { "Sec-WebSocket-Protocol": "chat" }),
    },
    { id: "ws/plain-get-is-400", request: { path: "/ws/echo" } },
    { id: "ws/connection-not-upgrade-is-400", request: handshake("/ws/echo", { Connection: "keep-alive" }) },
    { id: "ws/missing-key-is-400", request: handshake("/ws/echo", { "Sec-WebSocket-Key": undefined }) },
    { id: "ws/version-12-is-426", request: handshake("/ws/echo", { "Sec-WebSocket-Version": "12" }) },
    { id: "ws/version-7", request: handshake("/ws/echo", { "Sec-WebSocket-Version": "7" }) },
    { id: "ws/same-origin-accepted", request: handshake("/ws/echo", { Origin: "http://conformance.test" }) },
    {
      id: "ws/same-origin-with-path-accepted",
      request: handshake("/ws/echo", { Origin: "http://CONFORMANCE.test/some/page" }),
    },
    { id: "ws/foreign-origin-is-403", request: handshake("/ws/echo", { Origin: "http://other.example" }) },
    { id: "ws/subdomain-origin-is-403", request: handshake("/ws/echo", { Origin: "http://sub.conformance.test" }) },
    { id: "ws/origin-without-scheme-is-403", request: handshake("/ws/echo", { Origin: "conformance.test" }) },
    { id: "ws/prepare-refusal-401", request: handshake("/ws/refuse") },
    { id: "ws/no-route-is-404", request: handshake("/ws/none") },
    { id: "ws/post-upgrade-is-405", request: handshake("/ws/echo", {}, "POST") },
  ]);
});

test("every deliberate difference listed under ws/ names a compared case", () => {
  expectDeliberateCasesCompared("ws/");
});
