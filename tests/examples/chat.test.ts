/**
 * examples/chat (Tornado's long-polling chat): the program is started on a free port and used
 * over HTTP on 127.0.0.1 by clients that keep their `_xsrf` cookie and send its token, as the
 * page does. What the wire cannot show (the Condition's waiters, the buffer's bound) is checked
 * on the example's own Application, run in-process.
 */

import type { ChildProcess } from "node:child_process";
import { request, type ClientRequest } from "node:http";
import { testing } from "../../src";
import { Application, MessageBuffer, type ChatMessage } from "../../examples/chat/chatdemo";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

const WAIT_MS = 5000;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An HTTP answer, read whole. */
type Answer = { code: number; headers: Record<string, string | string[] | undefined>; text: string };

/** A POST in flight: its answer, and a way to drop the connection before it comes. */
type Pending = { answer: Promise<Answer>; sent: Promise<void>; abort: () => void; request: ClientRequest };

/** One chat participant: its `_xsrf` cookie (from the page), sent back with the token on every POST. */
class ChatClient {
  xsrf = "";

  constructor(readonly base: string) {}

  /** GETs the page and keeps the `_xsrf` cookie it sets (only the first time: later, the client sends it). */
  async open(): Promise<Answer> {
    const page = await this.send("GET", "/").answer;
    const cookie = ([page.headers["set-cookie"] ?? []].flat() as string[]).find((c) => c.startsWith("_xsrf="));
    if (cookie !== undefined) this.xsrf = cookie.slice("_xsrf=".length).split(";")[0];
    else if (this.xsrf === "") throw new Error(`no _xsrf cookie in ${JSON.stringify(page.headers)}`);
    return page;
  }

  /** POSTs `fields` form-encoded, with the cookie and (unless `withToken` is false) the token. */
  post(path: string, fields: Record<string, string> = {}, withToken = true): Pending {
    const form = new URLSearchParams(fields);
    if (withToken) form.set("_xsrf", this.xsrf);
    return this.send("POST", path, form.toString());
  }

  /** Says `body` in the room; resolves with the message the server made of it. */
  async say(body: string): Promise<ChatMessage> {
    const answer = await this.post("/a/message/new", { body }).answer;
    expect(answer.code).toBe(200);
    return JSON.parse(answer.text) as ChatMessage;
  }

  /** Starts a long poll for the messages after `cursor` (all of them when absent). */
  poll(cursor?: string): Pending {
    return this.post("/a/message/updates", cursor === undefined ? {} : { cursor });
  }

  send(method: string, path: string, body?: string): Pending {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { Cookie: `_xsrf=${this.xsrf}` };
    if (body !== undefined) headers["Content-Type"] = "application/x-www-form-urlencoded";
    const req = request(url, { method, headers, agent: false });
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ code: res.statusCode!, headers: res.headers, text }));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
    const sent = new Promise<void>((resolve) => req.on("finish", () => resolve()));
    req.end(body);
    // An aborted request's answer rejects ("socket hang up"): expected, so never unhandled.
    const abort = () => {
      answer.catch(() => undefined);
      req.destroy();
    };
    return { answer, sent, request: req, abort };
  }
}

/** The messages of a poll's answer, which must be a 200. */
async function messagesOf(pending: Pending): Promise<ChatMessage[]> {
  const answer = await within(pending.answer, "a poll's answer");
  expect(answer.code).toBe(200);
  return (JSON.parse(answer.text) as { messages: ChatMessage[] }).messages;
}

/** `promise`, or a rejection naming `what` after `WAIT_MS`. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `condition()` holds, checking on every turn of the event loop; rejects after `WAIT_MS`. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Whether `pending` is still unanswered after the server has handled a later request of `other`. */
async function stillWaiting(pending: Pending, other: ChatClient): Promise<boolean> {
  let answered = false;
  void pending.answer.then(() => (answered = true)).catch(() => undefined);
  await other.open();
  return !answered;
}

