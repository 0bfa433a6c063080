/**
 * IOLoop.run_in_executor with concurrent.ThreadPoolExecutor: the function runs on a worker
 * thread while the loop goes on, over real sockets too.
 */
import { threadId } from "node:worker_threads";
import { concurrent, ioloop, web } from "../src";
import { ExecutorShutdownError, ThreadPoolExecutor } from "../src/concurrent";
import { serve } from "./support/serve";

let pool: ThreadPoolExecutor;
beforeEach(() => {
  pool = new ThreadPoolExecutor(2);
});
afterEach(() => pool.shutdown());

const loop = () => ioloop.IOLoop.current();

test("the function runs on another thread, with its arguments copied there", async () => {
  // The function runs in the worker from its source text: it requires what it needs itself.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const elsewhere = await loop().run_in_executor(pool, () => require("node:worker_threads").threadId as number);
  expect(elsewhere).not.toBe(threadId);
  expect(await loop().run_in_executor(pool, (a: number, b: { n: number }) => a + b.n, 2, { n: 3 })).toBe(5);
  expect(await pool.submit(async (s: string) => s.toUpperCase(), "async")).toBe("ASYNC");
});

test("the loop goes on while the worker waits: the worker sees what this thread writes meanwhile", async () => {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  const result = loop().run_in_executor(
    pool,
    (cells: Int32Array) => {
      Atomics.wait(cells, 0, 0, 2000);
      return Atomics.load(cells, 0);
    },
    shared,
  );
  // Inline, the call above would block this thread for 2 s and resolve 0.
  await new Promise<void>((resolve) => setImmediate(resolve));
  Atomics.store(shared, 0, 42);
  Atomics.notify(shared, 0);
  expect(await result).toBe(42);
});

test("what the function throws comes back as an Error of the same name and message", async () => {
  const failing = pool.submit(() => {
    throw new RangeError("in worker");
  });
  await expect(failing).rejects.toMatchObject({ name: "RangeError", message: "in worker" });
  await expect(pool.submit(() => () => 1)).rejects.toThrow(/could not be cloned/);
});

test("at most max_workers threads; the others wait their turn in order", async () => {
  const single = new ThreadPoolExecutor(1);
  const ids = await Promise.all(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    [1, 2, 3].map((n) => single.submit((k: number) => [k, require("node:worker_threads").threadId], n)),
  );
  expect(ids.map(([k]) => k)).toEqual([1, 2, 3]);
  expect(new Set(ids.map(([, id]) => id)).size).toBe(1);
  expect(single.max_workers).toBe(1);
  await single.shutdown();
  expect(() => new ThreadPoolExecutor(0)).toThrow(RangeError);
});

test("shutdown lets queued tasks finish, then refuses new ones", async () => {
  const queued = [pool.submit(() => 1), pool.submit(() => 2), pool.submit(() => 3)];
  const stopped = pool.shutdown();
  expect(await Promise.all(queued)).toEqual([1, 2, 3]);
  await stopped;
  await expect(pool.submit(() => 4)).rejects.toBeInstanceOf(ExecutorShutdownError);
  expect(concurrent.ThreadPoolExecutor).toBe(ThreadPoolExecutor);
});

test("a handler computes on a worker thread while another request is served", async () => {
  const shared = new Int32Array(new SharedArrayBuffer(4));
  class Compute extends web.RequestHandler {
    async get() {
      const value = await ioloop.IOLoop.current().run_in_executor(
        pool,
        (cells: Int32Array) => {
          Atomics.wait(cells, 0, 0, 2000);
          return Atomics.load(cells, 0) * 2;
        },
        shared,
      );
      this.write({ value });
    }
  }
  class Release extends web.RequestHandler {
    get() {
      Atomics.store(shared, 0, 21);
      Atomics.notify(shared, 0);
      this.write("released");
    }
  }
  const server = await serve([
    ["/compute", Compute],
    ["/release", Release],
  ]);
  const computing = server.fetch("/compute");
  expect((await server.fetch("/release")).text).toBe("released");
  expect((await computing).json()).toEqual({ value: 42 });
});
