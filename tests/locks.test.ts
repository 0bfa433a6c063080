/**
 * tornado.locks, the cases of Tornado's locks_test.py. Timeouts are short (0.01 s): they are
 * the behaviour under test. Nothing sleeps to synchronise: each test awaits the future it
 * depends on, or `gen.moment` (one loop turn) to let already-scheduled callbacks run.
 */
import { gen, ioloop, locks } from "../src";
import { Future } from "../src/concurrent";
import { BoundedSemaphore, Condition, Event, Lock, Releaser, Semaphore } from "../src/locks";

const SHORT = { seconds: 0.01 };

/** Records each wait's outcome: its key when notified, "timeout" when it resolved false. */
function recorder() {
  const history: (string | number)[] = [];
  const record = (future: Future<boolean>, key: string | number): Future<boolean> => {
    future.add_done_callback((f) => history.push(f.result() ? key : "timeout"));
    return future;
  };
  return { history, record };
}

/** Settles once `future` is done, whatever its outcome. */
function settled(future: PromiseLike<unknown>): Promise<void> {
  return Promise.resolve(future).then(
    () => undefined,
    () => undefined,
  );
}

describe("Condition", () => {
  test("toString shows its waiters", () => {
    const c = new Condition();
    expect(c.toString()).toBe("<Condition>");
    c.wait();
    expect(c.toString()).toBe("<Condition waiters[1]>");
  });

  test("notify wakes a waiter", async () => {
    const c = new Condition();
    ioloop.IOLoop.current().call_later(0.001, () => c.notify());
    expect(await c.wait()).toBe(true);
  });

  test("notify(1) wakes one waiter at a time, after notify returns", async () => {
    const c = new Condition();
    const { history, record } = recorder();
    record(c.wait(), "wait1");
    record(c.wait(), "wait2");
    c.notify(1);
    expect(history).toEqual([]);
    await gen.moment;
    history.push("notify1");
    c.notify(1);
    await gen.moment;
    history.push("notify2");
    expect(history).toEqual(["wait1", "notify1", "wait2", "notify2"]);
  });

  test("notify(n) wakes n waiters in the order they came", async () => {
    const c = new Condition();
    const { history, record } = recorder();
    for (let i = 0; i < 6; i++) record(c.wait(), i);
    c.notify(3);
    await gen.moment;
    expect(history).toEqual([0, 1, 2]);
    c.notify(1);
    await gen.moment;
    expect(history).toEqual([0, 1, 2, 3]);
    c.notify(2);
    await gen.moment;
    expect(history).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("notify_all wakes everyone", async () => {
    const c = new Condition();
    const { history, record } = recorder();
    for (let i = 0; i < 4; i++) record(c.wait(), i);
    c.notify_all();
    await gen.moment;
    history.push("notify_all");
    expect(history).toEqual([0, 1, 2, 3, "notify_all"]);
  });

  test("wait resolves false once its timeout passes, and a later notify does not change it", async () => {
    const c = new Condition();
    const wait = c.wait(SHORT);
    expect(await wait).toBe(false);
    c.notify();
    expect(wait.result()).toBe(false);
  });

  test("a timeout as an IOLoop.time() deadline", async () => {
    const c = new Condition();
    const loop = ioloop.IOLoop.current();
    const started = loop.time();
    expect(await c.wait(started + 0.01)).toBe(false);
    expect(loop.time() - started).toBeGreaterThanOrEqual(0.009);
  });

  test("a notify before the timeout wins", async () => {
    const c = new Condition();
    const wait = c.wait({ seconds: 5 });
    c.notify();
    expect(await wait).toBe(true);
  });

  test("a timed-out waiter does not count against notify(n)", async () => {
    const c = new Condition();
    const { history, record } = recorder();
    record(c.wait(), 0);
    const timed = record(c.wait(SHORT), 1);
    record(c.wait(), 2);
    record(c.wait(), 3);
    await timed;
    await gen.moment;
    expect(history).toEqual(["timeout"]);
    c.notify(2);
    await gen.moment;
    expect(history).toEqual(["timeout", 0, 2]);
    c.notify();
    await gen.moment;
    expect(history).toEqual(["timeout", 0, 2, 3]);
  });

  test("notify_all skips the timed-out waiters", async () => {
    const c = new Condition();
    const { history, record } = recorder();
    record(c.wait(), 0);
    const timed = record(c.wait(SHORT), 1);
    record(c.wait(), 2);
    await timed;
    await gen.moment;
    c.notify_all();
    await gen.moment;
    expect(history).toEqual(["timeout", 0, 2]);
  });

  test("a waiter that notifies from its done callback loses no notification", async () => {
    const c = new Condition();
    const futures = [c.wait(), c.wait(), c.wait()];
    futures[1].add_done_callback(() => c.notify());
    c.notify(2);
    await gen.moment;
    expect(futures.every((f) => f.done())).toBe(true);
  });

  test("timed-out waiters are swept from the list now and then", async () => {
    const c = new Condition();
    const timed: Future<boolean>[] = [];
    for (let i = 0; i < 101; i++) timed.push(c.wait(SHORT));
    const future = c.wait();
    expect(c.waiter_count).toBe(102);
    await Promise.all(timed);
    expect(c.waiter_count).toBe(1);
    expect(future.done()).toBe(false);
    c.notify();
    expect(future.done()).toBe(true);
  });

  test("a cancelled waiter leaves the list (a later turn) and is skipped by notify", async () => {
    const c = new Condition();
    const cancelled = c.wait();
    const live = c.wait();
    cancelled.cancel();
    expect(c.waiter_count).toBe(2);
    await settled(cancelled);
    expect(c.waiter_count).toBe(1);
    c.notify();
    expect(await live).toBe(true);
  });
});

describe("Event", () => {
  test("toString says set or clear", () => {
    const event = new Event();
    expect(event.toString()).toBe("<Event clear>");
    event.set();
    expect(event.toString()).toBe("<Event set>");
  });

  test("wait blocks until set, then no longer", async () => {
    const event = new Event();
    const first = event.wait();
    expect(first.done()).toBe(false);
    event.set();
    await first;
    expect(event.wait().done()).toBe(true);
    expect(event.is_set()).toBe(true);
  });

  test("wait rejects with gen.TimeoutError, the IOLoop's one class, once the timeout passes", async () => {
    const event = new Event();
    await expect(event.wait(SHORT)).rejects.toBeInstanceOf(gen.TimeoutError);
    expect(gen.TimeoutError).toBe(ioloop.TimeoutError);
    event.set();
    await event.wait(SHORT);
  });

  test("set twice is harmless", async () => {
    const event = new Event();
    event.set();
    event.set();
    expect(event.is_set()).toBe(true);
  });

  test("clear makes wait block again", async () => {
    const event = new Event();
    event.set();
    await event.wait();
    event.clear();
    const waiting = event.wait();
    expect(waiting.done()).toBe(false);
    event.set();
    await waiting;
  });
});

describe("Semaphore", () => {
  test("a negative initial value is refused", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
  });

  test("toString says locked or unlocked, and the waiters", () => {
    const sem = new Semaphore();
    expect(sem.toString()).toBe("<Semaphore [unlocked,value:1]>");
    sem.acquire();
    expect(sem.toString()).toBe("<Semaphore [locked]>");
    sem.acquire();
    expect(sem.toString()).toBe("<Semaphore [locked,waiters:1]>");
  });

  test("acquire succeeds at once while the counter is positive, then waits for release", async () => {
    const sem = new Semaphore(2);
    expect(sem.acquire().done()).toBe(true);
    expect(sem.acquire().done()).toBe(true);
    const waiters = [sem.acquire(), sem.acquire(), sem.acquire()];
    expect(waiters.some((w) => w.done())).toBe(false);
    sem.release();
    expect(waiters[0].done()).toBe(true);
    expect(waiters[1].done()).toBe(false);
    sem.release();
    expect(waiters[1].done()).toBe(true);
    sem.release();
    expect(waiters[2].done()).toBe(true);
    expect(await waiters[0]).toBeInstanceOf(Releaser);
    expect(sem.value).toBe(0);
  });

  test("acquire rejects with TimeoutError, and the timed-out waiter is skipped by release", async () => {
    const sem = new Semaphore(2);
    await sem.acquire();
    await sem.acquire();
    const timed = sem.acquire(SHORT);
    const patient = sem.acquire();
    await expect(timed).rejects.toBeInstanceOf(gen.TimeoutError);
    sem.release();
    expect(patient.done()).toBe(true);
    sem.release();
    expect(sem.value).toBe(1);
  });

  test("a release before the timeout wins", async () => {
    const sem = new Semaphore(0);
    const waiting = sem.acquire({ seconds: 5 });
    sem.release();
    await waiting;
  });

  test("an unbounded semaphore may be released past its initial value", async () => {
    const sem = new Semaphore();
    sem.release();
    sem.release();
    await sem.acquire();
    await sem.acquire();
    await sem.acquire();
    expect(sem.acquire().done()).toBe(false);
  });

  test("timed-out waiters are swept from the list now and then", async () => {
    class Inspectable extends Semaphore {
      get waiting(): number {
        return this._waiters.length;
      }
    }
    const sem = new Inspectable(0);
    const timed = [];
    for (let i = 0; i < 101; i++) timed.push(settled(sem.acquire(SHORT)));
    const future = sem.acquire();
    expect(sem.waiting).toBe(102);
    await Promise.all(timed);
    expect(sem.waiting).toBe(1);
    sem.release();
    expect(future.done()).toBe(true);
  });

  test("the releaser of acquire() is Python's `async with`: released in finally, even on an exception", async () => {
    const sem = new Semaphore();
    const use = async (fail: boolean) => {
      const held = await sem.acquire();
      try {
        expect(sem.value).toBe(0);
        if (fail) throw new Error("inside");
      } finally {
        held.release();
      }
    };
    await use(false);
    await expect(use(true)).rejects.toThrow("inside");
    expect(sem.value).toBe(1);
  });

  test("contended: at most `value` holders at once, in arrival order", async () => {
    const sem = new Semaphore(2);
    const history: string[] = [];
    let holding = 0;
    const gates = [0, 1, 2, 3].map(() => new Future<void>());
    const worker = async (i: number) => {
      const held = await sem.acquire();
      holding += 1;
      history.push(`start ${i} (${holding} holding)`);
      await gates[i];
      holding -= 1;
      history.push(`end ${i}`);
      held.release();
    };
    const all = gen.multi([0, 1, 2, 3].map(worker));
    await gen.moment;
    gates[0].set_result();
    await gen.moment;
    gates[1].set_result();
    gates[2].set_result();
    gates[3].set_result();
    await all;
    expect(history.slice(0, 3)).toEqual(["start 0 (1 holding)", "start 1 (2 holding)", "end 0"]);
    expect(history.filter((h) => h.startsWith("start")).every((h) => !h.includes("(3 holding)"))).toBe(true);
    expect(sem.value).toBe(2);
  });
});

describe("BoundedSemaphore", () => {
  test("release past the initial value raises, and the value stays", async () => {
    const sem = new BoundedSemaphore();
    expect(() => sem.release()).toThrow("Semaphore released too many times");
    await sem.acquire();
    const waiting = sem.acquire();
    sem.release();
    await waiting;
    sem.release();
    expect(() => sem.release()).toThrow(RangeError);
    expect(sem.toString()).toBe("<BoundedSemaphore [unlocked,value:1]>");
  });
});

describe("Lock", () => {
  test("toString shows its semaphore", async () => {
    const lock = new Lock();
    expect(lock.toString()).toBe("<Lock _block=<BoundedSemaphore [unlocked,value:1]>>");
    await lock.acquire();
    expect(lock.toString()).toBe("<Lock _block=<BoundedSemaphore [locked]>>");
  });

  test("acquire, release, acquire again", async () => {
    const lock = new Lock();
    expect(lock.acquire().done()).toBe(true);
    const second = lock.acquire();
    expect(second.done()).toBe(false);
    lock.release();
    expect(second.done()).toBe(true);
  });

  test("waiters get the lock first in, first out", async () => {
    const lock = new Lock();
    await lock.acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3, 4].map((i) =>
      lock.acquire().then((held) => {
        order.push(i);
        held.release();
      }),
    );
    lock.release();
    await Promise.all(waiters);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test("acquire times out with TimeoutError while held", async () => {
    const lock = new Lock();
    await lock.acquire();
    await expect(lock.acquire(SHORT)).rejects.toBeInstanceOf(gen.TimeoutError);
  });

  test("releasing an unlocked lock raises, through the releaser too", async () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow("release unlocked lock");
    const held = await lock.acquire();
    held.release();
    expect(() => held.release()).toThrow("release unlocked lock");
  });

  test("the namespace names the same classes", () => {
    expect(locks.Lock).toBe(Lock);
  });
});
