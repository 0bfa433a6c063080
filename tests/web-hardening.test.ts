import { web, log, testing, routing } from "../src";
import type { HTTPConnection } from "../src/httputil/request";
import { etagMatches } from "../src/web/output";
import { serve } from "./support/serve";
import { exchangeUntilClose, openSocket, readUntil, splitResponse, waitForClose } from "./support/wire";
import { expectLinear } from "./support/linearity";

const PAGE_500 = "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>";
const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** Reads one response with a Content-Length from a kept-alive socket. */
async function readResponse(socket: import("node:net").Socket): Promise<string> {
  return readUntil(socket, (received) => {
    const end = received.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const length = /\r\nContent-Length: (\d+)/i.exec(received.slice(0, end));
    return length !== null && received.length >= end + 4 + Number(length[1]);
  });
}

/** Unhandled rejections seen while a test runs (Jest would otherwise let them pass silently or crash). */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

/** Waits a turn of the event loop, so that a rejection left unhandled is reported before the test ends. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("an exception while the headers are built gets a real error response", () => {
  class BadHeaders extends web.RequestHandler {
    async get(kind: string) {
      this.write("body that must not be sent");
      // Bypasses set_header's checks, as a library or a transform writing the header map would.
      this._headers.set("X-Bad", "caf\u20ac");
      if (kind === "flush") await this.flush();
    }
  }

  test.each(["finish", "flush"])(
    "a header value Node refuses, at %s: 500 with the error page and a matching access log line",
    async (kind) => {
      const server = await serve([["/(finish|flush)", BadHeaders]]);
      const socket = await openSocket(server.port);
      socket.write(GET(`/${kind}`));
      const raw = await testing.ExpectLog.around(
        log.access_log,
        new RegExp(`^500 GET /${kind} \\(127\\.0\\.0\\.1\\)`),
        () =>
          testing.ExpectLog.around(log.app_log, new RegExp(`Uncaught exception GET /${kind}`), () =>
            readResponse(socket),
          ),
      );
      const { statusLine, headerLines, body } = splitResponse(raw);
      expect(statusLine).toBe("HTTP/1.1 500 Internal Server Error");
      expect(headerLines).toContain(`Content-Length: ${PAGE_500.length}`);
      expect(headerLines.some((line) => line.startsWith("X-Bad"))).toBe(false);
      expect(body).toBe(PAGE_500);
      // The connection is still good for the next request.
      socket.write(GET("/finish"));
      await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => readResponse(socket));
      socket.destroy();
    },
  );

  test("a cookie value above U+00FF fails at set_cookie, naming the cookie: 500, never a blank 200", async () => {
    let message = "";
    class Euro extends web.RequestHandler {
      get() {
        try {
          this.set_cookie("price", "5\u20ac");
        } catch (err) {
          message = (err as Error).message;
          throw err;
        }
      }
    }
    const server = await serve([["/", Euro]]);
    const raw = await testing.ExpectLog.around(log.access_log, /^500 GET \/ /, () =>
      testing.ExpectLog.around(log.app_log, /Uncaught exception GET \//, () =>
        exchangeUntilClose(server.port, GET("/").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")),
      ),
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 500 Internal Server Error");
    expect(splitResponse(raw).body).toBe(PAGE_500);
    expect(message).toMatch(/'price'.*above U\+00FF/);
  });

  test("when even the error page's headers cannot be written, the client still gets a bare 500", async () => {
    class Hopeless extends web.RequestHandler {
      override set_default_headers() {
        // Past the header check (HTTPHeaders.set would refuse it), so that Node's writeHead refuses it.
        this._headers._set_unchecked("X-Bad", "\u20ac");
      }
      get() {}
    }
    const server = await serve([["/", Hopeless]]);
    const raw = await testing.ExpectLog.around(log.app_log, /Exception in exception handler/, () =>
      testing.ExpectLog.around(log.app_log, /Uncaught exception GET \//, () =>
        exchangeUntilClose(server.port, GET("/")),
      ),
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 500 Internal Server Error");
    expect(splitResponse(raw).body).toBe(PAGE_500);
  });
});

describe("an exception after the headers went out closes the connection", () => {
  /** Replaces one method of the request's connection, as a connection that refuses output (HTTPOutputError) would behave. */
  function breakConnection(handler: web.RequestHandler, method: "write" | "finish", failure: "throw" | "reject"): void {
    const connection = handler.request.connection as HTTPConnection & Record<string, unknown>;
    connection[method] = () => {
      const error = new Error(`connection refused the ${method}`);
      if (failure === "throw") throw error;
      return Promise.reject(error);
    };
  }

  test("a chunked response that fails mid-way is not terminated: the kept-alive client sees the connection close", async () => {
    class Late extends web.RequestHandler {
      async get() {
        this.write("first;");
        await this.flush();
        throw new Error("late failure");
      }
    }
    const server = await serve([["/", Late]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /Cannot send error response after headers written/, () =>
      testing.ExpectLog.around(log.app_log, /Uncaught exception GET \//, () =>
        exchangeUntilClose(server.port, GET("/") + GET("/")),
      ),
    );
    expect(raw.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(splitResponse(raw).body).toBe("6\r\nfirst;\r\n");
  });

  test.each(["throw", "reject"] as const)(
    "a connection write that fails (%s) after the headers: closed connection and a log line",
    async (failure) => {
      class Writer extends web.RequestHandler {
        async get() {
          this.write("a");
          await this.flush();
          breakConnection(this, "write", failure);
          this.write("b");
          await this.flush();
          this.write("c");
        }
      }
      const server = await serve([["/", Writer]]);
      const logged =
        failure === "throw" ? /Uncaught exception GET \// : /Could not send the response to GET \/ \(127\.0\.0\.1\)/;
      const raw = await testing.ExpectLog.around(log.app_log, logged, () => exchangeUntilClose(server.port, GET("/")), {
        required: true,
      });
      await settle();
      expect(splitResponse(raw).body).toBe("1\r\na\r\n");
    },
  );

  test.each([
    ["throw", false],
    ["reject", false],
    ["reject", true],
  ] as const)(
    "a connection finish that fails (%s, gzip %s): closed connection, logged, access-logged once",
    async (failure, gzip) => {
      let finished = 0;
      class Finisher extends web.RequestHandler {
        get() {
          breakConnection(this, "finish", failure);
          this.write("whole body");
        }
        override on_finish() {
          finished++;
        }
      }
      // With gzip the finish runs at the end of the transform chain, whose catch must take it.
      const server = await serve([["/", Finisher]], { compress_response: gzip });
      const socket = await openSocket(server.port);
      socket.write(GET("/"));
      await testing.ExpectLog.around(log.access_log, /^200 GET \/ /, () =>
        testing.ExpectLog.around(log.app_log, /Could not send the response to GET \//, () => waitForClose(socket)),
      );
      await settle();
      expect(finished).toBe(1);
    },
  );
});

describe("output transforms that fail never leave a rejection unhandled", () => {
  class Throwing implements web.OutputTransform {
    constructor(readonly request: { uri: string }) {}
    transform_first_chunk(
      status: number,
      headers: import("../src/httputil/headers").HTTPHeaders,
      chunk: Buffer,
    ): [number, Buffer | Promise<Buffer>] {
      if (this.request.uri.includes("first-throw")) throw new Error("transform threw");
      if (this.request.uri.includes("first-reject")) return [status, Promise.reject(new Error("transform rejected"))];
      return [status, chunk];
    }
    transform_chunk(chunk: Buffer, finishing: boolean): Buffer | Promise<Buffer> {
      if (finishing && this.request.uri.includes("later")) return Promise.reject(new Error("later chunk rejected"));
      return chunk;
    }
  }

  class Streamer extends web.RequestHandler {
    async get() {
      this.write("one;");
      if (this.request.uri.includes("later")) await this.flush();
      this.write("two;");
    }
  }

  function app() {
    const application = new web.Application([["/.*", Streamer]]);
    application.add_transform(Throwing as unknown as web.OutputTransformClass);
    return application;
  }

  test.each(["first-throw", "first-reject"])(
    "a first chunk that fails (%s): the headers never went out, so a bare 500",
    async (kind) => {
      const server = await testing.start_server(app());
      try {
        const raw = await testing.ExpectLog.around(log.app_log, /Could not send the response to GET \//, () =>
          exchangeUntilClose(server.port, GET(`/${kind}`)),
        );
        await settle();
        expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 500 Internal Server Error");
        expect(splitResponse(raw).body).toBe(PAGE_500);
      } finally {
        await server.close();
      }
    },
  );

  test("a later chunk that fails: the connection is closed, the chunked body never terminated", async () => {
    const server = await testing.start_server(app());
    try {
      const raw = await testing.ExpectLog.around(log.app_log, /Could not send the response to GET \/later/, () =>
        exchangeUntilClose(server.port, GET("/later")),
      );
      await settle();
      expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 200 OK");
      expect(raw).not.toContain("0\r\n\r\n");
    } finally {
      await server.close();
    }
  });
});

describe("set_cookie validates at the call", () => {
  test.each([
    ["a name with a space", "bad name", "v", {}, /name='bad name' for cookie 'bad name'/],
    ["a reserved name", "path", "v", {}, /reserved key 'path'/],
    ["a value with a space", "n", "a b", {}, /Invalid cookie 'n'/],
    ["a value above U+00FF", "n", "\u0100", {}, /Invalid cookie 'n'.*U\+00FF/],
    ["a domain with a semicolon", "n", "v", { domain: "a;b" }, /attribute domain='a;b'/],
    ["a path above U+00FF", "n", "v", { path: "/\u20ac" }, /attribute path for cookie 'n'.*U\+00FF/],
    ["a max_age of NaN", "n", "v", { max_age: NaN }, /max_age=NaN/],
    ["an invalid expiry Date", "n", "v", { expires: new Date(NaN) }, /expires.*invalid Date/],
  ] as Array<[string, string, string, web.CookieOptions, RegExp]>)(
    "%s throws a CookieError naming it, before any output",
    async (_what, name, value, options, expected) => {
      let thrown: unknown = null;
      class Setter extends web.RequestHandler {
        get() {
          try {
            this.set_cookie(name, value, options);
          } catch (err) {
            thrown = err;
          }
          this.write("ok");
        }
      }
      const server = await serve([["/", Setter]]);
      const response = await server.fetch("/");
      expect(response.code).toBe(200);
      expect(response.headers.get("Set-Cookie")).toBeUndefined();
      expect((thrown as Error).name).toBe("CookieError");
      expect((thrown as Error).message).toMatch(expected);
    },
  );
});

describe("SUPPORTED_METHODS", () => {
  test("a static SUPPORTED_METHODS on a subclass is honoured: POST gets 405", async () => {
    class GetOnly extends web.RequestHandler {
      static override SUPPORTED_METHODS = ["GET"];
      get() {
        this.write("got");
      }
      post() {
        this.write("posted");
      }
    }
    const server = await serve([["/", GetOnly]]);
    expect((await server.fetch("/")).text).toBe("got");
    expect((await server.fetch("/", { method: "POST", body: "" })).code).toBe(405);
  });

  test("an instance field still overrides the static list", async () => {
    class Both extends web.RequestHandler {
      static override SUPPORTED_METHODS = ["GET"];
      override SUPPORTED_METHODS = ["GET", "POST"];
      post() {
        this.write("posted");
      }
    }
    const server = await serve([["/", Both]]);
    expect((await server.fetch("/", { method: "POST", body: "" })).text).toBe("posted");
  });
});

describe("route anchoring", () => {
  class Hit extends web.RequestHandler {
    get() {
      this.write("hit");
    }
  }

  test("a top-level alternation is anchored as a whole: /x/y/b and /a/x do not match /a|/b", async () => {
    const server = await serve([["/a|/b", Hit]]);
    for (const path of ["/a", "/b"]) expect((await server.fetch(path)).text).toBe("hit");
    for (const path of ["/x/y/b", "/a/x", "/ab"]) expect((await server.fetch(path)).code).toBe(404);
  });

  test("such a pattern promises no literal prefix, and reversing it is refused", () => {
    const matcher = new routing.PathMatches("/a|/b");
    expect(matcher.pattern).toBe("^(?:/a|/b)$");
    expect(matcher.literal_prefix).toBe("");
    expect(() => matcher.reverse()).toThrow(/Cannot reverse/);
    const table = new routing.RuleTable([new routing.URLSpec("/a|/b", Hit), new routing.URLSpec("/c", Hit)]);
    expect(table.match("/b")?.spec.matcher.pattern).toBe("^(?:/a|/b)$");
    expect(table.match("/c")?.spec.matcher.pattern).toBe("^/c$");
  });
});

describe("get_current_user returning a promise", () => {
  /** A decorator that hides the async function behind a plain one, as a caching or tracing wrapper does. */
  function wrapped<T extends (...args: never[]) => unknown>(fn: T): T {
    return function (this: unknown, ...args: Parameters<T>) {
      return fn.apply(this, args);
    } as T;
  }

  test("a decorated async get_current_user is awaited before prepare", async () => {
    class Decorated extends web.RequestHandler {
      seen: unknown = "unset";
      override get_current_user = wrapped(async function (this: web.RequestHandler) {
        await new Promise((resolve) => setImmediate(resolve));
        return this.get_cookie("user");
      });
      override prepare() {
        this.seen = this.current_user;
      }
      @web.authenticated
      get() {
        this.write({ prepare: this.seen as string, now: this.current_user as string });
      }
    }
    const server = await serve([["/", Decorated]], { login_url: "/login" });
    expect((await server.fetch("/", { headers: { Cookie: "user=ann" } })).json()).toEqual({
      prepare: "ann",
      now: "ann",
    });
    const anonymous = await server.fetch("/", { follow_redirects: false });
    expect(anonymous.code).toBe(302);
  });
});

describe("If-None-Match runs in linear time", () => {
  test.each([
    ['W/" repeated', (size: number) => 'W/"'.repeat(Math.floor(size / 3))],
    ["quotes and commas", (size: number) => '"",'.repeat(Math.floor(size / 3))],
    ["an unterminated tag", (size: number) => '"' + "a".repeat(size - 1)],
    ["W/ repeated", (size: number) => "W/".repeat(size / 2)],
  ])("%s", (_shape, build) => {
    expectLinear(build, (header) => etagMatches('"abc"', header));
  });
});
