/**
 * tornado.concurrent's Future: asyncio's interface, awaitable as a thenable, done callbacks on a
 * later microtask, and no unhandledRejection from a failure nobody awaited.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { concurrent, log, testing } from "../src";
import {
  CancelledError,
  chain_future,
  Future,
  future_add_done_callback,
  future_set_exception_unless_cancelled,
  future_set_result_unless_cancelled,
  InvalidStateError,
  is_future,
} from "../src/concurrent";
import { ROOT } from "./support/process";

test("a future's result, before and after it is set", async () => {
  const future = new Future<number>();
  expect(future.done()).toBe(false);
  expect(() => future.result()).toThrow(InvalidStateError);
  expect(() => future.exception()).toThrow(InvalidStateError);
  future.set_result(42);
  expect(future.done()).toBe(true);
  expect(future.result()).toBe(42);
  expect(future.exception()).toBeNull();
  expect(await future).toBe(42);
  expect(() => future.set_result(1)).toThrow(InvalidStateError);
  expect(() => future.set_exception(new Error("x"))).toThrow(InvalidStateError);
});

test("a failed future throws its exception from result() and from await", async () => {
  const future = new Future<number>();
  const err = new Error("boom");
  future.set_exception(err);
  expect(future.exception()).toBe(err);
  expect(() => future.result()).toThrow(err);
  await expect(future).rejects.toBe(err);
});

test("cancel: only a pending future, and then everything throws CancelledError", async () => {
  const future = new Future<number>();
  expect(future.cancel()).toBe(true);
  expect(future.cancelled()).toBe(true);
  expect(future.done()).toBe(true);
  expect(future.cancel()).toBe(false);
  expect(() => future.result()).toThrow(CancelledError);
  expect(() => future.exception()).toThrow(CancelledError);
  await expect(future).rejects.toBeInstanceOf(CancelledError);
  const done = new Future<number>();
  done.set_result(1);
  expect(done.cancel()).toBe(false);
  expect(done.cancelled()).toBe(false);
});

test("done callbacks run after set_result returns, not inside it, in the order added", async () => {
  const future = new Future<string>();
  const order: string[] = [];
  future.add_done_callback((f) => order.push(`first ${f.result()}`));
  future.add_done_callback(() => order.push("second"));
  future.set_result("x");
  order.push("set_result returned");
  await future;
  await Promise.resolve();
  expect(order).toEqual(["set_result returned", "first x", "second"]);
  // On a done future: still later, not at once.
  const later: string[] = [];
  future.add_done_callback(() => later.push("late"));
  expect(later).toEqual([]);
  await new Promise<void>((resolve) => future.add_done_callback(() => resolve()));
  expect(later).toEqual(["late"]);
});

test("remove_done_callback takes a callback off", async () => {
  const future = new Future<void>();
  const calls: string[] = [];
  const callback = () => calls.push("removed one ran");
  future.add_done_callback(callback);
  future.add_done_callback(callback);
  expect(future.remove_done_callback(callback)).toBe(2);
  const ran = new Promise<void>((resolve) => future.add_done_callback(() => resolve()));
  future.set_result();
  await ran;
  expect(calls).toEqual([]);
});

test("a done callback that throws is logged and the others still run", async () => {
  const future = new Future<void>();
  const ran = new Promise<void>((resolve) => {
    future.add_done_callback(function exploding() {
      throw new Error("callback failed");
    });
    future.add_done_callback(() => resolve());
  });
  await testing.ExpectLog.around(log.app_log, /Exception in callback exploding/, async () => {
    future.set_result();
    await ran;
  });
});

test("future_add_done_callback calls at once on a done future, later on a pending one", async () => {
  const done = new Future<number>();
  done.set_result(3);
  const seen: number[] = [];
  future_add_done_callback(done, (f) => seen.push(f.result()));
  expect(seen).toEqual([3]);
  const pending = new Future<number>();
  future_add_done_callback(pending, (f) => seen.push(f.result()));
  pending.set_result(4);
  expect(seen).toEqual([3]);
  await pending;
  await Promise.resolve();
  expect(seen).toEqual([3, 4]);
});

test("future_set_*_unless_cancelled leave a cancelled future alone", async () => {
  const future = new Future<number>();
  future.cancel();
  future_set_result_unless_cancelled(future, 1);
  expect(future.cancelled()).toBe(true);
  await testing.ExpectLog.around(log.app_log, /Exception after Future was cancelled/, () =>
    future_set_exception_unless_cancelled(future, new Error("late")),
  );
  const open = new Future<number>();
  future_set_result_unless_cancelled(open, 2);
  expect(open.result()).toBe(2);
  const failing = new Future<number>();
  future_set_exception_unless_cancelled(failing, new Error("e"));
  expect(() => failing.result()).toThrow("e");
});

test("chain_future copies result, exception and cancellation, from futures and promises", async () => {
  const a = new Future<number>();
  const b = new Future<number>();
  chain_future(a, b);
  a.set_result(7);
  expect(await b).toBe(7);

  const failing = new Future<number>();
  const target = new Future<number>();
  chain_future(failing, target);
  failing.set_exception(new Error("chained"));
  await expect(target).rejects.toThrow("chained");

  const cancelled = new Future<number>();
  const follower = new Future<number>();
  chain_future(cancelled, follower);
  cancelled.cancel();
  await expect(follower).rejects.toBeInstanceOf(CancelledError);

  const fromPromise = new Future<string>();
  chain_future(Promise.resolve("p"), fromPromise);
  expect(await fromPromise).toBe("p");

  // A target done already is left as it is.
  const source = new Future<number>();
  const settled = new Future<number>();
  settled.set_result(1);
  chain_future(source, settled);
  source.set_result(2);
  await source;
  expect(settled.result()).toBe(1);
});

test("a Future goes where a promise does", async () => {
  const a = new Future<number>();
  const b = new Future<number>();
  setImmediate(() => {
    a.set_result(1);
    b.set_result(2);
  });
  expect(await Promise.all([a, b])).toEqual([1, 2]);
  const failed = new Future<number>();
  failed.set_exception(new Error("caught"));
  expect(await failed.catch((err: Error) => err.message)).toBe("caught");
  expect(is_future(a)).toBe(true);
  expect(is_future(Promise.resolve())).toBe(false);
  expect(concurrent.Future).toBe(Future);
});

test("a failed future nobody awaits does not crash Node with unhandledRejection", () => {
  const script = `
    const { Future } = require(${JSON.stringify(join(ROOT, "src", "concurrent.ts"))});
    process.on("unhandledRejection", () => { console.log("unhandled"); process.exit(1); });
    const f = new Future();
    f.set_exception(new Error("nobody looks"));
    const c = new Future();
    c.cancel();
    setImmediate(() => console.log("survived"));
  `;
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), ["-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(output.trim()).toBe("survived");
});
