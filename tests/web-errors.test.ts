import { web, log, testing } from "../src";
import { serve } from "./support/serve";
import { exchangeUntilClose, splitResponse } from "./support/wire";

const page = (code: number, reason: string) =>
  `<html><title>${code}: ${reason}</title><body>${code}: ${reason}</body></html>`;

describe("unimplemented methods", () => {
  class Empty extends web.RequestHandler {}
  class GetOnly extends web.RequestHandler {
    get() {
      this.write("got");
    }
  }

  test.each(["GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"])(
    "%s on a handler without it gives 405 and no Allow header",
    async (method) => {
      const server = await serve([["/", Empty]]);
      const response = await server.fetch("/", {
        method,
        body: method === "POST" || method === "PUT" || method === "PATCH" ? "" : undefined,
      });
      expect(response.code).toBe(405);
      expect(response.headers.get("Allow")).toBeUndefined();
      expect(response.text).toBe(method === "HEAD" ? "" : page(405, "Method Not Allowed"));
    },
  );

  test("HEAD is not mapped to GET: 405 with the page's length and no body", async () => {
    const server = await serve([["/", GetOnly]]);
    const response = await server.fetch("/", { method: "HEAD" });
    expect(response.code).toBe(405);
    expect(response.headers.get("Content-Length")).toBe("87");
    expect(response.body.length).toBe(0);
  });

  // Node's HTTP parser accepts only the methods it knows, so PROPFIND stands in for Tornado's "OTHER".
  test("a method outside SUPPORTED_METHODS gives 405 even when the handler defines it", async () => {
    class Other extends web.RequestHandler {
      propfind() {
        this.write("other");
      }
    }
    const server = await serve([["/", Other]]);
    expect((await server.fetch("/", { method: "PROPFIND" })).code).toBe(405);
  });

  test("extending SUPPORTED_METHODS lets the method through", async () => {
    class Other extends web.RequestHandler {
      override SUPPORTED_METHODS = [...web.RequestHandler.SUPPORTED_METHODS, "PROPFIND"];
      propfind() {
        this.write("other");
      }
    }
    const server = await serve([["/", Other]]);
    const response = await server.fetch("/", { method: "PROPFIND" });
    expect(response.code).toBe(200);
    expect(response.text).toBe("other");
  });
});

