/**
 * locks.Condition behind a web.Application over real sockets: a long-poll handler waits on the
 * condition, a second request notifies it; and a long-poll whose client disconnects has its wait
 * cancelled by on_connection_close, which takes it off the condition.
 */
import { web } from "../src";
import { CancelledError, type Future } from "../src/concurrent";
import { Condition, Event } from "../src/locks";
import { serve } from "./support/serve";
import { openSocket } from "./support/wire";

/** The shared state of one test's long-poll application. */
class Board {
  readonly condition = new Condition();
  readonly messages: string[] = [];
  /** Set once a poll is waiting on the condition. */
  readonly polling = new Event();
  /** The wait of the latest poll. */
  wait: Future<boolean> | null = null;
  /** Set once a poll's wait ended cancelled. */
  readonly cancelled = new Event();
}

function routes(board: Board): web.Route[] {
  class Poll extends web.RequestHandler {
    #wait: Future<boolean> | null = null;

    async get() {
      const seen = Number(this.get_argument("seen", "0"));
      if (board.messages.length <= seen) {
        this.#wait = board.wait = board.condition.wait();
        board.polling.set();
        try {
          await this.#wait;
        } catch (err) {
          if (!(err instanceof CancelledError)) throw err;
          board.cancelled.set();
          return;
        }
      }
      this.write({ messages: board.messages.slice(seen) });
    }

    override on_connection_close() {
      this.#wait?.cancel();
    }
  }
  class Post extends web.RequestHandler {
    post() {
      board.messages.push(this.request.body.toString("utf8"));
      board.condition.notify_all();
      this.write("ok");
    }
  }
  return [
    ["/poll", Poll],
    ["/post", Post],
  ];
}

test("a long-poll request waits on a Condition until another request notifies it", async () => {
  const board = new Board();
  const server = await serve(routes(board));
  const poll = server.fetch("/poll?seen=0");
  await board.polling.wait();
  expect(board.condition.waiter_count).toBe(1);
  const post = await server.fetch("/post", { method: "POST", body: "hello" });
  expect(post.text).toBe("ok");
  const response = await poll;
  expect(response.code).toBe(200);
  expect(response.json()).toEqual({ messages: ["hello"] });
  expect(board.condition.waiter_count).toBe(0);
});

test("a long-poll whose client disconnects is cancelled and leaves the Condition", async () => {
  const board = new Board();
  const server = await serve(routes(board));
  const socket = await openSocket(server.port);
  socket.on("error", () => undefined);
  socket.write("GET /poll?seen=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await board.polling.wait();
  const wait = board.wait!;
  expect(board.condition.waiter_count).toBe(1);
  socket.destroy();
  await board.cancelled.wait();
  expect(wait.cancelled()).toBe(true);
  expect(board.condition.waiter_count).toBe(0);
  // A later notify finds nobody, and a new poll is served as usual.
  board.condition.notify_all();
  board.polling.clear();
  const poll = server.fetch("/poll?seen=0");
  await board.polling.wait();
  await server.fetch("/post", { method: "POST", body: "after" });
  expect((await poll).json()).toEqual({ messages: ["after"] });
});
