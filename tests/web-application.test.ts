import { web, log, testing, httpserver, ioloop } from "../src";
import { openSocket, readUntil, waitForClose } from "./support/wire";
import { serve } from "./support/serve";

class Args extends web.RequestHandler {
  get(...args: unknown[]) {
    this.write({ args, path_args: this.path_args, path_kwargs: this.path_kwargs });
  }
}

describe("routes", () => {
  test("every tuple form and url() route, and initKwargs reach initialize", async () => {
    class Init extends web.RequestHandler {
      declare greeting: string;
      override initialize(kwargs: Record<string, unknown>) {
        this.greeting = String(kwargs.greeting ?? "none");
      }
      get() {
        this.write(this.greeting);
      }
    }
    const server = await serve([
      ["/two", Init],
      ["/three", Init, { greeting: "three" }],
      ["/four", Init, { greeting: "four" }, "four"],
      web.url("/url", Init, { greeting: "url" }, "url"),
    ]);
    for (const [path, text] of [
      ["/two", "none"],
      ["/three", "three"],
      ["/four", "four"],
      ["/url", "url"],
    ]) {
      expect((await server.fetch(path)).text).toBe(text);
    }
  });

  test("a pattern matches the whole path", async () => {
    const server = await serve([["/foo", Args]]);
    expect((await server.fetch("/foo")).code).toBe(200);
    expect((await server.fetch("/foo/")).code).toBe(404);
    expect((await server.fetch("/foobar")).code).toBe(404);
    expect((await server.fetch("/x/foo")).code).toBe(404);
  });

  test("positional groups arrive URL-decoded as arguments, + kept, %2F decoded", async () => {
    const server = await serve([["/pos/(\\w+)/(.*)", Args]]);
    const response = await server.fetch("/pos/ab/c%2Fd+e%20f?q=1");
    expect(response.json()).toEqual({ args: ["ab", "c/d+e f"], path_args: ["ab", "c/d+e f"], path_kwargs: {} });
  });

  test("named groups arrive as one object, in Python and JavaScript spelling", async () => {
    const server = await serve([
      ["/py/(?P<first>\\w+)/(?P<second>\\w+)", Args],
      [/^\/js\/(?<first>\w+)$/, Args],
    ]);
    expect((await server.fetch("/py/a/b")).json()).toEqual({
      args: [{ first: "a", second: "b" }],
      path_args: [],
      path_kwargs: { first: "a", second: "b" },
    });
    expect((await server.fetch("/js/z")).json().args).toEqual([{ first: "z" }]);
  });

  test("an unmatched optional group is null", async () => {
    const server = await serve([["/opt/(\\d+)?", Args]]);
    expect((await server.fetch("/opt/")).json().args).toEqual([null]);
  });

  test("invalid UTF-8 in a path argument gives 400", async () => {
    const server = await serve([["/(.*)", Args]]);
    const response = await testing.ExpectLog.around(log.gen_log, /Invalid unicode in url/, () => server.fetch("/%FF"));
    expect(response.code).toBe(400);
  });

  test("the first matching route wins", async () => {
    class First extends web.RequestHandler {
      get() {
        this.write("first");
      }
    }
    const server = await serve([
      ["/(.*)", First],
      ["/x", Args],
    ]);
    expect((await server.fetch("/x")).text).toBe("first");
  });
});

describe("configuration errors", () => {
  test("an invalid regular expression names the pattern", () => {
    expect(() => new web.Application([["/(unclosed", Args]])).toThrow(/Invalid URL pattern "\/\(unclosed"/);
  });

  test("a handler that is not a RequestHandler subclass is named", () => {
    class NotAHandler {}
    expect(() => new web.Application([["/x", NotAHandler as unknown as web.RequestHandlerClass]])).toThrow(
      /Handler for \/x must be a RequestHandler subclass, got NotAHandler/,
    );
  });

  test("a duplicate route name is refused", () => {
    expect(
      () =>
        new web.Application([
          ["/a", Args, {}, "same"],
          ["/b", Args, {}, "same"],
        ]),
    ).toThrow(/Duplicate route name "same"/);
  });

  test("a malformed route is refused", () => {
    expect(() => new web.Application([["/only"] as unknown as web.Route])).toThrow(/A route must be/);
  });
});

