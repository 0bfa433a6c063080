/**
 * Tornado's `tornado.routing` classes over real sockets: the cases of Tornado's
 * routing_test.py and the examples of the routing module's documentation, as written there.
 */
import { httpserver, httputil, routing, testing, web } from "../src";
import { HostMatches, PathMatches, Rule, RuleRouter } from "../src/routing";

const running: testing.TestServer[] = [];

async function start(callback: httpserver.RequestCallback): Promise<testing.TestServer> {
  const server = await testing.start_server(callback);
  running.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const OK_LINE: httputil.ResponseStartLine = { version: "HTTP/1.1", code: 200, reason: "OK" };

/** Tornado's `MessageDelegate` of the module docs: answers "OK" through the connection. */
class MessageDelegate implements httputil.HTTPMessageDelegate {
  constructor(readonly connection: httputil.HTTPConnection) {}

  finish(): void {
    void this.connection.write_headers(OK_LINE, new httputil.HTTPHeaders({ "Content-Length": "2" }), "OK");
    void this.connection.finish();
  }
}

class BasicRouter extends routing.Router {
  find_handler(request: httputil.HTTPServerRequest): httputil.HTTPMessageDelegate {
    return new MessageDelegate(request.connection!);
  }
}

/** Tornado's `ConnectionDelegate`: a message delegate per request, headers then body then finish. */
class ConnectionDelegate implements httputil.HTTPServerConnectionDelegate {
  start_request(_server_conn: unknown, request_conn: httputil.HTTPConnection): httputil.HTTPMessageDelegate {
    return {
      finish() {
        void request_conn.write_headers(OK_LINE, new httputil.HTTPHeaders({ "Content-Length": "2" }));
        void request_conn.write("OK");
        void request_conn.finish();
      },
    };
  }
}

function requestCallable(request: httputil.HTTPServerRequest): void {
  const connection = request.connection!;
  void connection.write_headers(OK_LINE, new httputil.HTTPHeaders({ "Content-Length": "2" }));
  void connection.write("OK");
  void connection.finish();
}

test("a Router's own message delegate answers, without an Application", async () => {
  const server = await start(new BasicRouter());
  expect((await server.fetch("/any_request")).text).toBe("OK");
});

describe("a router per HTTP method (the module docs' HTTPMethodRouter)", () => {
  const resources: Record<string, Buffer> = {};

  class GetResource extends web.RequestHandler {
    get(path: string) {
      if (!(path in resources)) throw new web.HTTPError(404);
      this.finish(resources[path]);
    }
  }

  class PostResource extends web.RequestHandler {
    post(path: string) {
      resources[path] = this.request.body;
    }
  }

  class HTTPMethodRouter extends routing.Router {
    constructor(readonly app: web.Application) {
      super();
    }

    find_handler(request: httputil.HTTPServerRequest): httputil.HTTPMessageDelegate {
      const handler = request.method === "GET" ? GetResource : PostResource;
      return this.app.get_handler_delegate(request, handler, null, [request.path]);
    }
  }

  test("GET and POST go to different handlers", async () => {
    const server = await start(new HTTPMethodRouter(new web.Application()));
    expect((await server.fetch("/post_resource", { method: "POST", body: "data" })).code).toBe(200);
    expect((await server.fetch("/get_resource")).code).toBe(404);
    const response = await server.fetch("/post_resource");
    expect(response.code).toBe(200);
    expect(response.text).toBe("data");
  });
});

function namedHandler(handlerName: string): web.RequestHandlerClass {
  return class Handler extends web.RequestHandler {
    get() {
      const appName = this.application.settings.app_name;
      if (appName !== undefined) this.write(`${String(appName)}: `);
      this.finish(`${handlerName}: ${this.reverse_url(handlerName)}`);
    }
  };
}

const FirstHandler = namedHandler("first_handler");
const SecondHandler = namedHandler("second_handler");

class CustomRouter extends routing.ReversibleRouter {
  readonly routes = new Map<string, [web.Application, web.RequestHandlerClass]>();

  add_routes(routes: Record<string, [web.Application, web.RequestHandlerClass]>): void {
    for (const [path, route] of Object.entries(routes)) this.routes.set(path, route);
  }

  find_handler(request: httputil.HTTPServerRequest): httputil.HTTPMessageDelegate | null {
    const route = this.routes.get(request.path);
    return route === undefined ? null : route[0].get_handler_delegate(request, route[1]);
  }

  reverse_url(name: string): string | null {
    const path = "/" + name;
    return this.routes.has(path) ? path : null;
  }
}

test("a custom ReversibleRouter routes to handlers of two applications", async () => {
  const router = new CustomRouter();
  class CustomApplication extends web.Application {
    reverse_url(name: string, ...args: unknown[]): string {
      return router.reverse_url(name) ?? super.reverse_url(name, ...args);
    }
  }
  const app1 = new CustomApplication([], { app_name: "app1" });
  const app2 = new CustomApplication([], { app_name: "app2" });
  router.add_routes({
    "/first_handler": [app1, FirstHandler],
    "/second_handler": [app2, SecondHandler],
    "/first_handler_second_app": [app2, FirstHandler],
  });
  const server = await start(router);
  expect((await server.fetch("/first_handler")).text).toBe("app1: first_handler: /first_handler");
  expect((await server.fetch("/second_handler")).text).toBe("app2: second_handler: /second_handler");
  expect((await server.fetch("/first_handler_second_app")).text).toBe("app2: first_handler: /first_handler");
  expect((await server.fetch("/nothing")).code).toBe(404);
});

test("rule targets of every kind in an Application's host rules (Tornado's RuleRouterTest)", async () => {
  const app = new web.Application();
  const router = new CustomRouter();
  router.add_routes({ "/nested_handler": [app, namedHandler("nested_handler")] });
  app.add_handlers(".*", [
    [new HostMatches("www.example.com"), [[new PathMatches("/first_handler"), SecondHandler, {}, "second_handler"]]],
    new Rule(new PathMatches("/.*handler"), router),
    new Rule(new PathMatches("/first_handler"), FirstHandler, null, "first_handler"),
    new Rule(new PathMatches("/request_callable"), requestCallable),
    ["/connection_delegate", new ConnectionDelegate()],
  ]);
  const server = await start(app);
  expect((await server.fetch("/first_handler")).text).toBe("first_handler: /first_handler");
  const otherHost = await server.fetch("/first_handler", { headers: { Host: "www.example.com" } });
  expect(otherHost.text).toBe("second_handler: /first_handler");
  expect((await server.fetch("/nested_handler")).text).toBe("nested_handler: /nested_handler");
  expect((await server.fetch("/nested_not_found_handler")).code).toBe(404);
  expect((await server.fetch("/connection_delegate")).text).toBe("OK");
  expect((await server.fetch("/request_callable")).text).toBe("OK");
  expect((await server.fetch("/404")).code).toBe(404);
});

test("a RuleRouter between an Application and a callable; no rule gives a bare 404", async () => {
  class Handler extends web.RequestHandler {
    get() {
      this.finish(this.reverse_url("tornado"));
    }
  }
  const server = await start(
    new RuleRouter([
      [new PathMatches("/tornado.*"), new web.Application([["/tornado/test", Handler, {}, "tornado"]])],
      [new PathMatches("/plain"), requestCallable],
    ]),
  );
  expect((await server.fetch("/tornado/test")).text).toBe("/tornado/test");
  expect((await server.fetch("/plain")).text).toBe("OK");
  const missing = await server.fetch("/404");
  expect(missing.code).toBe(404);
  expect(missing.body.length).toBe(0);
});

describe("the module docs' examples", () => {
  class Handler1 extends web.RequestHandler {
    get() {
      this.write("app1 " + this.request.path);
    }
  }
  class Handler2 extends web.RequestHandler {
    get() {
      this.write("app2 " + this.request.path);
    }
  }

  test("RuleRouter routing between applications by path", async () => {
    const app1 = new web.Application([["/app1/handler", Handler1]]);
    const app2 = new web.Application([["/app2/handler", Handler2]]);
    const router = new RuleRouter([
      new Rule(new PathMatches("/app1.*"), app1),
      new Rule(new PathMatches("/app2.*"), app2),
    ]);
    const server = await start(router);
    expect((await server.fetch("/app1/handler")).text).toBe("app1 /app1/handler");
    expect((await server.fetch("/app2/handler")).text).toBe("app2 /app2/handler");
    expect((await server.fetch("/app1/other")).code).toBe(404);
  });

  test("a host-based sub-application: HostMatches, then a nested RuleRouter, then an Application", async () => {
    const router = new RuleRouter([
      new Rule(
        new HostMatches("example.com"),
        new RuleRouter([new Rule(new PathMatches("/app1/.*"), new web.Application([["/app1/handler", Handler1]]))]),
      ),
    ]);
    const server = await start(router);
    const served = await server.fetch("/app1/handler", { headers: { Host: "example.com:8080" } });
    expect(served.text).toBe("app1 /app1/handler");
    expect((await server.fetch("/app1/handler", { headers: { Host: "other.com" } })).code).toBe(404);
  });

  test("Application rules with a HostMatches and a nested list of rules", async () => {
    const app = new web.Application([
      [
        new HostMatches("example.com"),
        [
          ["/", Handler1],
          ["/feed", Handler2],
        ],
      ],
    ]);
    const server = await start(app);
    expect((await server.fetch("/feed", { headers: { Host: "example.com" } })).text).toBe("app2 /feed");
    expect((await server.fetch("/", { headers: { Host: "example.com" } })).text).toBe("app1 /");
    expect((await server.fetch("/feed", { headers: { Host: "elsewhere.org" } })).code).toBe(404);
  });

  test("a rule's string pattern is a PathMatches; a callable target gets the request and its captures", async () => {
    const seen: routing.TargetParams[] = [];
    const router = new RuleRouter([
      [
        "/item/([0-9]+)",
        (request: httputil.HTTPServerRequest, params: routing.TargetParams) => {
          seen.push(params);
          requestCallable(request);
        },
        { flavour: "plain" },
      ],
    ]);
    const server = await start(router);
    expect((await server.fetch("/item/42")).text).toBe("OK");
    expect(seen).toEqual([{ path_args: ["42"], path_kwargs: {}, target_kwargs: { flavour: "plain" } }]);
  });
});

describe("Application's routing hooks, over a socket", () => {
  class Hello extends web.RequestHandler {
    get() {
      this.write("hello");
    }
  }
  class Other extends web.RequestHandler {
    initialize(kwargs: Record<string, unknown>) {
      this.set_header("X-Via", String(kwargs.via));
    }
    get(...args: string[]) {
      this.write("other " + JSON.stringify(args));
    }
  }

  test("an overridden find_handler is what serves the request", async () => {
    class Switching extends web.Application {
      find_handler(request: httputil.HTTPServerRequest): httputil.HTTPMessageDelegate {
        if (request.headers.get("X-Switch") === "on")
          return this.get_handler_delegate(request, Other, { via: "find_handler" });
        return super.find_handler(request);
      }
    }
    const server = await start(new Switching([["/", Hello]]));
    expect((await server.fetch("/")).text).toBe("hello");
    const switched = await server.fetch("/", { headers: { "X-Switch": "on" } });
    expect(switched.text).toBe("other []");
    expect(switched.headers.get("X-Via")).toBe("find_handler");
  });

  test("an overridden get_handler_delegate sees every handler the routes choose, with its captures", async () => {
    const calls: string[] = [];
    class Wrapping extends web.Application {
      get_handler_delegate(
        request: httputil.HTTPServerRequest,
        target_class: web.RequestHandlerClass,
        target_kwargs?: Record<string, unknown> | null,
        path_args?: Array<string | null> | null,
        path_kwargs?: Record<string, string | null> | null,
      ): httputil.HTTPMessageDelegate {
        calls.push(`${target_class.name} ${JSON.stringify(path_args ?? [])}`);
        const swapped = target_class === Hello ? Other : target_class;
        return super.get_handler_delegate(request, swapped, { via: "hook", ...target_kwargs }, path_args, path_kwargs);
      }
    }
    const server = await start(
      new Wrapping([
        ["/", Hello],
        ["/o/(.*)", Other, { via: "route" }],
      ]),
    );
    const hello = await server.fetch("/");
    expect(hello.text).toBe("other []");
    expect(hello.headers.get("X-Via")).toBe("hook");
    const other = await server.fetch("/o/x");
    expect(other.text).toBe('other ["x"]');
    expect(other.headers.get("X-Via")).toBe("route");
    expect((await server.fetch("/missing")).code).toBe(404);
    expect(calls).toEqual(["Hello []", 'Other ["x"]', "ErrorHandler []"]);
  });

  test("default_host is readable and assignable, and serves hosts no host rule names (not behind a proxy)", async () => {
    const app = new web.Application([]);
    expect(app.default_host).toBeNull();
    app.add_handlers("www\\.example\\.com", [["/", Hello]]);
    const server = await start(app);
    expect((await server.fetch("/", { headers: { Host: "www.example.com" } })).text).toBe("hello");
    expect((await server.fetch("/", { headers: { Host: "localhost" } })).code).toBe(404);
    app.default_host = "www.example.com";
    expect((await server.fetch("/", { headers: { Host: "localhost" } })).text).toBe("hello");
    expect((await server.fetch("/", { headers: { Host: "localhost", "X-Real-Ip": "10.0.0.1" } })).code).toBe(404);
    expect(new web.Application([], { default_host: "a.example" }).default_host).toBe("a.example");
  });

  test("host rules come before the constructor's routes, in the order added", async () => {
    class Third extends web.RequestHandler {
      get() {
        this.write("third");
      }
    }
    const app = new web.Application([["/", Hello]]);
    app.add_handlers("a\\.test", [["/", Other, { via: "a" }]]);
    app.add_handlers(".*", [["/", Third]]);
    const server = await start(app);
    expect((await server.fetch("/", { headers: { Host: "a.test" } })).headers.get("X-Via")).toBe("a");
    expect((await server.fetch("/", { headers: { Host: "b.test" } })).text).toBe("third");
    expect(app.default_router.rules.map((rule) => rule.matcher.constructor.name)).toEqual([
      "HostMatches",
      "HostMatches",
      "AnyMatches",
    ]);
  });

  test("reverse_url finds names in host rules and nested lists", () => {
    const app = new web.Application([[new HostMatches("x"), [["/n/([0-9]+)", Hello, null, "nested"]]]]);
    app.add_handlers(".*", [web.url("/h/(.*)", Hello, null, "host")]);
    expect(app.reverse_url("nested", 7)).toBe("/n/7");
    expect(app.reverse_url("host", "a b/c")).toBe("/h/a%20b/c");
    expect(() => app.reverse_url("none")).toThrow(/none not found in named urls/);
  });
});

test("reverse_url takes byte arguments as UTF-8, in a handler over a socket as in the application", async () => {
  class Links extends web.RequestHandler {
    get() {
      this.write(this.reverse_url("page", Buffer.from("café 1", "utf8")));
    }
  }
  const app = new web.Application([
    ["/", Links],
    ["/page/(.*)", Links, null, "page"],
  ]);
  expect(app.reverse_url("page", Buffer.from([0x61, 0x2f, 0x62]))).toBe("/page/a/b");
  const server = await start(app);
  expect((await server.fetch("/")).text).toBe("/page/caf%C3%A9%201");
});

test("URLSpec.reverse takes the arguments only, as Tornado's", () => {
  const spec = new routing.URLSpec("/user/([0-9]+)/(.*)", web.RequestHandler);
  expect(spec.reverse(42, "a/b c")).toBe("/user/42/a/b%20c");
  expect(new routing.URLSpec("/plain", web.RequestHandler).reverse()).toBe("/plain");
  expect(() => spec.reverse(1)).toThrow(/required number of arguments/);
  expect(new Rule(new HostMatches("x"), null).reverse()).toBeNull();
  expect(String(new Rule(new HostMatches("x"), requestCallable, { a: 1 }, "n"))).toBe(
    'Rule(HostMatches(^(?:x$)), requestCallable, kwargs={"a":1}, name=n)',
  );
  expect(String(spec)).toBe("URLSpec(^/user/([0-9]+)/(.*)$, RequestHandler, name=null)");
});

test("ReversibleRuleRouter reverses its own named rules, then asks nested reversible routers", () => {
  const inner = new routing.ReversibleRuleRouter([["/inner/([a-z]+)", requestCallable, {}, "inner"]]);
  const outer = new routing.ReversibleRuleRouter([
    new Rule(new PathMatches("/inner/.*"), inner),
    ["/top", requestCallable, {}, "top"],
  ]);
  expect(outer.reverse_url("top")).toBe("/top");
  expect(outer.reverse_url("inner", "abc")).toBe("/inner/abc");
  expect(outer.reverse_url("missing")).toBeNull();
  expect(outer instanceof routing.ReversibleRouter).toBe(true);
  expect(new RuleRouter() instanceof routing.ReversibleRouter).toBe(false);
});

describe("HTTPServer's request callbacks", () => {
  test("a plain function gets the request and answers through request.connection", async () => {
    const methods: string[] = [];
    const server = await start((request) => {
      methods.push(`${request.method} ${request.path} ${request.body.toString()}`);
      requestCallable(request);
    });
    expect((await server.fetch("/f", { method: "POST", body: "xyz" })).text).toBe("OK");
    expect(methods).toEqual(["POST /f xyz"]);
  });

  test("a plain function may stream a response without Content-Length (chunked, as Tornado's HTTP1Connection)", async () => {
    const server = await start((request) => {
      const connection = request.connection!;
      void connection.write_headers(OK_LINE, new httputil.HTTPHeaders({ "Content-Type": "text/plain" }), "a");
      void connection.write("b");
      void connection.finish("c");
    });
    const response = await server.fetch("/");
    expect(response.text).toBe("abc");
    expect(response.headers.get("Transfer-Encoding")).toBe("chunked");
  });

  test("an HTTPServerConnectionDelegate gets headers_received, data_received and finish in turn", async () => {
    const events: string[] = [];
    const delegate: httputil.HTTPServerConnectionDelegate = {
      start_request(server_conn, request_conn) {
        events.push(`start ${server_conn instanceof httpserver.HTTPServer}`);
        return {
          headers_received(start_line, headers) {
            events.push(`head ${start_line.method} ${start_line.path} ${headers.get("X-Test")}`);
          },
          data_received(chunk) {
            events.push(`body ${chunk.toString()}`);
          },
          finish() {
            events.push("finish");
            void request_conn.write_headers(OK_LINE, new httputil.HTTPHeaders({ "Content-Length": "2" }), "OK");
            void request_conn.finish();
          },
        };
      },
    };
    const server = await start(delegate);
    const response = await server.fetch("/d?q=1", { method: "PUT", body: "abc", headers: { "X-Test": "t" } });
    expect(response.text).toBe("OK");
    expect(events).toEqual(["start true", "head PUT /d?q=1 t", "body abc", "finish"]);
  });
});
