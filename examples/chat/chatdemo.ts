/**
 * A chat room over long polling, ported from Tornado's `demos/chat/chatdemo.py`.
 *
 * Everyone who opens http://localhost:8888/ joins one room. The page posts what you type to
 * `/a/message/new` and keeps one request open on `/a/message/updates`, which the server answers
 * only once there is a message the page has not seen: the waiting is a `locks.Condition` that
 * `MessageBuffer.add_message` notifies. When a waiting client goes away, the handler cancels its
 * wait (`on_connection_close`), as Tornado's demo does, so the Condition forgets it at once.
 *
 * Every POST carries the XSRF token (`xsrf_cookies` is on): the page reads it from the `_xsrf`
 * cookie. Without JavaScript the form still works: it posts with `next` and is redirected back.
 *
 * Run it with `npx tsx examples/chat/chatdemo.ts` (`--port=9000` for another port,
 * `--address=127.0.0.1` to listen on loopback only, `--debug` to reload on source changes).
 * As in Tornado's demo, there is no authentication: anyone who can reach the port can talk.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { web, locks, concurrent, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });
define("debug", { default: false, help: "run in debug mode (reload on source changes)" });

/** One chat message, as kept in the buffer and sent to the pollers. */
export type ChatMessage = {
  /** A random UUID: the cursor a poller sends back, and the page's way to skip a message it shows. */
  id: string;
  /** The text as the sender typed it. */
  body: string;
  /** The message rendered by `templates/message.html` (body escaped, links clickable), ready to append. */
  html: string;
};

/** The room's recent messages, and a Condition notified whenever one is added. */
export class MessageBuffer {
  /** Notified (all waiters) whenever a message is added. */
  readonly cond = new locks.Condition();
  /** The most recent messages, oldest first. */
  cache: ChatMessage[] = [];
  /** How many messages `cache` keeps. */
  cache_size = 200;

  /**
   * The messages newer than `cursor`, the `id` of the last message the caller received, oldest
   * first. A null cursor, or one no longer in the cache, gives the whole cache.
   */
  get_messages_since(cursor: string | null): ChatMessage[] {
    let start = this.cache.length;
    while (start > 0 && this.cache[start - 1].id !== cursor) start -= 1;
    return this.cache.slice(start);
  }

  /** Appends `message`, drops the oldest beyond `cache_size`, and wakes every waiting poller. */
  add_message(message: ChatMessage): void {
    this.cache.push(message);
    if (this.cache.length > this.cache_size) this.cache.splice(0, this.cache.length - this.cache_size);
    this.cond.notify_all();
  }
}

/** The buffer the program's Application uses unless given another one. */
export const global_message_buffer = new MessageBuffer();

/** A handler of the room: takes the `MessageBuffer` from its route's `buffer` argument. */
class BufferHandler extends web.RequestHandler {
  declare buffer: MessageBuffer;

  initialize(kwargs: Record<string, unknown>): void {
    this.buffer = kwargs.buffer as MessageBuffer;
  }
}

/** Serves the chat page at `/`, with the messages so far rendered in it. */
export class MainHandler extends BufferHandler {
  get() {
    return this.render("index.html", { messages: this.buffer.cache });
  }
}

/**
 * Whether `next` is a path on this site: anything else (`https://elsewhere/`, `//elsewhere/`)
 * would make the form an open redirect.
 */
function is_local_path(next: string): boolean {
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
}

/** `POST /a/message/new`: posts a message to the room. */
export class MessageNewHandler extends BufferHandler {
  /**
   * Takes `body`, answers with the new message as JSON (or redirects to `next`, a local path,
   * when the form was posted without JavaScript), then adds it to the buffer.
   * @throws HTTPError 400 without `body`, or with a `next` that is not a local path.
   */
  post() {
    const message: ChatMessage = { id: randomUUID(), body: this.get_argument("body"), html: "" };
    message.html = this.render_string("message.html", { message }).toString("utf8");
    const next = this.get_argument("next", null) as string | null;
    if (next) {
      if (!is_local_path(next)) throw new web.HTTPError(400);
      this.redirect(next);
    } else {
      this.write(message);
    }
    this.buffer.add_message(message);
  }
}

/** `POST /a/message/updates`: a long poll, answered once there are messages past `cursor`. */
export class MessageUpdatesHandler extends BufferHandler {
  /** The wait in progress, kept so that `on_connection_close` can cancel it. */
  declare wait_future: concurrent.Future<boolean> | undefined;

  /** Waits until the buffer has messages newer than `cursor`, then answers `{"messages": [...]}`. */
  async post() {
    const cursor = this.get_argument("cursor", null) as string | null;
    let messages = this.buffer.get_messages_since(cursor);
    while (messages.length === 0) {
      this.wait_future = this.buffer.cond.wait();
      try {
        await this.wait_future;
      } catch (err) {
        if (err instanceof concurrent.CancelledError) return; // the client left
        throw err;
      }
      messages = this.buffer.get_messages_since(cursor);
    }
    if (this.request.connection?.stream?.closed() ?? true) return;
    this.write({ messages });
  }

  /** The client left mid-poll: cancels the wait, which takes it off the Condition. */
  on_connection_close(): void {
    this.wait_future?.cancel();
  }
}

/** What `Application` can be given: all optional. */
export type ChatSettings = {
  /** The room; `global_message_buffer` by default. */
  buffer?: MessageBuffer;
  /** Reload on source changes, tracebacks on error pages. */
  debug?: boolean;
};

/** The chat application: the page, the posting endpoint and the long poll, XSRF-checked. */
export class Application extends web.Application {
  constructor({ buffer = global_message_buffer, debug = false }: ChatSettings = {}) {
    super(
      [
        ["/", MainHandler, { buffer }],
        ["/a/message/new", MessageNewHandler, { buffer }],
        ["/a/message/updates", MessageUpdatesHandler, { buffer }],
      ],
      {
        template_path: join(__dirname, "templates"),
        static_path: join(__dirname, "static"),
        xsrf_cookies: true,
        debug,
      },
    );
  }
}

function main(): void {
  parse_command_line();
  new Application({ debug: options.debug }).listen(options.port, options.address || undefined);
  console.log(`Chat room at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the classes.
if (require.main === module) main();
