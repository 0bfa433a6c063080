/**
 * tornado.queues, the cases of Tornado's queues_test.py. Timeouts are short (0.01 s): they are
 * the behaviour under test. Nothing sleeps to synchronise: each test awaits the futures it
 * depends on.
 */
import { gen, queues } from "../src";
import type { Future } from "../src/concurrent";
import { LifoQueue, PriorityQueue, python_compare, Queue, QueueEmpty, QueueFull } from "../src/queues";

const SHORT = { seconds: 0.01 };

/** A Queue whose waiting getters and putters a test can count, as Tornado's tests read `q._getters`. */
class Inspectable<T> extends Queue<T> {
  get getters(): number {
    return this._getters.length;
  }
  get putters(): number {
    return this._putters.length;
  }
}

/** Settles once `future` is done, whatever its outcome. */
function settled(future: PromiseLike<unknown>): Promise<void> {
  return Promise.resolve(future).then(
    () => undefined,
    () => undefined,
  );
}

function expectTimedOut(future: Future<unknown>): void {
  expect(() => future.result()).toThrow(gen.TimeoutError);
}

describe("Queue basics", () => {
  test("toString shows maxsize, items, waiters and tasks", () => {
    const q = new Queue<number>(1);
    expect(q.toString()).toBe("<Queue maxsize=1>");
    q.put_nowait(0);
    expect(q.toString()).toBe("<Queue maxsize=1 queue=[0] tasks=1>");
    q.put(1);
    expect(q.toString()).toBe("<Queue maxsize=1 queue=[0] putters[1] tasks=1>");
    const empty = new Queue<number>();
    empty.get();
    expect(empty.toString()).toBe("<Queue maxsize=0 getters[1]>");
  });

  test("first in, first out", async () => {
    const q = new Queue<number>();
    for (const i of [1, 3, 2]) q.put_nowait(i);
    expect([q.get_nowait(), await q.get(), q.get_nowait()]).toEqual([1, 3, 2]);
  });

  test("maxsize, full and the refused constructions", async () => {
    expect(() => new Queue(-1)).toThrow(RangeError);
    expect(() => new Queue(null as never)).toThrow(TypeError);
    const q = new Queue<number>(2);
    expect(q.empty()).toBe(true);
    expect(q.full()).toBe(false);
    expect(q.maxsize).toBe(2);
    expect(q.put(0).done()).toBe(true);
    expect(q.put(1).done()).toBe(true);
    expect(q.empty()).toBe(false);
    expect(q.full()).toBe(true);
    const put2 = q.put(2);
    expect(put2.done()).toBe(false);
    expect(q.get_nowait()).toBe(0);
    expect(put2.done()).toBe(true);
    expect(q.qsize()).toBe(2);
    expect(new Queue().full()).toBe(false);
  });

  test("a fractional maxsize is a real limit, rounded up", async () => {
    const q = new Queue<number>(1.3);
    q.put_nowait(0);
    q.put_nowait(1);
    expect(q.full()).toBe(true);
    expect(() => q.put_nowait(2)).toThrow(QueueFull);
    expect(q.get_nowait()).toBe(0);
    expect(q.full()).toBe(false);
    await q.put(2);
    const put = q.put(3);
    expect(put.done()).toBe(false);
    expect(await q.get()).toBe(1);
    await put;
    expect(q.full()).toBe(true);
  });
});

