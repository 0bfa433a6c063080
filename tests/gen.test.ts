/**
 * tornado.gen for async functions, the cases of Tornado's gen_test.py that have a meaning
 * without generator coroutines: multi, with_timeout, sleep, moment, WaitIterator,
 * convert_yielded (generator coroutines are in gen-coroutine.test.ts). Nothing sleeps to synchronise: tests await the futures they depend on.
 */
import { gen, ioloop, log, testing } from "../src";
import { CancelledError, Future } from "../src/concurrent";
import { BadYieldError, convert_yielded, moment, multi, multi_future, WaitIterator, with_timeout } from "../src/gen";

/** A future that fails with `err` on a later turn (Tornado's test `async_exception`). */
function asyncException(err: Error): Future<never> {
  const future = new Future<never>();
  setImmediate(() => future.set_exception(err));
  return future;
}

/** A future that resolves with `value` on a later turn (Tornado's test `async_future`). */
function asyncFuture<T>(value: T): Future<T> {
  const future = new Future<T>();
  setImmediate(() => future.set_result(value));
  return future;
}

describe("multi", () => {
  test("an array of futures, promises and null gives their results in order", async () => {
    const results = await multi([asyncFuture(1), Promise.resolve("two"), null, asyncFuture([3])]);
    expect(results).toEqual([1, "two", undefined, [3]]);
  });

  test("an object gives an object with the same keys", async () => {
    const results = await multi({ foo: asyncFuture(1), bar: Promise.resolve(2) });
    expect(results).toEqual({ foo: 1, bar: 2 });
  });

  test("results keep the children's order, not the order they finish in", async () => {
    const slow = new Future<string>();
    const fast = asyncFuture("fast");
    const all = multi([slow, fast]);
    await fast;
    slow.set_result("slow");
    expect(await all).toEqual(["slow", "fast"]);
  });

  test("empty array and empty object", async () => {
    expect(await multi([])).toEqual([]);
    expect(await multi({})).toEqual({});
  });

  test("the same future twice", async () => {
    const future = asyncFuture(5);
    expect(await multi([future, future])).toEqual([5, 5]);
  });

  test("multi_future is the same function under Tornado's older name", async () => {
    expect(await multi_future([asyncFuture(1), asyncFuture(2)])).toEqual([1, 2]);
  });

  test("the first failure is raised and the others logged", async () => {
    await testing.ExpectLog.around(log.app_log, /Multiple exceptions in yield list/, async () => {
      await expect(
        multi([asyncException(new RangeError("error 1")), asyncException(new RangeError("error 2"))]),
      ).rejects.toThrow("error 1");
    });
  });

  test("one failure alone is raised and nothing logged; quiet_exceptions silences the others", async () => {
    const watch = new testing.ExpectLog(log.app_log, /Multiple exceptions/, { required: false });
    await expect(multi([asyncException(new RangeError("error 1")), asyncFuture(2)])).rejects.toThrow("error 1");
    await expect(
      multi([asyncException(new RangeError("error 1")), asyncException(new RangeError("error 2"))], RangeError),
    ).rejects.toThrow("error 1");
    watch.finish();
    expect(watch.matched).toBe(0);
  });

  test("it waits for every child even after one failed", async () => {
    const late = new Future<number>();
    const all = multi([Promise.reject(new Error("early")), late]);
    await gen.moment;
    expect(all.done()).toBe(false);
    late.set_result(1);
    await expect(all).rejects.toThrow("early");
  });

  test("a child that is not awaitable is refused", () => {
    expect(() => multi([42 as never])).toThrow(BadYieldError);
  });
});

describe("with_timeout", () => {
  test("rejects with TimeoutError when the future does not finish in time", async () => {
    await expect(with_timeout({ seconds: 0.01 }, new Future())).rejects.toBeInstanceOf(ioloop.TimeoutError);
    const deadline = ioloop.IOLoop.current().time() + 0.01;
    await expect(with_timeout(deadline, new Promise(() => undefined))).rejects.toThrow("Timeout");
  });

  test("gives the result when the future finishes first", async () => {
    const future = new Future<string>();
    ioloop.IOLoop.current().add_timeout({ milliseconds: 1 }, () => future.set_result("asdf"));
    expect(await with_timeout({ hours: 1 }, future)).toBe("asdf");
  });

  test("gives the failure when the future fails first", async () => {
    const future = new Future<string>();
    ioloop.IOLoop.current().add_timeout({ milliseconds: 1 }, () => future.set_exception(new RangeError("zero")));
    await expect(with_timeout({ hours: 1 }, future)).rejects.toBeInstanceOf(RangeError);
  });

  test("an already-resolved future and a promise", async () => {
    const future = new Future<string>();
    future.set_result("asdf");
    expect(await with_timeout({ hours: 1 }, future)).toBe("asdf");
    expect(await with_timeout({ hours: 1 }, Promise.resolve(3))).toBe(3);
  });

  test("the wrapped future is not cancelled; its later failure is logged unless quiet", async () => {
    const future = new Future<number>();
    await expect(with_timeout({ seconds: 0.001 }, future)).rejects.toBeInstanceOf(gen.TimeoutError);
    expect(future.cancelled()).toBe(false);
    await testing.ExpectLog.around(log.app_log, /Exception in Future .* after timeout/, async () => {
      future.set_exception(new Error("too late"));
      await gen.moment;
    });
    const quiet = new Future<number>();
    await expect(with_timeout({ seconds: 0.001 }, quiet, [RangeError])).rejects.toBeInstanceOf(gen.TimeoutError);
    const watch = new testing.ExpectLog(log.app_log, /after timeout/, { required: false });
    quiet.set_exception(new RangeError("quiet"));
    await gen.moment;
    watch.finish();
    expect(watch.matched).toBe(0);
  });

  test("a cancelled input cancels the result", async () => {
    const future = new Future<number>();
    const timed = with_timeout({ hours: 1 }, future);
    future.cancel();
    await expect(timed).rejects.toBeInstanceOf(CancelledError);
  });

  test("a timeout neither a number nor a TimeDelta is refused", () => {
    expect(() => with_timeout("soon" as never, new Future())).toThrow(TypeError);
  });
});