describe("examples/chat/chatdemo.ts as a program", () => {
  let child: ChildProcess | null = null;
  let output: ProgramOutput;
  let base = "";
  let pending: Pending[] = [];

  const client = async () => {
    const c = new ChatClient(base);
    await c.open();
    return c;
  };
  const track = (p: Pending) => (pending.push(p), p);

  beforeEach(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    pending = [];
    child = startProgram("examples/chat/chatdemo.ts", [`--port=${port}`, "--address=127.0.0.1"]);
    output = new ProgramOutput(child);
    await fetchWhenUp(`${base}/`);
  });

  afterEach(async () => {
    for (const p of pending) p.abort();
    if (child !== null) {
      await stopProgram(child, WAIT_MS);
      child = null;
    }
  });

  test("serves the page with the form, its XSRF field and cookie, and the script that polls", async () => {
    const alice = new ChatClient(base);
    const page = await alice.open();
    expect(page.code).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toContain('<form action="/a/message/new" method="post" id="messageform">');
    expect(page.text).toContain('<input type="hidden" name="next" value="/">');
    expect(page.text).toMatch(/<input type="hidden" name="_xsrf" value="[^"]+"\/>/);
    expect(page.text).not.toContain('class="message"');
    const script = /src="(\/static\/chat\.js\?v=[0-9a-f]+)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const js = await alice.send("GET", script!).answer;
    expect(js.code).toBe(200);
    expect(js.text).toContain("/a/message/updates");
    expect(output.text).toContain(`http://localhost:${base.split(":")[2]}/`);
  });

  test("a long poll waits for the next message, which another client posts", async () => {
    const [alice, bob] = [await client(), await client()];
    const poll = track(alice.poll());
    expect(await stillWaiting(poll, bob)).toBe(true);
    const said = await bob.say("<b>hi</b> see https://example.com/?a=1&b=2");
    expect(said.id).toMatch(UUID_RE);
    expect(said.body).toBe("<b>hi</b> see https://example.com/?a=1&b=2");
    expect(said.html).toBe(
      `<div class="message" id="m${said.id}">&lt;b&gt;hi&lt;/b&gt; see ` +
        '<a href="https://example.com/?a=1&amp;b=2">https://example.com/?a=1&amp;b=2</a></div>\n',
    );
    expect(await messagesOf(poll)).toEqual([said]);
  });

  test("a poll with a cursor gets only the messages after it; without one, all of them at once", async () => {
    const alice = await client();
    const first = await alice.say("one");
    const second = await alice.say("two");
    const third = await alice.say("three");
    expect(await messagesOf(alice.poll())).toEqual([first, second, third]);
    expect(await messagesOf(alice.poll(first.id))).toEqual([second, third]);
    const waiting = track(alice.poll(third.id));
    expect(await stillWaiting(waiting, alice)).toBe(true);
    const fourth = await alice.say("four");
    expect(await messagesOf(waiting)).toEqual([fourth]);
  });

  test("every waiting poller gets the message", async () => {
    const clients = [await client(), await client(), await client()];
    const last = await clients[0].say("before");
    const polls = clients.map((c) => track(c.poll(last.id)));
    expect(await stillWaiting(polls[2], clients[0])).toBe(true);
    const said = await clients[1].say("to all");
    for (const poll of polls) expect(await messagesOf(poll)).toEqual([said]);
  });

  test("the page lists the messages so far, rendered by message.html", async () => {
    const alice = await client();
    const said = await alice.say("<i>history</i>");
    const page = await alice.open();
    expect(page.text).toContain(said.html.trim());
    expect(page.text).not.toContain("<i>history</i>");
  });

  test("POSTs without a token matching the _xsrf cookie are refused with 403", async () => {
    const alice = await client();
    expect((await alice.post("/a/message/new", { body: "x" }, false).answer).code).toBe(403);
    expect((await alice.post("/a/message/updates", {}, false).answer).code).toBe(403);
    const stranger = new ChatClient(base);
    stranger.xsrf = "2|00000000|00000000000000000000000000000000|0";
    const mismatched = stranger.send(
      "POST",
      "/a/message/new",
      new URLSearchParams({ body: "x", _xsrf: alice.xsrf }).toString(),
    );
    expect((await mismatched.answer).code).toBe(403);
    expect(output.text).toContain("'_xsrf' argument missing from POST");
  });

  test("the form without JavaScript posts with next and is sent back; a next off the site is a 400", async () => {
    const alice = await client();
    const back = await alice.post("/a/message/new", { body: "from the form", next: "/" }).answer;
    expect(back.code).toBe(302);
    expect(back.headers.location).toBe("/");
    for (const next of ["//evil.example/", "https://evil.example/", "evil"]) {
      expect((await alice.post("/a/message/new", { body: "nope", next }).answer).code).toBe(400);
    }
    const messages = await messagesOf(alice.poll());
    expect(messages.map((m) => m.body)).toEqual(["from the form"]);
  });

  test("pollers that leave mid-wait are let go, and the room carries on", async () => {
    const [alice, bob] = [await client(), await client()];
    const last = await alice.say("before");
    const leavers = [1, 2, 3, 4, 5].map(() => alice.poll(last.id));
    await Promise.all(leavers.map((p) => p.sent));
    expect(await stillWaiting(leavers[4], bob)).toBe(true);
    for (const p of leavers) p.abort();
    // Each cancelled wait ends its request, which the access log then shows, with no message posted.
    await output.waitFor(/(?:[^]*?POST \/a\/message\/updates){5}/, WAIT_MS);
    const stayer = track(bob.poll(last.id));
    expect(await stillWaiting(stayer, alice)).toBe(true);
    const said = await alice.say("after they left");
    expect(await messagesOf(stayer)).toEqual([said]);
    expect(child!.exitCode).toBeNull();
  });
});

