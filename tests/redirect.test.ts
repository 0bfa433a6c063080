import { web, log, testing } from "../src";
import { RedirectHandler } from "../src/web/handlers";
import { addslash, removeslash, verbDecorator, type VerbMethod } from "../src/web/decorators";
import { serve } from "./support/serve";
import { exchangeUntilClose, splitResponse } from "./support/wire";

const noFollow = { follow_redirects: false };

describe("RedirectHandler", () => {
  const routes: web.Route[] = [
    ["/src", RedirectHandler, { url: "/dst" }],
    ["/src2", RedirectHandler, { url: "/dst2?foo=bar" }],
    ["/temp", RedirectHandler, { url: "/elsewhere", permanent: false }],
    ["/auto/(\\w+)/(\\w+)", RedirectHandler, { url: "/{}-{}" }],
    ["/named/(?P<year>\\d+)/(?P<slug>\\w+)", RedirectHandler, { url: "/posts/{slug}?y={year}" }],
    ["/braces/(\\w+)", RedirectHandler, { url: "/{{literal}}/{0}" }],
    ["/bad/(\\w+)", RedirectHandler, { url: "/{3}" }],
    ["/optional(?:/(\\w+))?", RedirectHandler, { url: "/got/{0}" }],
    ["/(.*?)/(.*?)/(.*)", RedirectHandler, { url: "/{1}/{0}/{2}" }],
  ];

  test("redirects permanently (301) to its url", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/src", noFollow);
    expect(response.code).toBe(301);
    expect(response.headers.get("Location")).toBe("/dst");
  });

  test("permanent: false gives 302", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/temp", noFollow);
    expect(response.code).toBe(302);
    expect(response.headers.get("Location")).toBe("/elsewhere");
  });

  test("the request's query arguments are carried over", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/src?foo=bar", noFollow);
    expect(response.code).toBe(301);
    expect(response.headers.get("Location")).toBe("/dst?foo=bar");
  });

  test("query arguments are appended to a target that has its own, with &", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/src2?foo2=bar2", noFollow);
    expect(response.headers.get("Location")).toBe("/dst2?foo=bar&foo2=bar2");
  });

  test("repeated and blank query arguments are all kept, re-encoded", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/src?a=1&a=2&b=&c=x%20y", noFollow);
    expect(response.headers.get("Location")).toBe("/dst?a=1&a=2&b=&c=x+y");
  });

  test("positional groups fill {0}, {1}... as str.format does", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/a/b/c", noFollow);
    expect(response.code).toBe(301);
    expect(response.headers.get("Location")).toBe("/b/a/c");
  });

  test("{} numbers the groups automatically", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/auto/x/y", noFollow)).headers.get("Location")).toBe("/x-y");
  });

  test("named groups fill {name}", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/named/2024/hello", noFollow);
    expect(response.headers.get("Location")).toBe("/posts/hello?y=2024");
  });

  test("{{ and }} are literal braces", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/braces/x", noFollow)).headers.get("Location")).toBe("/{literal}/x");
  });

  test("an unmatched optional group is formatted as None, as in Python", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/optional", noFollow)).headers.get("Location")).toBe("/got/None");
    expect((await server.fetch("/optional/yes", noFollow)).headers.get("Location")).toBe("/got/yes");
  });

  test("a url naming a group the route lacks is a 500 and a logged error", async () => {
    const server = await serve(routes);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception GET \/bad\/x/, () =>
      server.fetch("/bad/x", noFollow),
    );
    expect(response.code).toBe(500);
  });

  test("only GET redirects: POST and HEAD get 405", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/src", { ...noFollow, method: "POST", body: "" })).code).toBe(405);
    expect((await server.fetch("/src", { ...noFollow, method: "HEAD" })).code).toBe(405);
  });

  test("a route without a url init argument is a 500", async () => {
    const server = await serve([["/nourl", RedirectHandler]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception GET \/nourl/, () =>
      server.fetch("/nourl", noFollow),
    );
    expect(response.code).toBe(500);
  });
});