describe("Queue.get", () => {
  test("get and get_nowait on a queue holding an item", async () => {
    const q = new Queue<number>();
    q.put_nowait(0);
    expect(await q.get()).toBe(0);
    q.put_nowait(1);
    expect(q.get_nowait()).toBe(1);
  });

  test("get_nowait on an empty queue raises QueueEmpty", () => {
    expect(() => new Queue().get_nowait()).toThrow(QueueEmpty);
  });

  test("get lets a waiting putter in", async () => {
    const q = new Queue<number>(1);
    q.put_nowait(0);
    const put = q.put(1);
    expect(await q.get()).toBe(0);
    await put;
    expect(q.qsize()).toBe(1);
  });

  test("a blocked get resolves on a later put", async () => {
    const q = new Queue<number>();
    const get = q.get();
    expect(get.done()).toBe(false);
    q.put_nowait(7);
    expect(await get).toBe(7);
  });

  test("get rejects with TimeoutError once its timeout passes; a later get still works", async () => {
    const q = new Queue<number>();
    const get = q.get(SHORT);
    const get2 = q.get();
    await expect(get).rejects.toBeInstanceOf(gen.TimeoutError);
    q.put_nowait(0);
    expect(await get2).toBe(0);
  });

  test("a zero timeout, relative or as a deadline, raises without waiting", async () => {
    const q = new Queue<number>();
    await expect(q.get({ seconds: 0 })).rejects.toBeInstanceOf(gen.TimeoutError);
    await expect(q.get(0)).rejects.toBeInstanceOf(gen.TimeoutError);
  });

  test("a put before the timeout wins", async () => {
    const q = new Queue<number>();
    const get = q.get(SHORT);
    q.put(0);
    expect(await get).toBe(0);
  });

  test("get drops timed-out putters", async () => {
    const q = new Inspectable<number>(1);
    const putters = [...Array(10).keys()].map((i) => q.put(i, SHORT));
    const put = q.put(10);
    expect(q.putters).toBe(10);
    await Promise.all(putters.slice(1).map(settled));
    expect(q.putters).toBe(10);
    expect(put.done()).toBe(false);
    q.put(11);
    expect(await q.get()).toBe(0);
    expect(q.putters).toBe(1);
    putters.slice(1).forEach(expectTimedOut);
  });

  test("get drops timed-out getters", async () => {
    const q = new Inspectable<number>();
    const getters = [...Array(10).keys()].map(() => q.get(SHORT));
    const get = q.get();
    expect(q.getters).toBe(11);
    await Promise.all(getters.map(settled));
    expect(q.getters).toBe(11);
    expect(get.done()).toBe(false);
    q.get();
    expect(q.getters).toBe(2);
    getters.forEach(expectTimedOut);
  });

  test("for await gives the items in order", async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5; i++) q.put_nowait(i);
    const seen: number[] = [];
    for await (const item of q) {
      seen.push(item);
      if (item === 2) break;
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(q.qsize()).toBe(2);
  });
});

describe("Queue.put", () => {
  test("put_nowait on a full queue raises QueueFull", () => {
    const q = new Queue<number>(1);
    q.put_nowait(0);
    expect(() => q.put_nowait(1)).toThrow(QueueFull);
  });

  test("put hands the item straight to a waiting getter", async () => {
    const q = new Queue<number>();
    const a = q.get();
    const b = q.get();
    await q.put(0);
    expect(await a).toBe(0);
    await q.put(1);
    expect(await b).toBe(1);
    expect(q.qsize()).toBe(0);
  });

  test("a blocked put resolves once a get makes room", async () => {
    const q = new Queue<number>(1);
    q.put_nowait(0);
    const put = q.put(1);
    expect(put.done()).toBe(false);
    expect(q.get_nowait()).toBe(0);
    await put;
    expect(q.get_nowait()).toBe(1);
  });

  test("put rejects with TimeoutError once its timeout passes, and its item never enters", async () => {
    const q = new Queue<number>(1);
    q.put_nowait(0);
    const timed = q.put(1, SHORT);
    const patient = q.put(2);
    await expect(timed).rejects.toBeInstanceOf(gen.TimeoutError);
    expect(q.get_nowait()).toBe(0);
    await patient;
    expect(q.get_nowait()).toBe(2);
  });

  test("put drops timed-out putters", async () => {
    const q = new Inspectable<number>(1);
    const putters = [...Array(10).keys()].map((i) => q.put(i, SHORT));
    const put = q.put(10);
    await Promise.all(putters.slice(1).map(settled));
    expect(q.putters).toBe(10);
    expect(put.done()).toBe(false);
    q.put(11);
    expect(q.putters).toBe(2);
    putters.slice(1).forEach(expectTimedOut);
  });

  test("put drops timed-out getters", async () => {
    const q = new Inspectable<number>();
    const getters = [...Array(10).keys()].map(() => q.get(SHORT));
    const get = q.get();
    q.get();
    expect(q.getters).toBe(12);
    await Promise.all(getters.map(settled));
    expect(q.getters).toBe(12);
    q.put(0);
    expect(q.getters).toBe(1);
    expect(await get).toBe(0);
    getters.forEach(expectTimedOut);
  });
});

