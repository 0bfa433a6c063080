import { spawnSync } from "node:child_process";
import { threadId } from "node:worker_threads";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { IOLoop, PeriodicCallback, TimeoutError } from "../src/ioloop";
import { ERROR, type LogRecord, app_log } from "../src/log";

let loop: IOLoop;
let logged: LogRecord[];
const collect = (record: LogRecord): void => {
  logged.push(record);
};

beforeEach(() => {
  loop = IOLoop.current();
  logged = [];
  app_log.addHandler(collect);
});

afterEach(() => {
  loop.close();
  app_log.removeHandler(collect);
});

/** Resolves after `seconds`, timed by the loop under test. */
function after(seconds: number): Promise<void> {
  return new Promise((resolve) => loop.call_later(seconds, resolve));
}

/** Resolves once the callbacks added so far have run. */
function drained(): Promise<void> {
  return new Promise((resolve) => loop.add_callback(resolve));
}

/** Runs `source` (TypeScript importing the loop as `IOLoop`) in a child process. */
function runScript(source: string): { status: number | null; stdout: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "ioloop-"));
  try {
    const script = path.join(dir, "script.ts");
    const ioloopPath = path.resolve(__dirname, "../src/ioloop");
    writeFileSync(script, `import { IOLoop } from ${JSON.stringify(ioloopPath)};\n${source}\n`);
    const tsx = path.resolve(__dirname, "../node_modules/.bin/tsx");
    const child = spawnSync(tsx, [script], { encoding: "utf8", timeout: 15000 });
    return { status: child.status, stdout: child.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("IOLoop.current", () => {
  test("returns one loop per process; instance() is the same loop", () => {
    expect(IOLoop.current()).toBe(loop);
    expect(IOLoop.instance()).toBe(loop);
  });

  test("returns a new loop after the current one is closed", () => {
    loop.close();
    const next = IOLoop.current();
    expect(next).not.toBe(loop);
    next.close();
  });
});

describe("callbacks", () => {
  test("add_callback and spawn_callback run on a later turn, in the order added, with their arguments", async () => {
    const calls: unknown[][] = [];
    loop.add_callback((a: number, b: string) => calls.push([a, b]), 1, "x");
    loop.spawn_callback((c: number) => calls.push([c]), 2);
    loop.add_callback(() => calls.push([]));
    expect(calls).toEqual([]);
    await drained();
    expect(calls).toEqual([[1, "x"], [2], []]);
  });

  test("a callback added by a callback runs on a later turn, after those already queued", async () => {
    const calls: string[] = [];
    loop.add_callback(() => {
      calls.push("first");
      loop.add_callback(() => calls.push("nested"));
    });
    loop.add_callback(() => calls.push("second"));
    await drained();
    await drained();
    expect(calls).toEqual(["first", "second", "nested"]);
  });

  test("an exception in a callback is logged as 'Exception in callback <name>' and never thrown", async () => {
    const err = new Error("boom");
    function failing(): void {
      throw err;
    }
    const ran = jest.fn();
    loop.add_callback(failing);
    loop.add_callback(ran);
    await drained();
    expect(ran).toHaveBeenCalled();
    expect(logged).toEqual([
      expect.objectContaining({
        name: "tornado.application",
        levelno: ERROR,
        message: "Exception in callback failing",
        exc_info: err,
      }),
    ]);
  });

  test("a rejected promise returned by a callback is logged", async () => {
    const err = new Error("async boom");
    loop.spawn_callback(async function failingLater() {
      await null;
      throw err;
    });
    await drained();
    await drained();
    expect(logged).toEqual([expect.objectContaining({ message: "Exception in callback failingLater", exc_info: err })]);
  });

  test("an anonymous failing callback is logged as <anonymous>", async () => {
    loop.add_callback(() => {
      throw new Error("nameless");
    });
    await drained();
    expect(logged.map((r) => r.message)).toEqual(["Exception in callback <anonymous>"]);
  });
});

describe("timeouts", () => {
  test("call_later counts its delay in seconds", async () => {
    const start = loop.time();
    const fired = await new Promise<number>((resolve) => loop.call_later(0.05, () => resolve(loop.time())));
    expect(fired - start).toBeGreaterThanOrEqual(0.04);
    expect(fired - start).toBeLessThan(5);
  });

  test("call_at fires at an absolute time on the loop's clock", async () => {
    const when = loop.time() + 0.05;
    const handle = loop.call_at(when, () => undefined);
    expect(handle.deadline).toBe(when);
    const fired = await new Promise<number>((resolve) => loop.call_at(when, () => resolve(loop.time())));
    expect(fired).toBeGreaterThanOrEqual(when - 0.01);
  });

  test("add_timeout takes an absolute number or a relative timedelta", async () => {
    const start = loop.time();
    const absolute = new Promise<number>((resolve) => loop.add_timeout(start + 0.05, () => resolve(loop.time())));
    const relative = new Promise<number>((resolve) =>
      loop.add_timeout({ milliseconds: 50 }, () => resolve(loop.time())),
    );
    expect((await absolute) - start).toBeGreaterThanOrEqual(0.04);
    expect((await relative) - start).toBeGreaterThanOrEqual(0.04);
    expect(loop.add_timeout({ minutes: 1, seconds: 23 }, () => undefined).deadline - loop.time()).toBeCloseTo(83, 0);
  });

  test("add_timeout rejects a deadline that is neither a number nor a timedelta", () => {
    expect(() => loop.add_timeout("soon" as unknown as number, () => undefined)).toThrow(TypeError);
  });

  test("every timeout method passes its arguments through", async () => {
    const results: number[] = [];
    const push = (n: number): void => {
      results.push(n);
    };
    loop.add_timeout(loop.time(), push, 1);
    loop.add_timeout({ seconds: 0 }, push, 2);
    loop.call_at(loop.time(), push, 3);
    loop.call_later(0, push, 4);
    await after(0.01);
    expect(results.sort()).toEqual([1, 2, 3, 4]);
  });

  test("remove_timeout before the deadline stops the callback", async () => {
    const fired = jest.fn();
    loop.remove_timeout(loop.call_later(0.01, fired));
    await after(0.05);
    expect(fired).not.toHaveBeenCalled();
  });

  test("a timeout can remove a later one that is already due", async () => {
    const calls = [false, false];
    const now = loop.time();
    loop.add_timeout(now + 0.01, () => {
      calls[0] = true;
      loop.remove_timeout(second);
    });
    const second = loop.add_timeout(now + 0.02, () => {
      calls[1] = true;
    });
    await after(0.05);
    expect(calls).toEqual([true, false]);
  });

  test("remove_timeout after the callback ran, or twice, is harmless", async () => {
    const fired = jest.fn();
    const handle = loop.call_later(0, fired);
    await after(0.01);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(() => {
      loop.remove_timeout(handle);
      loop.remove_timeout(handle);
    }).not.toThrow();
  });

  test("a delay beyond setTimeout's 24.8-day limit does not fire early", async () => {
    const fired = jest.fn();
    const handle = loop.call_later(30 * 86400, fired);
    await after(0.05);
    expect(fired).not.toHaveBeenCalled();
    loop.remove_timeout(handle);
  });

  test("an exception in a timeout callback is logged", async () => {
    loop.call_later(0, function failingTimeout() {
      throw new Error("late boom");
    });
    await after(0.02);
    expect(logged.map((r) => r.message)).toEqual(["Exception in callback failingTimeout"]);
  });

  test("time() is a monotonic clock in seconds", () => {
    const first = loop.time();
    const second = loop.time();
    expect(second).toBeGreaterThanOrEqual(first);
    expect(Math.abs(first - performance.now() / 1000)).toBeLessThan(1);
  });
});

describe("run_sync", () => {
  test("resolves with the result of a plain function", async () => {
    await expect(loop.run_sync(() => 42)).resolves.toBe(42);
  });

  test("resolves with the result of an async function", async () => {
    await expect(
      loop.run_sync(async () => {
        await after(0.001);
        return "done";
      }),
    ).resolves.toBe("done");
  });

  test("rejects with what the function throws or rejects with", async () => {
    await expect(
      loop.run_sync(() => {
        throw new RangeError("sync");
      }),
    ).rejects.toThrow(RangeError);
    await expect(loop.run_sync(() => Promise.reject(new Error("async")))).rejects.toThrow("async");
  });

  test("rejects with TimeoutError when the timeout (seconds) passes first", async () => {
    const started = loop.time();
    const outcome = loop.run_sync(() => new Promise(() => undefined), { timeout: 0.05 });
    await expect(outcome).rejects.toThrow(new TimeoutError("Operation timed out after 0.05 seconds"));
    await expect(outcome).rejects.toBeInstanceOf(TimeoutError);
    expect(loop.time() - started).toBeGreaterThanOrEqual(0.04);
  });

  test("resolves normally when the function finishes within the timeout", async () => {
    await expect(loop.run_sync(() => after(0.001).then(() => 7), { timeout: 5 })).resolves.toBe(7);
  });

  test("rejects when the loop is stopped before the function finishes", async () => {
    const outcome = loop.run_sync(() => new Promise(() => undefined));
    loop.call_later(0.01, () => loop.stop());
    await expect(outcome).rejects.toThrow("Event loop stopped before Future completed.");
  });

  test("a pending run_sync keeps the process alive until the function finishes", () => {
    const child = runScript(
      `IOLoop.current().run_sync(() => new Promise((resolve) => setTimeout(() => resolve("finished"), 200).unref())).then(console.log);`,
    );
    expect(child).toEqual({ status: 0, stdout: "finished\n" });
  });
});

describe("start and stop", () => {
  test("start() returns a promise that stays pending until stop()", async () => {
    let stopped = false;
    const running = loop.start().then(() => {
      stopped = true;
    });
    await after(0.02);
    expect(stopped).toBe(false);
    loop.add_callback(() => loop.stop());
    await running;
    expect(stopped).toBe(true);
  });

  test("start() while running throws instead of deadlocking", async () => {
    const running = loop.start();
    expect(() => loop.start()).toThrow("IOLoop is already running");
    loop.stop();
    await running;
  });

  test("the loop can be started again after stop()", async () => {
    const first = loop.start();
    loop.stop();
    await first;
    const second = loop.start();
    loop.stop();
    await expect(second).resolves.toBeUndefined();
  });

  test("start() keeps the process alive until stop(), which lets it exit", () => {
    const child = runScript(`const loop = IOLoop.current();
setTimeout(() => loop.stop(), 200).unref();
loop.start().then(() => console.log("stopped"));`);
    expect(child).toEqual({ status: 0, stdout: "stopped\n" });
  });

  test("stop() stops every registered server once, and not unregistered ones", () => {
    const kept = { stop: jest.fn() };
    const dropped = { stop: jest.fn() };
    loop._register_server(kept);
    loop._register_server(dropped);
    loop._unregister_server(dropped);
    loop.stop();
    loop.stop();
    expect(kept.stop).toHaveBeenCalledTimes(1);
    expect(dropped.stop).not.toHaveBeenCalled();
  });

  test("a server whose stop() throws is logged and the other servers are still stopped", () => {
    const broken = {
      stop(): void {
        throw new Error("cannot stop");
      },
    };
    const fine = { stop: jest.fn() };
    loop._register_server(broken);
    loop._register_server(fine);
    expect(() => loop.stop()).not.toThrow();
    expect(fine.stop).toHaveBeenCalled();
    expect(logged.map((r) => r.message)).toEqual(["Exception in callback bound stop"]);
  });
});

describe("close", () => {
  test("drops callbacks and timeouts not yet run, then ignores new ones", async () => {
    const fired = jest.fn();
    loop.add_callback(fired);
    loop.call_later(0.01, fired);
    loop.close();
    loop.add_callback(fired);
    loop.call_later(0, fired);
    loop = IOLoop.current();
    await after(0.05);
    expect(fired).not.toHaveBeenCalled();
  });

  test("resolves start(), stops the servers, and refuses to start again", async () => {
    const server = { stop: jest.fn() };
    loop._register_server(server);
    const running = loop.start();
    loop.close();
    await running;
    expect(server.stop).toHaveBeenCalled();
    expect(() => loop.start()).toThrow("IOLoop is closed");
  });
});

describe("futures and executors", () => {
  test("run_in_executor(null) runs the function on the default pool, a worker thread, and resolves with its result", async () => {
    const here = threadId;
    const there = await loop.run_in_executor(
      null,
      (a: number, b: number) => ({
        sum: a + b,
        // The function runs from its source on the worker, where only require() reaches modules.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        thread: require("node:worker_threads").threadId as number,
      }),
      2,
      3,
    );
    expect(there.sum).toBe(5);
    expect(there.thread).not.toBe(here);
  });

  test("run_in_executor(null) rejects with what the function throws there", async () => {
    await expect(
      loop.run_in_executor(null, () => {
        throw new Error("in executor");
      }),
    ).rejects.toThrow("in executor");
    expect(logged).toEqual([]);
  });

  test("set_default_executor is what run_in_executor(null) submits to", async () => {
    const submitted: unknown[][] = [];
    loop.set_default_executor({
      submit: <A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A) => {
        submitted.push(args);
        return Promise.resolve(fn(...args));
      },
    });
    expect(await loop.run_in_executor(null, (x: number) => x * 2, 21)).toBe(42);
    expect(submitted).toEqual([[21]]);
  });

  test("add_future calls back with the future once it settles, fulfilled or rejected", async () => {
    const fulfilled = Promise.resolve("value");
    const rejected = Promise.reject(new Error("failed"));
    // Wrapped in an object so that resolving with it does not adopt the future.
    const seen = await Promise.all([
      new Promise<{ future: Promise<string> }>((resolve) =>
        loop.add_future(fulfilled, (future) => resolve({ future })),
      ),
      new Promise<{ future: Promise<never> }>((resolve) => loop.add_future(rejected, (future) => resolve({ future }))),
    ]);
    expect(seen[0].future).toBe(fulfilled);
    expect(seen[1].future).toBe(rejected);
    await expect(seen[0].future).resolves.toBe("value");
    await expect(seen[1].future).rejects.toThrow("failed");
  });

  test("an exception in an add_future callback is logged", async () => {
    loop.add_future(Promise.resolve(), function onDone() {
      throw new Error("callback failed");
    });
    await after(0.01);
    expect(logged.map((r) => r.message)).toEqual(["Exception in callback onDone"]);
  });
});

describe("PeriodicCallback", () => {
  test("rejects a callback_time that is not positive", () => {
    for (const time of [0, -5, Number.NaN, { seconds: 0 }]) {
      expect(() => new PeriodicCallback(() => undefined, time)).toThrow(
        "Periodic callback must have a positive callback_time",
      );
    }
  });

  test("takes callback_time in milliseconds, or as a timedelta", () => {
    expect(new PeriodicCallback(() => undefined, 250).callback_time).toBe(250);
    expect(new PeriodicCallback(() => undefined, { minutes: 1, seconds: 23 }).callback_time).toBe(83000);
  });

  test("calls repeatedly once started, until stopped", async () => {
    let count = 0;
    const done = new Promise<void>((resolve) => {
      const pc = new PeriodicCallback(() => {
        count++;
        if (count === 3) {
          pc.stop();
          resolve();
        }
      }, 10);
      expect(pc.is_running()).toBe(false);
      pc.start();
      expect(pc.is_running()).toBe(true);
    });
    await done;
    await after(0.05);
    expect(count).toBe(3);
  });

  test("awaits an async callback before scheduling the next call", async () => {
    const counts = [0, 0];
    let active = 0;
    let maxActive = 0;
    await new Promise<void>((resolve) => {
      const pc = new PeriodicCallback(async () => {
        counts[0]++;
        maxActive = Math.max(maxActive, ++active);
        await after(0.025);
        active--;
        counts[1]++;
        if (counts[1] === 3) {
          pc.stop();
          resolve();
        }
      }, 10);
      pc.start();
    });
    await after(0.05);
    expect(counts).toEqual([3, 3]);
    expect(maxActive).toBe(1);
  });

  test("logs an exception from the callback and keeps calling", async () => {
    let count = 0;
    await new Promise<void>((resolve) => {
      const pc = new PeriodicCallback(function flaky() {
        count++;
        if (count === 2) {
          pc.stop();
          resolve();
        }
        throw new Error("flaky");
      }, 10);
      pc.start();
    });
    expect(logged.map((r) => r.message)).toEqual(["Exception in callback flaky", "Exception in callback flaky"]);
  });

  describe("schedule (fake clock)", () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      loop.close();
      jest.useRealTimers();
    });

    /** Milliseconds since `start`, on the loop's (fake) clock. */
    function tracker(): { start: number; at: () => number } {
      const start = loop.time();
      return { start, at: () => Math.round((loop.time() - start) * 1000) };
    }

    test("the first call comes one period after start()", async () => {
      const calls: number[] = [];
      const clock = tracker();
      const pc = new PeriodicCallback(() => calls.push(clock.at()), 100);
      pc.start();
      await jest.advanceTimersByTimeAsync(99);
      expect(calls).toEqual([]);
      await jest.advanceTimersByTimeAsync(250);
      expect(calls).toEqual([100, 200, 300]);
      pc.stop();
    });

    test("a call that overruns skips the missed ticks to stay on the grid", async () => {
      const calls: number[] = [];
      const clock = tracker();
      const pc = new PeriodicCallback(() => {
        calls.push(clock.at());
        return calls.length === 2 ? after(0.25) : undefined;
      }, 100);
      pc.start();
      await jest.advanceTimersByTimeAsync(650);
      pc.stop();
      expect(calls).toEqual([100, 200, 500, 600]);
    });

    test("jitter varies each period within jitter * callback_time around it", async () => {
      const random = jest.spyOn(Math, "random");
      for (const value of [0.5, 1, 0, 0.75]) random.mockReturnValueOnce(value);
      try {
        const calls: number[] = [];
        const clock = tracker();
        const pc = new PeriodicCallback(() => calls.push(clock.at()), 10000, 0.5);
        pc.start();
        await jest.advanceTimersByTimeAsync(41300);
        pc.stop();
        expect(calls).toEqual([10000, 22500, 30000, 41250]);
      } finally {
        random.mockRestore();
      }
    });
  });
});
