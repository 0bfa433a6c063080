/**
 * tornado.gen's generator coroutines, for code ported from Tornado's older style: `coroutine`
 * (as a function and as a method decorator), `Return`, `is_coroutine_function`,
 * `maybe_future`; the cases of Tornado's gen_test.py that carry over, and a handler written
 * with `yield` served over a real socket.
 */
import { gen, httpclient, web } from "../src";
import { CancelledError, Future } from "../src/concurrent";
import { serve } from "./support/serve";

/** A future that resolves with `value` on a later turn. */
function later<T>(value: T): Future<T> {
  const future = new Future<T>();
  setImmediate(() => future.set_result(value));
  return future;
}

/** A future that fails with `err` on a later turn. */
function laterError(err: Error): Future<never> {
  const future = new Future<never>();
  setImmediate(() => future.set_exception(err));
  return future;
}

test("a generator's yields are awaited and its return value is the future's result", async () => {
  const add = gen.coroutine(function* (a: number) {
    const b = (yield later(2)) as number;
    const c = (yield Promise.resolve(3)) as number;
    return a + b + c;
  });
  const result = add(1);
  expect(result).toBeInstanceOf(Future);
  expect(await result).toBe(6);
});

test("gen.Return ends the coroutine with its value, as Python 2's raise gen.Return(x)", async () => {
  const early = gen.coroutine(function* () {
    yield later(null);
    throw new gen.Return("early");
  });
  expect(await early()).toBe("early");
  const immediately = gen.coroutine(function () {
    throw new gen.Return(42);
  });
  expect(await immediately()).toBe(42);
});

test("a yielded future's error is thrown into the generator, where it can be caught", async () => {
  const recovering = gen.coroutine(function* () {
    try {
      yield laterError(new Error("boom"));
    } catch (err) {
      return `caught ${(err as Error).message}`;
    }
    return "not reached";
  });
  expect(await recovering()).toBe("caught boom");
  const failing = gen.coroutine(function* () {
    yield laterError(new RangeError("uncaught"));
  });
  await expect(failing()).rejects.toThrow(RangeError);
});

test("an array or object yielded is waited for as gen.multi", async () => {
  const both = gen.coroutine(function* () {
    const list = (yield [later(1), later(2)]) as number[];
    const dict = (yield { a: later("x"), b: Promise.resolve("y") }) as Record<string, string>;
    return [list, dict];
  });
  expect(await both()).toEqual([[1, 2], { a: "x", b: "y" }]);
});

test("yielding null gives the loop one turn (gen.moment), so other callbacks run in between", async () => {
  const order: string[] = [];
  const yielding = gen.coroutine(function* () {
    order.push("before");
    yield null;
    order.push("after");
  });
  setImmediate(() => order.push("other"));
  const done = yielding();
  order.push("caller");
  await done;
  expect(order).toEqual(["before", "caller", "other", "after"]);
});

test("something that cannot be waited for is thrown into the generator as a BadYieldError", async () => {
  const bad = gen.coroutine(function* () {
    try {
      yield 42;
    } catch (err) {
      return err instanceof gen.BadYieldError;
    }
    return false;
  });
  expect(await bad()).toBe(true);
});

test("a plain function's result, or its promise's, is the future's; its exception fails it", async () => {
  expect(await gen.coroutine((x: number) => x * 2)(21)).toBe(42);
  expect(await gen.coroutine(async () => "async")()).toBe("async");
  await expect(
    gen.coroutine(() => {
      throw new TypeError("plain");
    })(),
  ).rejects.toThrow("plain");
});

test("cancelling the coroutine's future stops its generator, whose finally blocks run", async () => {
  let cleaned = false;
  let resumed = false;
  const gate = new Future<void>();
  const long = gen.coroutine(function* () {
    try {
      yield gate;
      resumed = true;
    } finally {
      cleaned = true;
    }
  });
  const running = long();
  running.cancel();
  gate.set_result(undefined);
  await expect(running).rejects.toBeInstanceOf(CancelledError);
  expect(resumed).toBe(false);
  expect(cleaned).toBe(true);
});

test("is_coroutine_function tells coroutine-made functions; maybe_future wraps what is not a future", async () => {
  const made = gen.coroutine(function* named() {
    yield null;
  });
  expect(gen.is_coroutine_function(made)).toBe(true);
  expect(made.name).toBe("named");
  expect(gen.is_coroutine_function(function* () {})).toBe(false);
  expect(gen.is_coroutine_function(async () => 1)).toBe(false);
  const existing = later(1);
  expect(gen.maybe_future(existing)).toBe(existing);
  const wrapped = gen.maybe_future("value");
  expect(wrapped.done()).toBe(true);
  expect(wrapped.result()).toBe("value");
});

test("a handler whose get is a @gen.coroutine generator fetches and answers over real sockets", async () => {
  class Upstream extends web.RequestHandler {
    get() {
      this.write(`upstream ${this.get_argument("n")}`);
    }
  }
  let upstreamUrl = "";
  class Proxy extends web.RequestHandler {
    @gen.coroutine
    *get(): Generator<unknown, void, any> {
      const client = new httpclient.AsyncHTTPClient();
      const [one, two] = (yield [client.fetch(`${upstreamUrl}?n=1`), client.fetch(`${upstreamUrl}?n=2`)]) as [
        httpclient.HTTPResponse,
        httpclient.HTTPResponse,
      ];
      try {
        yield client.fetch(`${upstreamUrl}/missing`);
      } catch (err) {
        this.write(`${one.body.toString()}, ${two.body.toString()}, then ${(err as httpclient.HTTPClientError).code}`);
      }
    }
  }
  class Returning extends web.RequestHandler {
    get = gen.coroutine(function* (this: Returning) {
      yield gen.sleep(0.001);
      this.write("written before Return");
      throw new gen.Return();
    });
  }
  const server = await serve([
    ["/upstream", Upstream],
    ["/proxy", Proxy],
    ["/returning", Returning],
  ]);
  upstreamUrl = `http://127.0.0.1:${server.port}/upstream`;
  const proxied = await server.fetch("/proxy");
  expect(proxied.code).toBe(200);
  expect(proxied.body.toString()).toBe("upstream 1, upstream 2, then 404");
  const returning = await server.fetch("/returning");
  expect(returning.body.toString()).toBe("written before Return");
});
