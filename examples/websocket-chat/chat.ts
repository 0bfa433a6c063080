/**
 * A chat room over WebSockets, ported from Tornado's `demos/websocket/chatdemo.py`.
 *
 * Everyone who opens http://localhost:8888/ joins one room: what one person types reaches
 * everybody. The page (`templates/index.html`) arrives with the last
 * `ChatSocketHandler.cache_size` messages already in it, as in Tornado's demo; the socket also
 * sends them to a newcomer (the page skips the ones it shows), so clients other than the page
 * catch up too. Messages are JSON both ways: clients send `{"body": "..."}`, the server sends
 * `{"id", "body", "html"}`, where `html` is the message rendered by `templates/message.html`:
 * body escaped, links made clickable, ready to append to the page.
 *
 * Run it with `npx tsx examples/websocket-chat/chat.ts` (`--port=9000` for another port, `--address=127.0.0.1` to listen on loopback only).
 * As in Tornado's demo, there is no authentication: anyone who can reach the port can talk.
 *
 * Messages go through the application's pub/sub bus (`app.pubsub`, channel `chat`): in-process by
 * default, through Redis with `--pubsub_url=redis://127.0.0.1:6379/0`, so that two servers on two
 * ports (or machines) sharing that Redis are one room:
 *
 *     npx tsx examples/websocket-chat/chat.ts --port=8001 --pubsub_url=redis://127.0.0.1:6379/0
 *     npx tsx examples/websocket-chat/chat.ts --port=8002 --pubsub_url=redis://127.0.0.1:6379/0
 *
 * Each server keeps its own history, of the messages it saw while it ran.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { web, websocket, escape, log, ioloop, type pubsub } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });
define("pubsub_url", { default: "", help: "share the room through this Redis, e.g. redis://127.0.0.1:6379/0" });

/** One chat message, as kept in the history and sent to every client. */
export type ChatMessage = {
  /** A random UUID; the page uses it to skip a message it already shows. */
  id: string;
  /** The text as the sender typed it. */
  body: string;
  /** The message as an HTML fragment (`templates/message.html`), body escaped, ready to append to the page. */
  html: string;
};

/** Serves the chat page at `/`, with the history rendered in it. */
export class MainHandler extends web.RequestHandler {
  get() {
    return this.render("index.html", { messages: ChatSocketHandler.cache });
  }
}

/** One connected chat client at `/chatsocket`; the class keeps the room (`waiters`) and its history (`cache`). */
export class ChatSocketHandler extends websocket.WebSocketHandler {
  /** Every open connection: each gets every new message. */
  static waiters = new Set<ChatSocketHandler>();
  /** The most recent messages, oldest first; newcomers get them on arrival. */
  static cache: ChatMessage[] = [];
  /** How many messages `cache` keeps. */
  static cache_size = 200;

  /** `{}` turns permessage-deflate on with its default settings. */
  get_compression_options() {
    return {};
  }

  /** A newcomer first catches up on the history, then joins the room. */
  open() {
    for (const chat of ChatSocketHandler.cache) ChatSocketHandler.send(this, chat);
    ChatSocketHandler.waiters.add(this);
  }

  on_close() {
    ChatSocketHandler.waiters.delete(this);
  }

  /** Adds `chat` to the history, dropping the oldest messages beyond `cache_size`. */
  static update_cache(chat: ChatMessage): void {
    this.cache.push(chat);
    if (this.cache.length > this.cache_size) this.cache.splice(0, this.cache.length - this.cache_size);
  }

  /** Sends `chat` to everyone in the room; a connection that cannot take it is logged and skipped. */
  static send_updates(chat: ChatMessage): void {
    log.app_log.info("sending message to %d waiters", this.waiters.size);
    for (const waiter of this.waiters) this.send(waiter, chat);
  }

  /** Sends one message to one client; failures (now or once the write completes) are logged, never thrown. */
  static send(waiter: ChatSocketHandler, chat: ChatMessage): void {
    try {
      waiter.write_message(chat).catch((err: unknown) => log.app_log.error("Error sending message", log.exc_info(err)));
    } catch (err) {
      log.app_log.error("Error sending message", log.exc_info(err));
    }
  }

  /** Takes `{"body": "..."}` from a client, turns it into a `ChatMessage` and publishes it to the room. */
  on_message(message: string | Buffer) {
    log.app_log.info("got message %r", message.toString());
    let parsed: unknown;
    try {
      parsed = escape.json_decode(message);
    } catch (err) {
      log.app_log.warning("Ignoring a message that is not JSON: %s", (err as Error).message);
      return;
    }
    const body = (parsed as { body?: unknown } | null)?.body;
    if (typeof body !== "string") {
      log.app_log.warning('Ignoring a message without a string "body"');
      return;
    }
    const chat: ChatMessage = { id: randomUUID(), body, html: "" };
    chat.html = this.render_string("message.html", { message: chat }).toString("utf8");
    this.application.pubsub.publish("chat", chat);
  }
}

/** The buses whose `chat` channel feeds the room: one subscription per bus, however many applications share it. */
const roomsJoined = new WeakSet<pubsub.PubSub>();

/** Each message published on `bus`'s `chat` channel, from this server or another, goes into the history and to everyone here. */
function joinRoom(bus: pubsub.PubSub): void {
  if (roomsJoined.has(bus)) return;
  roomsJoined.add(bus);
  bus.subscribe("chat", (chat: ChatMessage) => {
    ChatSocketHandler.update_cache(chat);
    ChatSocketHandler.send_updates(chat);
  });
}

/** The chat application: the page and its socket; `pubsub_url` joins servers into one room through Redis. */
export class Application extends web.Application {
  constructor(pubsub_url: string | null = null) {
    super(
      [
        ["/", MainHandler],
        ["/chatsocket", ChatSocketHandler],
      ],
      { template_path: join(__dirname, "templates"), static_path: join(__dirname, "static"), pubsub_url },
    );
    joinRoom(this.pubsub);
  }
}

function main(): void {
  parse_command_line();
  new Application(options.pubsub_url || null).listen(options.port, options.address || undefined);
  console.log(`Chat room at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the classes.
if (require.main === module) main();