describe("the chat Application in-process", () => {
  let server: testing.TestServer;
  let buffer: MessageBuffer;
  let pending: Pending[];

  beforeEach(async () => {
    buffer = new MessageBuffer();
    pending = [];
    server = await testing.start_server(new Application({ buffer }));
  });

  afterEach(async () => {
    for (const p of pending) p.abort();
    await server.close();
  });

  async function client(): Promise<ChatClient> {
    const c = new ChatClient(server.get_url("/"));
    await c.open();
    return c;
  }

  test("each waiting poller is a waiter on the buffer's Condition, and leaving cancels its wait", async () => {
    const alice = await client();
    const polls = [1, 2, 3].map(() => alice.poll());
    await until(() => buffer.cond.waiter_count === 3, "three waiters");
    for (const p of polls) p.abort();
    await until(() => buffer.cond.waiter_count === 0, "the waiters to be cancelled");
    const stayer = alice.poll();
    pending.push(stayer);
    await until(() => buffer.cond.waiter_count === 1, "a new waiter");
    const said = await alice.say("hello");
    expect(await messagesOf(stayer)).toEqual([said]);
    expect(buffer.cond.waiter_count).toBe(0);
  });

  test("the buffer keeps the last cache_size messages (200, as Tornado's)", async () => {
    expect(buffer.cache_size).toBe(200);
    buffer.cache_size = 3;
    const alice = await client();
    const said: ChatMessage[] = [];
    for (const body of ["1", "2", "3", "4", "5"]) said.push(await alice.say(body));
    expect(buffer.cache.map((m) => m.body)).toEqual(["3", "4", "5"]);
    // A cursor no longer in the buffer gets all that is left, as in Tornado's.
    expect(await messagesOf(alice.poll(said[0].id))).toEqual(said.slice(2));
    expect(await messagesOf(alice.poll(said[3].id))).toEqual(said.slice(4));
  });

  test("get_messages_since: after the cursor, oldest first; all for a null or unknown cursor", () => {
    const message = (id: string): ChatMessage => ({ id, body: id, html: "" });
    expect(buffer.get_messages_since(null)).toEqual([]);
    for (const id of ["a", "b", "c"]) buffer.add_message(message(id));
    expect(buffer.get_messages_since(null).map((m) => m.id)).toEqual(["a", "b", "c"]);
    expect(buffer.get_messages_since("a").map((m) => m.id)).toEqual(["b", "c"]);
    expect(buffer.get_messages_since("c")).toEqual([]);
    expect(buffer.get_messages_since("gone").map((m) => m.id)).toEqual(["a", "b", "c"]);
  });
});