describe("@removeslash and @addslash", () => {
  class RemoveSlash extends web.RequestHandler {
    @removeslash
    override get() {
      this.write("removeslash get");
    }

    @removeslash
    override head() {}

    @removeslash
    override post() {
      this.write("removeslash post");
    }
  }

  class AddSlash extends web.RequestHandler {
    @addslash
    override get() {
      this.write("addslash get");
    }

    @addslash
    override async post() {
      await Promise.resolve();
      this.write("addslash post");
    }
  }

  const routes: web.Route[] = [
    ["/removeslash/*", RemoveSlash],
    ["/addslash/?", AddSlash],
    ["(/.*)/add", AddSlash],
    ["/", RemoveSlash],
  ];

  test("removeslash redirects a GET with a trailing slash to the path without it (301)", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/removeslash/", noFollow);
    expect(response.code).toBe(301);
    expect(response.headers.get("Location")).toBe("/removeslash");
  });

  test("removeslash keeps the query and strips every trailing slash", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/removeslash/?foo=bar", noFollow)).headers.get("Location")).toBe(
      "/removeslash?foo=bar",
    );
    expect((await server.fetch("/removeslash///", noFollow)).headers.get("Location")).toBe("/removeslash");
  });

  test("removeslash lets a path without a trailing slash through to the method", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/removeslash", noFollow);
    expect(response.code).toBe(200);
    expect(response.text).toBe("removeslash get");
  });

  test("removeslash does not redirect / to an empty path: the method runs", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/", noFollow);
    expect(response.code).toBe(200);
    expect(response.text).toBe("removeslash get");
  });

  test("removeslash answers HEAD with the redirect too", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/removeslash/?x=1", { ...noFollow, method: "HEAD" });
    expect(response.code).toBe(301);
    expect(response.headers.get("Location")).toBe("/removeslash?x=1");
    expect(response.body.length).toBe(0);
  });

  test("removeslash gives 404 to other methods with a trailing slash, and runs them without", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/removeslash/", { ...noFollow, method: "POST", body: "" })).code).toBe(404);
    const ok = await server.fetch("/removeslash", { ...noFollow, method: "POST", body: "" });
    expect(ok.code).toBe(200);
    expect(ok.text).toBe("removeslash post");
  });

  test("addslash redirects a GET without a trailing slash to the path with one (301), query kept", async () => {
    const server = await serve(routes);
    const plain = await server.fetch("/addslash", noFollow);
    expect(plain.code).toBe(301);
    expect(plain.headers.get("Location")).toBe("/addslash/");
    expect((await server.fetch("/addslash?foo=bar", noFollow)).headers.get("Location")).toBe("/addslash/?foo=bar");
  });

  test("addslash lets a path with a trailing slash through to the method", async () => {
    const server = await serve(routes);
    const response = await server.fetch("/addslash/", noFollow);
    expect(response.code).toBe(200);
    expect(response.text).toBe("addslash get");
  });

  test("addslash gives 404 to other methods without a trailing slash, and awaits async methods with one", async () => {
    const server = await serve(routes);
    expect((await server.fetch("/addslash", { ...noFollow, method: "POST", body: "" })).code).toBe(404);
    const ok = await server.fetch("/addslash/", { ...noFollow, method: "POST", body: "" });
    expect(ok.code).toBe(200);
    expect(ok.text).toBe("addslash post");
  });

  test("a slash redirect that would start with // (another host) is refused with 403", async () => {
    const server = await serve([["/.*", RemoveSlash]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /two initial slashes/, () =>
      exchangeUntilClose(server.port, "GET //evil.com/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    const { statusLine, headerLines } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 403 Forbidden");
    expect(headerLines.some((line) => line.startsWith("Location:"))).toBe(false);
  });

  test("the decorated method keeps its name", () => {
    expect(RemoveSlash.prototype.get.name).toBe("get");
  });
});

describe("decorators as plain wrappers, and verbDecorator", () => {
  test("removeslash wraps a function assigned as a class field", async () => {
    class Field extends web.RequestHandler {
      override get = removeslash(function (this: Field) {
        this.write("field");
      });
    }
    const server = await serve([["/field/?", Field]]);
    expect((await server.fetch("/field/", noFollow)).headers.get("Location")).toBe("/field");
    expect((await server.fetch("/field", noFollow)).text).toBe("field");
  });

  test("addslash wraps a method assigned to the prototype, HEAD included", async () => {
    class Proto extends web.RequestHandler {}
    Proto.prototype.get = addslash(function (this: Proto) {
      this.write("proto");
    });
    Proto.prototype.head = addslash(function (this: Proto) {});
    const server = await serve([["/proto/?", Proto]]);
    expect((await server.fetch("/proto", noFollow)).headers.get("Location")).toBe("/proto/");
    const head = await server.fetch("/proto", { ...noFollow, method: "HEAD" });
    expect(head.code).toBe(301);
    expect(head.headers.get("Location")).toBe("/proto/");
    expect((await server.fetch("/proto/", noFollow)).text).toBe("proto");
  });

  test("verbDecorator builds a decorator usable both ways, passing the route's captures through", async () => {
    const seen: unknown[] = [];
    const shout = verbDecorator(function shout(method: VerbMethod): VerbMethod {
      return function (this: web.RequestHandler, ...args: unknown[]) {
        seen.push(args);
        this.set_header("X-Shout", "yes");
        return method.apply(this, args);
      };
    });
    class Loud extends web.RequestHandler {
      @shout
      override get(a: string, b: string) {
        this.write(`${a}+${b}`);
      }
    }
    class Quiet extends web.RequestHandler {}
    Quiet.prototype.get = shout(function (this: Quiet, a: string) {
      this.write(a.toUpperCase());
    });
    const server = await serve([
      ["/loud/(\\w+)/(\\w+)", Loud],
      ["/quiet/(\\w+)", Quiet],
    ]);
    const loud = await server.fetch("/loud/x/y");
    expect(loud.text).toBe("x+y");
    expect(loud.headers.get("X-Shout")).toBe("yes");
    expect((await server.fetch("/quiet/hi")).text).toBe("HI");
    expect(seen).toEqual([["x", "y"], ["hi"]]);
  });

  test("a verb decorator refuses to decorate anything but a method", () => {
    expect(() => {
      class Wrong extends web.RequestHandler {
        // @ts-expect-error -- a field decorator context is not a method's
        @removeslash
        thing = 1;
      }
      return Wrong;
    }).toThrow(/removeslash decorates handler methods, not a field/);
  });
});