describe("sleep and moment", () => {
  test("sleep resolves after about its duration in seconds", async () => {
    const loop = ioloop.IOLoop.current();
    const start = loop.time();
    const result = await gen.sleep(0.01);
    expect(result).toBeUndefined();
    expect(loop.time() - start).toBeGreaterThanOrEqual(0.009);
  });

  test("awaiting moment lets others take turns; a done future does not yield a whole turn", async () => {
    let calls: string[] = [];
    const f = async (name: string, yieldable: PromiseLike<unknown>) => {
      for (let i = 0; i < 5; i++) {
        calls.push(name);
        await yieldable;
      }
    };
    await multi([f("a", moment), f("b", moment)]);
    expect(calls.join("")).toBe("ababababab");
    calls = [];
    const immediate = new Future<void>();
    immediate.set_result();
    await multi([f("a", moment), f("b", immediate)]);
    expect(calls.join("")).toBe("abbbbbaaaa");
  });
});

describe("WaitIterator", () => {
  test("an empty iterator is done at once", () => {
    const wait = new WaitIterator();
    expect(wait.done()).toBe(true);
    expect(wait.current_index).toBeNull();
    expect(wait.current_future).toBeNull();
  });

  test("futures done already come out in order, with their index and the future given", async () => {
    const futures = [24, 42, 84].map((value) => {
      const future = new Future<number>();
      future.set_result(value);
      return future;
    });
    const wait = new WaitIterator(...futures);
    const seen: [number | string | null, unknown, number][] = [];
    while (!wait.done()) {
      const result = await wait.next();
      seen.push([wait.current_index, wait.current_future, result]);
    }
    expect(seen).toEqual([
      [0, futures[0], 24],
      [1, futures[1], 42],
      [2, futures[2], 84],
    ]);
    expect(wait.current_index).toBeNull();
    expect(wait.current_future).toBeNull();

    const byName = new WaitIterator({ f1: futures[0], f2: futures[1] });
    const named: Record<string, number> = {};
    while (!byName.done()) {
      const result = await byName.next();
      named[byName.current_index as string] = result;
    }
    expect(named).toEqual({ f1: 24, f2: 42 });
  });

  /** Finishes Tornado's test futures over several loop turns: 2, then 0 fails, then 1 and 3. */
  async function finishInTurns(futures: Future<number>[]): Promise<void> {
    await gen.moment;
    futures[2].set_result(24);
    await gen.moment;
    futures[0].set_exception(new RangeError("zero"));
    await gen.moment;
    futures[1].set_result(42);
    futures[3].set_result(84);
  }

  test("results come in the order the futures finish; a failure rejects that next()", async () => {
    const futures = [0, 1, 2, 3].map(() => new Future<number>());
    const finishing = finishInTurns(futures);
    const wait = new WaitIterator(...futures);
    const seen: (string | number | null)[][] = [];
    while (!wait.done()) {
      try {
        const result = await wait.next();
        seen.push([wait.current_index, result]);
      } catch (err) {
        expect(wait.current_future).toBe(futures[0]);
        seen.push([wait.current_index, (err as Error).message]);
      }
    }
    await finishing;
    expect(seen).toEqual([
      [2, 24],
      [0, "zero"],
      [1, 42],
      [3, 84],
    ]);
  });

  test("for await over it, resumed after a failure", async () => {
    const futures = [0, 1, 2, 3].map(() => new Future<number>());
    const finishing = finishInTurns(futures);
    const wait = new WaitIterator(...futures);
    const seen: unknown[] = [];
    try {
      for await (const result of wait) seen.push([wait.current_index, result]);
    } catch (err) {
      seen.push((err as Error).message);
    }
    for await (const result of wait) seen.push([wait.current_index, result]);
    await finishing;
    expect(seen).toEqual([[2, 24], "zero", [1, 42], [3, 84]]);
  });

  test("next() works with no other reference to the iterator", async () => {
    await with_timeout({ seconds: 1 }, new WaitIterator(gen.sleep(0)).next());
  });
});

describe("convert_yielded", () => {
  test("a Future is returned as it is; promises, null, arrays and objects are wrapped", async () => {
    const future = new Future<number>();
    expect(convert_yielded(future)).toBe(future);
    const wrapped = convert_yielded(Promise.resolve(1));
    expect(wrapped).toBeInstanceOf(Future);
    expect(await wrapped).toBe(1);
    const none = convert_yielded(null);
    expect(none.done()).toBe(true);
    expect(await convert_yielded([Promise.resolve(1), null])).toEqual([1, undefined]);
    expect(await convert_yielded({ a: Promise.resolve(1) })).toEqual({ a: 1 });
  });

  test("anything else raises BadYieldError", () => {
    expect(() => convert_yielded(42)).toThrow(BadYieldError);
    expect(() => convert_yielded("text")).toThrow(BadYieldError);
  });

  test("gen.TimeoutError is ioloop.TimeoutError", () => {
    expect(gen.TimeoutError).toBe(ioloop.TimeoutError);
  });
});