describe.each([
  ["Queue", () => new Queue<number>()],
  ["PriorityQueue", () => new PriorityQueue<number>()],
  ["LifoQueue", () => new LifoQueue<number>()],
])("%s join and task_done", (_name, make) => {
  test("task_done more times than items raises", () => {
    expect(() => make().task_done()).toThrow("task_done() called too many times");
  });

  test("join resolves once every item is done", async () => {
    const q = make();
    for (let i = 0; i < 100; i++) q.put_nowait(i);
    let sum = 0;
    const worker = async () => {
      for (;;) {
        const item = await q.get();
        sum += item;
        q.task_done();
      }
    };
    worker();
    worker();
    await q.join();
    expect(sum).toBe(4950);
  });

  test("join waits for the last task_done, not for the queue to empty", async () => {
    const q = make();
    q.put_nowait(0);
    q.put_nowait(1);
    const join = q.join();
    q.get_nowait();
    q.get_nowait();
    expect(q.empty()).toBe(true);
    expect(join.done()).toBe(false);
    q.task_done();
    q.task_done();
    await join;
  });

  test("join of an empty queue resolves at once, with or without a timeout", async () => {
    const q = make();
    await q.join();
    await q.join(SHORT);
  });

  test("join rejects with TimeoutError while a task is pending", async () => {
    const q = make();
    q.put_nowait(0);
    await expect(q.join(SHORT)).rejects.toBeInstanceOf(gen.TimeoutError);
  });
});

describe("PriorityQueue", () => {
  test("numbers come out smallest first", async () => {
    const q = new PriorityQueue<number>();
    for (const i of [1, 3, 2, 0]) q.put_nowait(i);
    expect([q.get_nowait(), q.get_nowait(), await q.get(), q.get_nowait()]).toEqual([0, 1, 2, 3]);
  });

  test("[priority, data] tuples compare as Python's tuples", async () => {
    const q = new PriorityQueue<[number, string]>();
    q.put([1, "medium-priority item"]);
    q.put([0, "high-priority item"]);
    q.put([10, "low-priority item"]);
    q.put([1, "another medium"]);
    const out = [await q.get(), await q.get(), await q.get(), await q.get()];
    expect(out).toEqual([
      [0, "high-priority item"],
      [1, "another medium"],
      [1, "medium-priority item"],
      [10, "low-priority item"],
    ]);
  });

  test("a heap of many items stays ordered", () => {
    const q = new PriorityQueue<number>();
    const items = [...Array(200).keys()].map((i) => (i * 7919) % 211);
    for (const item of items) q.put_nowait(item);
    const out = items.map(() => q.get_nowait());
    expect(out).toEqual([...items].sort((a, b) => a - b));
  });

  test("a comparator orders anything else", () => {
    const q = new PriorityQueue<{ due: number }>(0, { compare: (a, b) => a.due - b.due });
    q.put_nowait({ due: 5 });
    q.put_nowait({ due: 2 });
    expect(q.get_nowait()).toEqual({ due: 2 });
  });

  test("items Python could not compare raise TypeError, and the queue is unchanged", () => {
    const q = new PriorityQueue<unknown>();
    q.put_nowait([1, "a"]);
    expect(() => q.put_nowait({ not: "comparable" })).toThrow(TypeError);
    expect(() => q.put_nowait("text")).toThrow("'<' not supported between instances of 'string' and 'array'");
    expect(q.qsize()).toBe(1);
    expect(q.get_nowait()).toEqual([1, "a"]);
    expect(() => q.task_done()).not.toThrow();
    expect(() => q.task_done()).toThrow(RangeError);
  });

  test("python_compare: numbers, strings, tuples lexicographically, shorter first on a tie", () => {
    expect(python_compare(1, 2)).toBeLessThan(0);
    expect(python_compare("b", "a")).toBeGreaterThan(0);
    expect(python_compare([1, "b"], [1, "a"])).toBeGreaterThan(0);
    expect(python_compare([1], [1, 0])).toBeLessThan(0);
    expect(python_compare([2, [0, 1]], [2, [0, 1]])).toBe(0);
    expect(() => python_compare(1, "1")).toThrow(TypeError);
  });
});

describe("LifoQueue", () => {
  test("the last item put comes out first", async () => {
    const q = new LifoQueue<number>();
    for (const i of [3, 2, 1]) q.put(i);
    expect([await q.get(), await q.get(), await q.get()]).toEqual([1, 2, 3]);
  });
});

test("producer and consumer through a bounded queue", async () => {
  const q = new Queue<number>(2);
  const history: string[] = [];
  const consumer = async () => {
    for await (const item of q) {
      history.push(`work ${item}`);
      await gen.moment;
      q.task_done();
    }
  };
  consumer();
  for (let item = 0; item < 5; item++) {
    await q.put(item);
    history.push(`put ${item}`);
  }
  await q.join();
  history.push("done");
  expect(history.filter((h) => h.startsWith("work"))).toEqual(["work 0", "work 1", "work 2", "work 3", "work 4"]);
  expect(history.at(-1)).toBe("done");
  expect(history.indexOf("put 4")).toBeGreaterThan(history.indexOf("work 1"));
  expect(queues.Queue).toBe(Queue);
});