describe("reverse_url", () => {
  const app = new web.Application([
    ["/user/(\\d+)/(\\w+)", Args, {}, "user"],
    ["/static\\.txt", Args, {}, "static"],
    ["/file/(.*)", Args, {}, "file"],
    ["/complex/(\\d+|[a-z]+(x))", Args, {}, "complex"],
  ]);

  test("fills groups with escaped arguments", () => {
    expect(app.reverse_url("user", 42, "bob")).toBe("/user/42/bob");
    expect(app.reverse_url("static")).toBe("/static.txt");
    expect(app.reverse_url("file", "a b/c?")).toBe("/file/a%20b/c%3F");
  });

  test("an unknown name or a wrong argument count throws", () => {
    expect(() => app.reverse_url("nope")).toThrow("nope not found in named urls");
    expect(() => app.reverse_url("user", 1)).toThrow(/required number of arguments/);
    expect(() => app.reverse_url("complex", 1)).toThrow(/Cannot reverse url regex/);
  });

  test("is available on the handler", async () => {
    class Linker extends web.RequestHandler {
      get() {
        this.write(this.reverse_url("user", 7, "x"));
      }
    }
    const server = await serve([
      ["/", Linker],
      ["/user/(\\d+)/(\\w+)", Args, {}, "user"],
    ]);
    expect((await server.fetch("/")).text).toBe("/user/7/x");
  });
});