describe("exceptions", () => {
  class Failing extends web.RequestHandler {
    async get(kind: string) {
      if (kind === "zero") throw new Error("division by zero");
      if (kind === "reject") await Promise.reject(new Error("async failure"));
      if (kind === "503") throw new web.HTTPError(503);
      if (kind === "435") throw new web.HTTPError(435);
      if (kind === "682") throw new web.HTTPError(682, null, { reason: "Foo" });
      if (kind === "logged") throw new web.HTTPError(403, "no access for %s", "bob");
      if (kind === "finish") {
        this.set_status(401);
        this.set_header("WWW-Authenticate", "Basic");
        throw new web.Finish("authentication required");
      }
    }
  }

  test("an exception gives 500, the generic page and a logged stack, never the stack to the client", async () => {
    const server = await serve([["/(\\w+)", Failing]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception GET \/zero \(127\.0\.0\.1\)/, () =>
      server.fetch("/zero"),
    );
    expect(response.code).toBe(500);
    expect(response.text).toBe(page(500, "Internal Server Error"));
    expect(response.text).not.toContain("division by zero");
  });

  test("the error log line carries the stack of the exception", async () => {
    const server = await serve([["/(\\w+)", Failing]]);
    const seen: log.LogRecord[] = [];
    const capture = (record: log.LogRecord) => void seen.push(record);
    log.app_log.addHandler(capture);
    try {
      await server.fetch("/zero");
    } finally {
      log.app_log.removeHandler(capture);
    }
    const record = seen.find((r) => r.message.startsWith("Uncaught exception"))!;
    expect(record.levelno).toBe(log.ERROR);
    expect(record.message).toContain("HTTPServerRequest(protocol='http'");
    expect(String((record.exc_info as Error).stack)).toContain("division by zero");
  });

  test("a rejected promise in an async handler gives 500 and the server keeps serving", async () => {
    const server = await serve([["/(\\w+)", Failing]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/reject"));
    expect(response.code).toBe(500);
    expect((await server.fetch("/zero", {})).code).toBe(500);
  });

  test.each([
    ["503", 503, "Service Unavailable"],
    ["435", 435, "Unknown"],
    ["682", 682, "Foo"],
  ])("HTTPError(%s) gives its status, reason and page", async (path, code, reason) => {
    const server = await serve([["/(\\w+)", Failing]]);
    const response = await server.fetch(`/${path}`);
    expect(response.code).toBe(code);
    expect(response.reason).toBe(reason);
    expect(response.text).toBe(page(code, reason));
  });

  test("an HTTPError's log message is %-formatted into a warning, not sent", async () => {
    const server = await serve([["/(\\w+)", Failing]]);
    const response = await testing.ExpectLog.around(
      log.gen_log,
      /^403 GET \/logged \(127\.0\.0\.1\): no access for bob$/,
      () => server.fetch("/logged"),
    );
    expect(response.text).toBe(page(403, "Forbidden"));
  });

  test("HTTPError has Tornado's string form", () => {
    expect(String(new web.HTTPError(682, "detail %s", "x", { reason: "Foo" }))).toBe("HTTP 682: Foo (detail x)");
    expect(new web.HTTPError(404).message).toBe("HTTP 404: Not Found");
  });

  test("Finish ends the request with what was set, no error page", async () => {
    const server = await serve([["/(\\w+)", Failing]]);
    const response = await server.fetch("/finish");
    expect(response.code).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toBe("Basic");
    expect(response.text).toBe("authentication required");
  });

  test("serve_traceback sends an HTML page with the escaped stack", async () => {
    const server = await serve([["/(\\w+)", Failing]], { serve_traceback: true });
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/zero"));
    expect(response.code).toBe(500);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=UTF-8");
    expect(response.text).toMatch(
      /^<html><title>500: Internal Server Error<\/title><body><h1>500: Internal Server Error<\/h1><pre>Error: division by zero\n/,
    );
    expect(response.text).toContain("at Failing.get");
  });

  test("debug turns serve_traceback on", async () => {
    const server = await serve([["/(\\w+)", Failing]], { debug: true });
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () => server.fetch("/zero"));
    expect(response.text).toContain("division by zero");
  });
});

describe("send_error and write_error", () => {
  test("send_error clears headers set by the handler but keeps set_default_headers", async () => {
    class Erroring extends web.RequestHandler {
      override set_default_headers() {
        this.set_header("X-Default", "1");
      }
      get() {
        this.set_header("X-Handler", "1");
        this.write("partial");
        this.send_error(418, { reason: "Short And Stout" });
      }
    }
    const server = await serve([["/", Erroring]]);
    const response = await server.fetch("/");
    expect(response.code).toBe(418);
    expect(response.reason).toBe("Short And Stout");
    expect(response.headers.get("X-Default")).toBe("1");
    expect(response.headers.get("X-Handler")).toBeUndefined();
    expect(response.text).toBe(page(418, "Short And Stout"));
  });

  test("a custom write_error writes its own page and sees the exception", async () => {
    class Custom extends web.RequestHandler {
      get() {
        throw new web.HTTPError(404, null, { reason: "Nobody Home" });
      }
      override write_error(status_code: number, kwargs: web.ErrorOptions) {
        this.write({ status: status_code, error: String(kwargs.exc_info) });
      }
    }
    const server = await serve([["/", Custom]]);
    const response = await server.fetch("/");
    expect(response.code).toBe(404);
    expect(response.json()).toEqual({ status: 404, error: "HTTP 404: Nobody Home" });
  });

  test("a write_error that throws leaves a 500 with an empty body and a log line", async () => {
    class Broken extends web.RequestHandler {
      get() {
        throw new Error("first");
      }
      override write_error() {
        throw new Error("second");
      }
    }
    const server = await serve([["/", Broken]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception in write_error/, () =>
      server.fetch("/"),
    );
    expect(response.code).toBe(500);
    expect(response.body.length).toBe(0);
  });

  test("an error after the headers were flushed is logged and the connection closed, the body unterminated", async () => {
    class Late extends web.RequestHandler {
      async get() {
        this.write("partial;");
        await this.flush();
        throw new Error("too late");
      }
    }
    const server = await serve([["/", Late]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /Cannot send error response after headers written/, () =>
      testing.ExpectLog.around(log.app_log, /Uncaught exception/, () =>
        exchangeUntilClose(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      ),
    );
    const { statusLine, body } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(body).toBe("8\r\npartial;\r\n");
  });
});

describe("redirect", () => {
  class Redirector extends web.RequestHandler {
    get(kind: string) {
      if (kind === "temp") this.redirect("/target");
      if (kind === "perm") this.redirect("/target", true);
      if (kind === "307") this.redirect("/target", false, 307);
      if (kind === "unicode") this.redirect("/ünï");
    }
  }

  test.each([
    ["temp", 302],
    ["perm", 301],
    ["307", 307],
  ])("redirect (%s) answers %d with Location", async (kind, code) => {
    const server = await serve([["/(\\w+)", Redirector]]);
    const response = await server.fetch(`/${kind}`, { follow_redirects: false });
    expect(response.code).toBe(code);
    expect(response.headers.get("Location")).toBe("/target");
  });

  test("a non-ASCII Location is sent as UTF-8 bytes", async () => {
    const server = await serve([["/(\\w+)", Redirector]]);
    const raw = await exchangeUntilClose(server.port, "GET /unicode HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const location = splitResponse(raw).headerLines.find((l) => l.startsWith("Location: "))!;
    expect(Buffer.from(location.slice(10), "latin1").toString("utf8")).toBe("/ünï");
  });
});

describe("ETag", () => {
  class Cached extends web.RequestHandler {
    get(kind: string) {
      if (kind === "fixed") this.compute_etag = () => '"xyzzy"';
      if (kind === "none") this.compute_etag = () => null;
      if (kind === "header") this.set_header("Etag", '"manual"');
      this.write("hello");
    }
    post() {
      this.write("hello");
    }
  }

  test("a GET gets the quoted SHA-1 of its body as Etag", async () => {
    const server = await serve([["/(\\w+)", Cached]]);
    const response = await server.fetch("/auto");
    expect(response.headers.get("Etag")).toBe('"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"');
  });

  test.each([
    '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"',
    'W/"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"',
    "*",
    '"other", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"',
  ])("If-None-Match %s gives 304 without body or Content-Length", async (tag) => {
    const server = await serve([["/(\\w+)", Cached]]);
    const raw = await exchangeUntilClose(
      server.port,
      `GET /auto HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${tag}\r\nConnection: close\r\n\r\n`,
    );
    const { statusLine, headerLines, body } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 304 Not Modified");
    expect(headerLines).toContain('Etag: "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"');
    expect(headerLines.some((l) => /^(Content-Length|Content-Type|Transfer-Encoding):/.test(l))).toBe(false);
    expect(body).toBe("");
  });

  test("an Etag header set by the handler is sent as is and not checked, as in Tornado", async () => {
    const server = await serve([["/(\\w+)", Cached]]);
    const response = await server.fetch("/header", { headers: { "If-None-Match": '"manual"' } });
    expect(response.code).toBe(200);
    expect(response.headers.get("Etag")).toBe('"manual"');
  });

  test("an overridden compute_etag is matched, weakly, against If-None-Match", async () => {
    const server = await serve([["/(\\w+)", Cached]]);
    const fresh = await server.fetch("/fixed");
    expect(fresh.headers.get("Etag")).toBe('"xyzzy"');
    expect((await server.fetch("/fixed", { headers: { "If-None-Match": 'W/"xyzzy"' } })).code).toBe(304);
    expect((await server.fetch("/fixed", { headers: { "If-None-Match": '"xyzzy1", "xyzzy2"' } })).code).toBe(200);
  });

  test("compute_etag returning null turns the ETag off", async () => {
    const server = await serve([["/(\\w+)", Cached]]);
    const response = await server.fetch("/none", { headers: { "If-None-Match": "*" } });
    expect(response.code).toBe(200);
    expect(response.headers.get("Etag")).toBeUndefined();
  });

  test("a POST gets no Etag", async () => {
    const server = await serve([["/(\\w+)", Cached]]);
    const response = await server.fetch("/auto", { method: "POST", body: "" });
    expect(response.headers.get("Etag")).toBeUndefined();
  });

  test("a 204 has neither Content-Length nor Transfer-Encoding", async () => {
    class NoContent extends web.RequestHandler {
      get() {
        this.set_status(204);
      }
    }
    const server = await serve([["/", NoContent]]);
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 204 No Content");
    expect(raw).not.toMatch(/Content-Length|Transfer-Encoding/);
  });
});
