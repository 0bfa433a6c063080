import { web, log, testing } from "../src";
import { serve } from "./support/serve";
import { openSocket, waitForClose } from "./support/wire";

/** "settled" once `promise` resolves, or "timeout" after `ms` (the timer is cleared either way). */
async function outcomeWithin(promise: Promise<unknown>, ms: number): Promise<"settled" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  try {
    return await Promise.race([promise.then(() => "settled" as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("handler lifecycle", () => {
  test("initialize, prepare, the verb and on_finish run in that order, after the response is sent", async () => {
    const calls: string[] = [];
    let finished!: () => void;
    const onFinish = new Promise<void>((resolve) => (finished = resolve));
    class Ordered extends web.RequestHandler {
      override initialize() {
        calls.push("initialize");
      }
      override async prepare() {
        await new Promise((resolve) => setImmediate(resolve));
        calls.push("prepare");
      }
      async get() {
        calls.push("get");
        this.write("ok");
      }
      override on_finish() {
        calls.push(`on_finish:${this._finished}`);
        finished();
      }
    }
    const server = await serve([["/", Ordered]]);
    expect((await server.fetch("/")).text).toBe("ok");
    await onFinish;
    expect(calls).toEqual(["initialize", "prepare", "get", "on_finish:true"]);
  });

  test("a handler whose hooks are all synchronous is answered within _execute: no promise, finished on return", async () => {
    const seen: Array<{ returned: unknown; finished: boolean }> = [];
    class AllSync extends web.RequestHandler {
      override get_current_user() {
        return "ann";
      }
      override prepare() {
        this.set_header("X-Prepared", "1");
      }
      get() {
        this.write(`hi ${String(this.current_user)}`);
      }
      override _execute(args: Array<string | null>, kwargs: Record<string, string | null>) {
        const returned = super._execute(args, kwargs);
        seen.push({ returned, finished: this._finished });
        return returned;
      }
    }
    const server = await serve([["/", AllSync]]);
    const response = await server.fetch("/");
    expect(response.text).toBe("hi ann");
    expect(response.headers.get("X-Prepared")).toBe("1");
    expect(seen).toEqual([{ returned: undefined, finished: true }]);
  });

  const MIXES = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ({
    user: (bits & 1) !== 0,
    prepare: (bits & 2) !== 0,
    verb: (bits & 4) !== 0,
  }));
  test.each(MIXES)(
    "get_current_user async: $user, prepare async: $prepare, verb async: $verb: in order, each after the one before resolved",
    async (mix) => {
      const calls: string[] = [];
      const later = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));
      let returned: unknown;
      class Mixed extends web.RequestHandler {
        override get_current_user() {
          calls.push("user");
          return mix.user ? later("bob") : "bob";
        }
        override prepare() {
          calls.push(`prepare:${String(this.current_user)}`);
          if (mix.prepare) return later(undefined).then(() => calls.push("prepared"));
          calls.push("prepared");
        }
        get() {
          calls.push("get");
          if (mix.verb) return later(undefined).then(() => this.write("async"));
          this.write("sync");
        }
        override on_finish() {
          calls.push("on_finish");
        }
        override _execute(args: Array<string | null>, kwargs: Record<string, string | null>) {
          returned = super._execute(args, kwargs);
          return returned as Promise<void> | undefined;
        }
      }
      const server = await serve([["/", Mixed]]);
      expect((await server.fetch("/")).text).toBe(mix.verb ? "async" : "sync");
      expect(calls).toEqual(["user", "prepare:bob", "prepared", "get", "on_finish"]);
      if (mix.user || mix.prepare || mix.verb) expect(returned).toBeInstanceOf(Promise);
      else expect(returned).toBeUndefined();
    },
  );

  test("finish() in prepare skips the verb method", async () => {
    let verbRan = false;
    class Early extends web.RequestHandler {
      override prepare() {
        this.finish("from prepare");
      }
      get() {
        verbRan = true;
      }
    }
    const server = await serve([["/", Early]]);
    expect((await server.fetch("/")).text).toBe("from prepare");
    expect(verbRan).toBe(false);
  });

  test("an async verb method finishes automatically once its promise resolves", async () => {
    class Slow extends web.RequestHandler {
      async get() {
        await new Promise((resolve) => setTimeout(resolve, 20));
        this.write("later");
      }
    }
    const server = await serve([["/", Slow]]);
    expect((await server.fetch("/")).text).toBe("later");
  });

  test.each([
    ["an async verb", "verb"],
    ["an async prepare", "prepare"],
    ["a sync verb that leaves the response open", "open"],
  ])("on_connection_close runs when the client leaves during %s", async (_label, mode) => {
    let closed!: () => void;
    const wasClosed = new Promise<void>((resolve) => (closed = resolve));
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => (started = resolve));
    class Pending extends web.RequestHandler {
      override prepare() {
        if (mode === "prepare") {
          started();
          return wasClosed;
        }
        return undefined;
      }
      get() {
        if (mode === "verb") {
          started();
          return wasClosed;
        }
        this._auto_finish = false;
        this.write("partial");
        void this.flush();
        started();
        return undefined;
      }
      override on_connection_close() {
        closed();
      }
    }
    const server = await serve([["/", Pending]]);
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await hasStarted;
    socket.destroy();
    await expect(outcomeWithin(wasClosed, 3000)).resolves.toBe("settled");
  });

  test("on_connection_close is not called for a request that finished normally", async () => {
    let called = false;
    class Quick extends web.RequestHandler {
      get() {
        this.write("done");
      }
      override on_connection_close() {
        called = true;
      }
    }
    const server = await serve([["/", Quick]]);
    await server.fetch("/");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(called).toBe(false);
  });

  test("set_default_headers applies to every response", async () => {
    class Defaults extends web.RequestHandler {
      override set_default_headers() {
        this.set_header("Server", "Custom");
        this.set_header("X-Frame-Options", "DENY");
      }
      get() {
        this.write("x");
      }
    }
    const server = await serve([["/", Defaults]]);
    const response = await server.fetch("/");
    expect(response.headers.get("Server")).toBe("Custom");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
  });

  test("an exception in initialize gives 500 and is logged", async () => {
    class BadInit extends web.RequestHandler {
      override initialize() {
        throw new Error("bad init");
      }
    }
    const server = await serve([["/", BadInit]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/"));
    expect(response.code).toBe(500);
  });

  test("a current_user assigned in initialize stands: get_current_user is not asked", async () => {
    let lookups = 0;
    class Preset extends web.RequestHandler {
      override initialize() {
        this.current_user = "preset";
      }
      override get_current_user() {
        lookups++;
        return "looked up";
      }
      get() {
        this.write(String(this.current_user));
      }
    }
    class PresetDefault extends web.RequestHandler {
      override initialize() {
        this.current_user = "preset";
      }
      get() {
        this.write(String(this.current_user));
      }
    }
    const server = await serve([
      ["/", Preset],
      ["/default", PresetDefault],
    ]);
    expect((await server.fetch("/")).text).toBe("preset");
    expect((await server.fetch("/default")).text).toBe("preset");
    expect(lookups).toBe(0);
  });

  test("current_user comes from get_current_user once, and can be assigned", async () => {
    let lookups = 0;
    class User extends web.RequestHandler {
      override get_current_user() {
        lookups++;
        return this.get_argument("user", null);
      }
      get() {
        const first = this.current_user;
        const second = this.current_user;
        if (this.get_argument("override", null)) this.current_user = "assigned";
        this.write({
          first: first as string | null,
          second: second as string | null,
          now: this.current_user as string | null,
        });
      }
    }
    const server = await serve([["/", User]]);
    expect((await server.fetch("/?user=ann")).json()).toEqual({ first: "ann", second: "ann", now: "ann" });
    expect((await server.fetch("/?override=1")).json()).toEqual({ first: null, second: null, now: "assigned" });
    expect(lookups).toBe(2);
  });

  test("require_setting names the missing setting", async () => {
    class Needs extends web.RequestHandler {
      get() {
        this.require_setting("cookie_secret", "secure cookies");
      }
    }
    const server = await serve([["/", Needs]], { serve_traceback: true });
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/"));
    expect(response.text).toContain(
      "You must define the &#x27;cookie_secret&#x27; setting in your application to use secure cookies",
    );
  });

  test("the server keeps serving other connections while one handler waits", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class Gate extends web.RequestHandler {
      async get(kind: string) {
        if (kind === "wait") await gate;
        this.write(kind);
      }
    }
    const server = await serve([["/(\\w+)", Gate]]);
    const waiting = server.fetch("/wait");
    expect((await server.fetch("/now")).text).toBe("now");
    release();
    expect((await waiting).text).toBe("wait");
  });

  test("a client that disconnects mid-response does not crash the server", async () => {
    class Big extends web.RequestHandler {
      async get() {
        for (let i = 0; i < 50; i++) {
          this.write(Buffer.alloc(64 * 1024, 97));
          await this.flush();
        }
      }
    }
    const server = await serve([["/", Big]]);
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => socket.once("data", resolve));
    socket.destroy();
    await waitForClose(socket);
    expect((await server.fetch("/", { request_timeout: 10 })).body.length).toBe(50 * 64 * 1024);
  });
});
