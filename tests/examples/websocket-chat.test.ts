/**
 * examples/websocket-chat: the program is started as a user would start it, on a free port,
 * and talked to with `ws` clients on 127.0.0.1. A few behaviours that cannot be provoked
 * reliably from outside (a send that fails, the history limit) are checked in-process on
 * the example's own classes.
 */

import type { ChildProcess } from "node:child_process";
import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { log, testing, websocket } from "../../src";
import { Application, ChatSocketHandler, type ChatMessage } from "../../examples/websocket-chat/chat";
import { fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

const WAIT_MS = 5000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A chat participant: a `ws` client (compression offered, as by default) that keeps every message it receives. */
class ChatClient {
  readonly received: ChatMessage[] = [];
  /** The server's answer to the upgrade request. */
  upgradeResponse: IncomingMessage | null = null;
  #wake: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on("upgrade", (response) => (this.upgradeResponse = response));
    socket.on("message", (data: Buffer) => {
      this.received.push(JSON.parse(data.toString("utf8")) as ChatMessage);
      this.#wake.splice(0).forEach((wake) => wake());
    });
    socket.on("close", () => this.#wake.splice(0).forEach((wake) => wake()));
    socket.on("error", () => undefined);
  }

  /** Connects and waits for the handshake, at most `WAIT_MS`. */
  static async connect(url: string, clients: ChatClient[]): Promise<ChatClient> {
    const client = new ChatClient(new WebSocket(url));
    clients.push(client);
    await within(
      new Promise<void>((resolve, reject) => {
        client.socket.once("open", () => resolve());
        client.socket.once("error", reject);
      }),
      `connecting to ${url}`,
    );
    return client;
  }

  /** Sends a chat line as the page does: `{"body": ...}`. */
  say(body: string): void {
    this.socket.send(JSON.stringify({ body }));
  }

  /** Resolves with the first `n` messages once they have arrived; rejects after `WAIT_MS`. */
  async firstMessages(n: number): Promise<ChatMessage[]> {
    const deadline = Date.now() + WAIT_MS;
    while (this.received.length < n) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(
          `got ${this.received.length} of ${n} messages: ${JSON.stringify(this.received.map((m) => m.body))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.slice(0, n);
  }

  /** Closes with a closing handshake and waits for the close, at most `WAIT_MS`. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once("close", () => resolve()));
    this.socket.close();
    await within(closed, "closing a client");
  }
}

/** `promise`, or a rejection naming `what` after `WAIT_MS`. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function bodies(messages: ChatMessage[]): string[] {
  return messages.map((message) => message.body);
}

describe("examples/websocket-chat/chat.ts as a program", () => {
  let child: ChildProcess | null = null;
  let output = "";
  let port = 0;
  let clients: ChatClient[] = [];

  const socketUrl = () => `ws://127.0.0.1:${port}/chatsocket`;
  const join = () => ChatClient.connect(socketUrl(), clients);

  beforeEach(async () => {
    port = await freePort();
    output = "";
    clients = [];
    child = startProgram("examples/websocket-chat/chat.ts", [`--port=${port}`, "--address=127.0.0.1"]);
    // Read its output (so a full pipe never stalls it) and keep it for failure messages.
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await fetchWhenUp(`http://127.0.0.1:${port}/`);
  });

  afterEach(async () => {
    for (const client of clients) client.socket.terminate();
    if (child !== null) {
      await stopProgram(child, WAIT_MS);
      child = null;
    }
  });

  test("serves the chat page at /, which connects to /chatsocket", async () => {
    const response = await testing.fetch(`http://127.0.0.1:${port}/`);
    expect(response.code).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(response.text).toContain("/chatsocket");
    expect(output).toContain(`http://localhost:${port}/`);
  });

  test("the page comes with the history rendered in it by the same message.html the socket uses", async () => {
    const empty = await testing.fetch(`http://127.0.0.1:${port}/`);
    expect(empty.text).not.toContain('class="message"');

    const alice = await join();
    alice.say("<b>first</b> & co");
    alice.say("see https://example.com/a?b=1&c=2");
    const [first, second] = await alice.firstMessages(2);
    expect(first.html).toBe(`<div class="message" id="m${first.id}">&lt;b&gt;first&lt;/b&gt; &amp; co</div>\n`);
    expect(second.html).toContain('<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>');

    const page = await testing.fetch(`http://127.0.0.1:${port}/`);
    expect(page.code).toBe(200);
    const inbox = page.text.slice(page.text.indexOf('<div id="inbox">'), page.text.indexOf("</div>\n<form"));
    expect(inbox).toContain(first.html.trim());
    expect(inbox).toContain(second.html.trim());
    expect(inbox.indexOf(first.id)).toBeLessThan(inbox.indexOf(second.id));
    expect(page.text).not.toContain("<b>first</b>");
  });

  test("a message from one client is broadcast to every connected client", async () => {
    const [alice, bob, carol] = [await join(), await join(), await join()];
    alice.say("hello, room");
    const [[a], [b], [c]] = await Promise.all([alice.firstMessages(1), bob.firstMessages(1), carol.firstMessages(1)]);
    expect(a.body).toBe("hello, room");
    expect(a.id).toMatch(UUID_RE);
    expect(a.html).toContain("hello, room");
    expect(a.html).toContain(`id="m${a.id}"`);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  test("a client that joins later first receives the history, oldest first, then new messages", async () => {
    const alice = await join();
    for (const body of ["one", "two", "three"]) alice.say(body);
    const history = await alice.firstMessages(3);
    expect(bodies(history)).toEqual(["one", "two", "three"]);

    const dave = await join();
    expect(await dave.firstMessages(3)).toEqual(history);
    alice.say("four");
    const [, , , live] = await dave.firstMessages(4);
    expect(live.body).toBe("four");
  });

  test("HTML in a body arrives escaped in html, and unchanged in body", async () => {
    const alice = await join();
    const bob = await join();
    const body = `<script>alert("hi")</script> & <b>bold</b>`;
    alice.say(body);
    const [message] = await bob.firstMessages(1);
    expect(message.body).toBe(body);
    expect(message.html).toContain("&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(message.html).not.toContain("<script");
    expect(message.html).not.toContain("<b>");
  });

  test("messages that are not JSON or lack a string body are ignored, and the chat carries on", async () => {
    const alice = await join();
    const bob = await join();
    for (const bad of ["not json", "{", "null", "[1, 2]", '{"text": "no body"}', '{"body": 5}']) alice.socket.send(bad);
    alice.socket.send(Buffer.from([0xff, 0xfe, 0x00]), { binary: true });
    // Messages on one connection are handled in order: had any bad one been broadcast, it would come first.
    alice.say("after the noise");
    expect(bodies(await alice.firstMessages(1))).toEqual(["after the noise"]);
    bob.say("still here");
    expect(bodies(await alice.firstMessages(2))).toEqual(["after the noise", "still here"]);
    expect(bodies(await bob.firstMessages(2))).toEqual(["after the noise", "still here"]);
    expect(alice.socket.readyState).toBe(WebSocket.OPEN);
    expect(child!.exitCode).toBeNull();
  });

  test("clients that leave, cleanly or abruptly, do not stop the broadcast to the rest", async () => {
    const [alice, bob, carol, dave] = [await join(), await join(), await join(), await join()];
    const carolGone = carol.close();
    dave.socket.terminate();
    alice.say("while they leave");
    expect(bodies(await alice.firstMessages(1))).toEqual(["while they leave"]);
    expect(bodies(await bob.firstMessages(1))).toEqual(["while they leave"]);
    await carolGone;
    bob.say("after they left");
    expect(bodies(await alice.firstMessages(2))).toEqual(["while they leave", "after they left"]);
    expect(bodies(await bob.firstMessages(2))).toEqual(["while they leave", "after they left"]);
    expect(child!.exitCode).toBeNull();
  });

  test("permessage-deflate is negotiated in the handshake", async () => {
    const alice = await join();
    expect(alice.upgradeResponse?.headers["sec-websocket-extensions"]).toContain("permessage-deflate");
    expect(alice.socket.extensions).toContain("permessage-deflate");
    alice.say("x".repeat(2000));
    expect(bodies(await alice.firstMessages(1))).toEqual(["x".repeat(2000)]);
  });
});

describe("ChatSocketHandler in-process", () => {
  let server: testing.TestServer | null = null;
  let clients: ChatClient[] = [];
  const join = () => ChatClient.connect(server!.get_url("/chatsocket").replace(/^http/, "ws"), clients);

  beforeEach(async () => {
    clients = [];
    server = await testing.start_server(new Application());
  });

  afterEach(async () => {
    for (const client of clients) client.socket.terminate();
    await server?.close();
    server = null;
    ChatSocketHandler.waiters.clear();
    ChatSocketHandler.cache = [];
    ChatSocketHandler.cache_size = 200;
  });

  test("a waiter whose send fails is logged with app_log and skipped; the others still get the message", async () => {
    const gone = {
      write_message() {
        throw new websocket.WebSocketClosedError();
      },
    } as unknown as ChatSocketHandler;
    ChatSocketHandler.waiters.add(gone); // first in the set, so the broadcast must go on past it
    const alice = await join();
    const bob = await join();
    await testing.ExpectLog.around(log.app_log, /^Error sending message/, async () => {
      alice.say("anyone there?");
      expect(bodies(await alice.firstMessages(1))).toEqual(["anyone there?"]);
      expect(bodies(await bob.firstMessages(1))).toEqual(["anyone there?"]);
    });
  });

  test("the history keeps only the last cache_size messages", async () => {
    ChatSocketHandler.cache_size = 3;
    const alice = await join();
    for (const body of ["1", "2", "3", "4", "5"]) alice.say(body);
    await alice.firstMessages(5);
    expect(bodies(ChatSocketHandler.cache)).toEqual(["3", "4", "5"]);
    const bob = await join();
    expect(bodies(await bob.firstMessages(3))).toEqual(["3", "4", "5"]);
  });

  test("a connection leaves the room when it closes", async () => {
    const alice = await join();
    expect(ChatSocketHandler.waiters.size).toBe(1);
    await alice.close();
    // The server sees the close by the time the client does, or a tick later; wait for it, bounded.
    const deadline = Date.now() + WAIT_MS;
    while (ChatSocketHandler.waiters.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    expect(ChatSocketHandler.waiters.size).toBe(0);
  });
});