describe("hosts", () => {
  class Named extends web.RequestHandler {
    declare label: string;
    override initialize(kwargs: Record<string, unknown>) {
      this.label = String(kwargs.label);
    }
    get() {
      this.write(this.label);
    }
  }

  test("add_handlers routes serve only their host, before the wildcard routes", async () => {
    const app = new web.Application([["/", Named, { label: "wildcard" }]]);
    app.add_handlers("www\\.example\\.com", [
      ["/", Named, { label: "www" }],
      ["/only", Named, { label: "only" }],
    ]);
    const server = await testing.start_server(app);
    try {
      expect((await server.fetch("/", { headers: { Host: "www.example.com:80" } })).text).toBe("www");
      expect((await server.fetch("/", { headers: { Host: "other.example.com" } })).text).toBe("wildcard");
      expect((await server.fetch("/only", { headers: { Host: "other.example.com" } })).code).toBe(404);
    } finally {
      await server.close();
    }
  });

  test("default_host serves unknown hosts from that host's routes unless X-Real-Ip is set", async () => {
    const app = new web.Application([], { default_host: "www.example.com" });
    app.add_handlers("www\\.example\\.com", [["/", Named, { label: "www" }]]);
    const server = await testing.start_server(app);
    try {
      expect((await server.fetch("/", { headers: { Host: "unknown.test" } })).text).toBe("www");
      expect((await server.fetch("/", { headers: { Host: "unknown.test", "X-Real-Ip": "1.2.3.4" } })).code).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("settings", () => {
  test("unknown settings are kept and readable from handlers", async () => {
    class Reader extends web.RequestHandler {
      get() {
        this.write({ custom: this.settings.custom as string, debug: this.settings.debug ?? false });
      }
    }
    const server = await serve([["/", Reader]], { custom: "kept" });
    expect((await server.fetch("/")).json()).toEqual({ custom: "kept", debug: false });
  });

  test("debug sets serve_traceback, template reloading, no static hash cache and autoreload, and leaves explicit settings alone", () => {
    const settings = new web.Application([], { debug: true }).settings;
    expect(settings).toMatchObject({
      serve_traceback: true,
      compiled_template_cache: false,
      static_hash_cache: false,
      autoreload: true,
    });
    expect(new web.Application([], { debug: true }).settings.serve_traceback).toBe(true);
    expect(new web.Application([], { debug: true, serve_traceback: false }).settings.serve_traceback).toBe(false);
  });

  test("in debug mode a 404 says the path with or without a trailing slash has a route", async () => {
    const server = await serve(
      [
        ["/ws/geri", Args],
        ["/dir/", Args],
      ],
      { debug: true },
    );
    const missingSlash = await server.fetch("/ws/geri/");
    expect(missingSlash.code).toBe(404);
    expect(missingSlash.text).toContain(
      "No route matches <code>/ws/geri/</code>, but one matches <code>/ws/geri</code>",
    );
    expect((await server.fetch("/dir")).text).toContain("but one matches <code>/dir/</code>");
    const elsewhere = await server.fetch("/elsewhere");
    expect(elsewhere.code).toBe(404);
    expect(elsewhere.text).not.toContain("No route matches");
  });

  test("outside debug mode the 404 page stays Tornado's", async () => {
    const server = await serve([["/ws/geri", Args]]);
    expect((await server.fetch("/ws/geri/")).text).toBe(
      "<html><title>404: Not Found</title><body>404: Not Found</body></html>",
    );
  });

  test("default_handler_class answers unmatched requests with its args", async () => {
    class Custom404 extends web.RequestHandler {
      declare message: string;
      override initialize(kwargs: Record<string, unknown>) {
        this.message = String(kwargs.message);
      }
      override prepare() {
        this.set_status(404);
        this.finish({ error: this.message });
      }
    }
    const server = await serve([], {
      default_handler_class: Custom404,
      default_handler_args: { message: "nothing here" },
    });
    const response = await server.fetch("/missing", { method: "POST", body: "" });
    expect(response.code).toBe(404);
    expect(response.json()).toEqual({ error: "nothing here" });
  });

  test("log_function replaces the access log", async () => {
    const seen: string[] = [];
    class Hello extends web.RequestHandler {
      get() {
        this.write("hi");
      }
    }
    const expectation = new testing.ExpectLog(log.access_log, /.*/, { required: false });
    const server = await serve([["/", Hello]], {
      log_function: (handler) => seen.push(`${handler.get_status()} ${handler.request.path}`),
    });
    await server.fetch("/");
    expectation.finish();
    expect(seen).toEqual(["200 /"]);
    expect(expectation.matched).toBe(0);
  });
});

describe("access log", () => {
  class Status extends web.RequestHandler {
    get(code: string) {
      this.set_status(Number(code));
    }
  }

  test.each([
    [200, log.INFO],
    [302, log.INFO],
    [404, log.WARNING],
    [503, log.ERROR],
  ])("a %d is logged at level %d in Tornado's form", async (code, level) => {
    const server = await serve([["/(\\d+)", Status]]);
    const records: log.LogRecord[] = [];
    const capture = (record: log.LogRecord) => void records.push(record);
    log.access_log.addHandler(capture);
    try {
      await server.fetch(`/${code}?x=1`, { follow_redirects: false });
    } finally {
      log.access_log.removeHandler(capture);
    }
    expect(records).toHaveLength(1);
    expect(records[0].levelno).toBe(level);
    expect(records[0].message).toMatch(
      new RegExp(`^${code} GET /${code}\\?x=1 \\(127\\.0\\.0\\.1\\) \\d+\\.\\d{2}ms$`),
    );
  });
});

describe("listen", () => {
  test("app.listen returns the HTTPServer, serving on the chosen port", async () => {
    class Hello extends web.RequestHandler {
      get() {
        this.write("listening");
      }
    }
    const server = await new web.Application([["/", Hello]]).listen(0, "127.0.0.1").ready();
    try {
      expect(server).toBeInstanceOf(httpserver.HTTPServer);
      const response = await testing.fetch(`http://127.0.0.1:${server.port}/`);
      expect(response.text).toBe("listening");
    } finally {
      await new testing.TestServer(server).close();
    }
  });

  test("IOLoop.current().stop() closes the servers app.listen opened, and their connections, and start() resolves", async () => {
    class Hello extends web.RequestHandler {
      get() {
        this.write("up");
      }
    }
    const loop = ioloop.IOLoop.current();
    const server = await new web.Application([["/", Hello]]).listen(0, "127.0.0.1").ready();
    const port = server.port!;
    const running = loop.start();
    expect((await testing.fetch(`http://127.0.0.1:${port}/`)).text).toBe("up");
    const keptAlive = await openSocket(port);
    keptAlive.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(keptAlive, (r) => r.endsWith("up"));
    loop.stop();
    await running;
    await expect(openSocket(port)).rejects.toThrow(/ECONNREFUSED/);
    await waitForClose(keptAlive);
  });
});
