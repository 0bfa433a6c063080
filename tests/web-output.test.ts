import { web, log, testing } from "../src";
import { serve } from "./support/serve";
import { exchangeUntilClose, splitResponse } from "./support/wire";

const NOT_FOUND_PAGE = "<html><title>404: Not Found</title><body>404: Not Found</body></html>";

describe("default response", () => {
  class Hello extends web.RequestHandler {
    get() {
      this.write("Hello, world");
    }
  }

  test("carries Server, Content-Type, Date, Etag and Content-Length in Tornado's order and casing", async () => {
    const server = await serve([["/", Hello]]);
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const { statusLine, headerLines, body } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    const names = headerLines.map((line) => line.split(":")[0]);
    expect(names.slice(0, 5)).toEqual(["Server", "Content-Type", "Date", "Etag", "Content-Length"]);
    expect(headerLines).toContain("Content-Type: text/html; charset=UTF-8");
    expect(headerLines).toContain("Content-Length: 12");
    expect(headerLines.find((l) => l.startsWith("Server:"))).toMatch(/^Server: TornadoServer\/\d/);
    expect(headerLines.find((l) => l.startsWith("Date:"))).toMatch(
      /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    expect(body).toBe("Hello, world");
  });

  test("an unmatched path gets Tornado's 404 page byte for byte", async () => {
    const server = await serve([["/foo", Hello]]);
    const response = await server.fetch("/");
    expect(response.code).toBe(404);
    expect(response.reason).toBe("Not Found");
    expect(response.text).toBe(NOT_FOUND_PAGE);
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=UTF-8");
  });
});

describe("write", () => {
  class Writer extends web.RequestHandler {
    get(kind: string) {
      if (kind === "text") this.write("héllo");
      if (kind === "buffer") this.write(Buffer.from([0, 1, 2, 255]));
      if (kind === "uint8") this.write(new Uint8Array([104, 105]));
      if (kind === "object") this.write({ a: 1, b: [1, 2], c: "</script>é" });
      if (kind === "array") this.write([1, 2] as unknown as web.Chunk);
      if (kind === "pieces") {
        this.write("a");
        this.write(Buffer.from("b"));
        this.write("c");
      }
      if (kind === "finish") this.finish("done");
    }
  }

  test.each([
    ["text", "héllo", "text/html; charset=UTF-8"],
    ["uint8", "hi", "text/html; charset=UTF-8"],
    ["pieces", "abc", "text/html; charset=UTF-8"],
    ["finish", "done", "text/html; charset=UTF-8"],
    ["object", '{"a": 1, "b": [1, 2], "c": "<\\/script>\\u00e9"}', "application/json; charset=UTF-8"],
  ])("write(%s) sends the body with the right Content-Type and length", async (kind, body, type) => {
    const server = await serve([["/(\\w+)", Writer]]);
    const response = await server.fetch(`/${kind}`);
    expect(response.code).toBe(200);
    expect(response.text).toBe(body);
    expect(response.headers.get("Content-Type")).toBe(type);
    expect(response.headers.get("Content-Length")).toBe(String(Buffer.byteLength(body)));
  });

  test("bytes are sent unchanged", async () => {
    const server = await serve([["/(\\w+)", Writer]]);
    const response = await server.fetch("/buffer");
    expect([...response.body]).toEqual([0, 1, 2, 255]);
  });

  test("an array is refused: 500 and a logged TypeError about JSON hijacking", async () => {
    const server = await serve([["/(\\w+)", Writer]]);
    const expectation = new testing.ExpectLog(log.app_log, /Uncaught exception GET \/array/);
    const response = await server.fetch("/array");
    expectation.finish();
    expect(response.code).toBe(500);
    expect(response.text).toBe(
      "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>",
    );
  });

  test("write() after finish() throws a clear error", async () => {
    let thrown: unknown;
    class Late extends web.RequestHandler {
      get() {
        this.finish("first");
        try {
          this.write("second");
        } catch (err) {
          thrown = err;
        }
      }
    }
    const server = await serve([["/", Late]]);
    const response = await server.fetch("/");
    expect(response.text).toBe("first");
    expect(String(thrown)).toContain("Cannot write() after finish()");
  });

  test("finish() twice throws", async () => {
    let thrown: unknown;
    class Twice extends web.RequestHandler {
      get() {
        this.finish();
        try {
          this.finish();
        } catch (err) {
          thrown = err;
        }
      }
    }
    const server = await serve([["/", Twice]]);
    await server.fetch("/");
    expect(String(thrown)).toContain("finish() called twice");
  });
});

describe("flush", () => {
  test("streams chunks to the client before the handler finishes, chunked, without an Etag", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    class Streamer extends web.RequestHandler {
      async get() {
        this.write("first;");
        await this.flush();
        await released;
        this.write("second");
      }
    }
    const server = await serve([["/", Streamer]]);
    const { openSocket, readUntil } = await import("./support/wire");
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const early = await readUntil(socket, (r) => r.includes("first;"));
    expect(early).toContain("Transfer-Encoding: chunked");
    expect(early).not.toContain("Etag");
    expect(early).not.toContain("second");
    release();
    const rest = await readUntil(socket, (r) => r.includes("0\r\n\r\n"));
    expect(rest).toContain("second");
    socket.destroy();
  });
});

describe("write buffer", () => {
  test("one array serves every flush: emptied in place by flush() and clear(), none left after finish(), the bytes all sent", async () => {
    const same: boolean[] = [];
    let returned!: () => void;
    const done = new Promise<void>((resolve) => (returned = resolve));
    class Chunks extends web.RequestHandler {
      async get() {
        const buffer = this._write_buffer;
        this.write("one,");
        this.write(Buffer.from("two,"));
        await this.flush();
        same.push(this._write_buffer === buffer && buffer.length === 0);
        this.write("dropped");
        this.clear();
        same.push(this._write_buffer === buffer && buffer.length === 0);
        this.write(Buffer.from("three,"));
        this.write(Buffer.from("four"));
        await this.finish();
        same.push(this._write_buffer.length === 0 && Object.isFrozen(this._write_buffer));
        returned();
      }
    }
    const server = await serve([["/", Chunks]]);
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await done;
    expect(raw).toContain("one,two,");
    expect(raw).toContain("three,four");
    expect(raw).not.toContain("dropped");
    expect(same).toEqual([true, true, true]);
  });
});

describe("status", () => {
  class Status extends web.RequestHandler {
    get() {
      const code = Number(this.get_argument("code"));
      const reason = this.get_argument("reason", null);
      this.set_status(code, reason);
      this.write(`status=${this.get_status()}`);
    }
  }

  test.each([
    ["code=201", 201, "Created"],
    ["code=682&reason=Foo", 682, "Foo"],
    ["code=682", 682, "Unknown"],
    ["code=200&reason=%3Cscript%3E", 200, "Unknown"],
  ])("set_status(%s) sends code %d and reason %s", async (query, code, reason) => {
    const server = await serve([["/", Status]]);
    const response = await server.fetch(`/?${query}`);
    expect(response.code).toBe(code);
    expect(response.reason).toBe(reason);
    expect(response.text).toBe(`status=${code}`);
  });

  test("a reason with CR/LF cannot inject a header", async () => {
    const server = await serve([["/", Status]]);
    const raw = await exchangeUntilClose(
      server.port,
      "GET /?code=200&reason=ok%0D%0AX-Injection:%20yes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 200 Unknown");
    expect(raw).not.toContain("X-Injection");
  });
});

describe("headers", () => {
  test("set_header replaces, add_header repeats, clear_header removes, names are Title-Cased", async () => {
    class Headers extends web.RequestHandler {
      get() {
        this.set_header("x-one", "1");
        this.set_header("X-One", "2");
        this.add_header("X-Many", "a");
        this.add_header("x-many", "b");
        this.set_header("X-Gone", "soon");
        this.clear_header("x-gone");
        this.clear_header("X-Never-Set");
        this.set_header("X-Number", 42);
        this.set_header("X-Date", new Date(Date.UTC(2026, 10, 25, 19, 54, 35)));
      }
    }
    const server = await serve([["/", Headers]]);
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const { headerLines } = splitResponse(raw);
    expect(headerLines).toContain("X-One: 2");
    expect(headerLines.filter((l) => l.startsWith("X-Many"))).toEqual(["X-Many: a", "X-Many: b"]);
    expect(raw).not.toContain("X-Gone");
    expect(headerLines).toContain("X-Number: 42");
    expect(headerLines).toContain("X-Date: Wed, 25 Nov 2026 19:54:35 GMT");
  });

  test.each(["bad\r\nX-Injected: 1", "bad\nvalue", "nul\x00"])(
    "a header value with control characters (%j) is refused",
    async (value) => {
      let thrown: unknown;
      class Unsafe extends web.RequestHandler {
        get() {
          try {
            this.set_header("X-Test", value);
          } catch (err) {
            thrown = err;
          }
          this.write("ok");
        }
      }
      const server = await serve([["/", Unsafe]]);
      const response = await server.fetch("/");
      expect(response.headers.get("X-Test")).toBeUndefined();
      expect(String(thrown)).toContain("Invalid header value");
    },
  );

  test("clear() resets headers and body to the defaults plus set_default_headers", async () => {
    class Clearing extends web.RequestHandler {
      override set_default_headers() {
        this.set_header("X-Default", "yes");
      }
      get() {
        this.set_header("X-Temp", "1");
        this.set_header("Content-Type", "text/plain");
        this.write("discarded");
        this.clear();
        this.write("kept");
      }
    }
    const server = await serve([["/", Clearing]]);
    const response = await server.fetch("/");
    expect(response.text).toBe("kept");
    expect(response.headers.get("X-Temp")).toBeUndefined();
    expect(response.headers.get("X-Default")).toBe("yes");
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=UTF-8");
  });
});

describe("etag", () => {
  const get = (port: number, ifNoneMatch?: string) =>
    exchangeUntilClose(
      port,
      `GET / HTTP/1.1\r\nHost: x\r\n${ifNoneMatch ? `If-None-Match: ${ifNoneMatch}\r\n` : ""}Connection: close\r\n\r\n`,
    ).then(splitResponse);

  test("the default Etag is the quoted SHA-1 of the body; a matching If-None-Match gets 304 without a body", async () => {
    class Hello extends web.RequestHandler {
      get() {
        this.write("Hello, world");
      }
    }
    const server = await serve([["/", Hello]]);
    const etag = '"e02aa1b106d5c7c6a98def2b13005d5b84fd8dc8"';
    expect((await get(server.port)).headerLines).toContain(`Etag: ${etag}`);
    const cached = await get(server.port, etag);
    expect(cached.statusLine).toBe("HTTP/1.1 304 Not Modified");
    expect(cached.body).toBe("");
  });

  test("finish() takes the Etag from an overridden compute_etag, and none when it returns null", async () => {
    class Custom extends web.RequestHandler {
      override compute_etag() {
        return this.get_argument("off", null) === null ? '"custom"' : null;
      }
      get() {
        this.write("body");
      }
    }
    const server = await serve([["/", Custom]]);
    expect((await get(server.port)).headerLines).toContain('Etag: "custom"');
    expect((await get(server.port, '"custom"')).statusLine).toBe("HTTP/1.1 304 Not Modified");
    const off = await exchangeUntilClose(server.port, "GET /?off=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(splitResponse(off).headerLines.some((line) => line.startsWith("Etag"))).toBe(false);
  });

  test("finish() calls an overridden set_etag_header, and check_etag_header sees what it set", async () => {
    class Weak extends web.RequestHandler {
      override set_etag_header() {
        this.set_header("Etag", `W/${this.compute_etag()}`);
        this.set_header("X-Etag-By", "override");
      }
      get() {
        this.write("body");
      }
    }
    const server = await serve([["/", Weak]]);
    const { headerLines } = await get(server.port);
    const etag = headerLines.find((line) => line.startsWith("Etag: "))!.slice(6);
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    expect(headerLines).toContain("X-Etag-By: override");
    expect((await get(server.port, etag.slice(2))).statusLine).toBe("HTTP/1.1 304 Not Modified");
  });

  test("a compute_etag patched onto RequestHandler itself is used too (no shortcut past the base methods)", async () => {
    class Plain extends web.RequestHandler {
      get() {
        this.write("body");
      }
    }
    const server = await serve([["/", Plain]]);
    const original = web.RequestHandler.prototype.compute_etag;
    web.RequestHandler.prototype.compute_etag = () => '"patched"';
    try {
      expect((await get(server.port)).headerLines).toContain('Etag: "patched"');
    } finally {
      web.RequestHandler.prototype.compute_etag = original;
    }
  });

  test("the Etag goes through an overridden set_header, and through one assigned on the instance", async () => {
    const seen: string[] = [];
    class Recording extends web.RequestHandler {
      override set_header(name: string, value: string | number | Date | Buffer) {
        seen.push(name);
        super.set_header(name, name === "Etag" ? `"wrapped-${String(value).slice(1)}` : value);
      }
      get() {
        this.write("body");
      }
    }
    class PerInstance extends web.RequestHandler {
      override initialize() {
        this.compute_etag = () => '"per-instance"';
      }
      get() {
        this.write("body");
      }
    }
    const server = await serve([
      ["/", Recording],
      ["/instance", PerInstance],
    ]);
    expect((await get(server.port)).headerLines.find((line) => line.startsWith("Etag: "))).toMatch(
      /^Etag: "wrapped-[0-9a-f]{40}"$/,
    );
    expect(seen).toContain("Etag");
    const instance = await exchangeUntilClose(
      server.port,
      "GET /instance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(splitResponse(instance).headerLines).toContain('Etag: "per-instance"');
  });
});

describe("verbs", () => {
  class AllVerbs extends web.RequestHandler {
    get() {
      this.write("GET");
    }
    head() {
      this.write("HEAD body is dropped");
    }
    post() {
      this.write("POST");
    }
    delete() {
      this.write("DELETE");
    }
    patch() {
      this.write("PATCH");
    }
    put() {
      this.write("PUT");
    }
    options() {
      this.write("OPTIONS");
    }
  }

  test.each(["GET", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"])(
    "%s reaches the method of that name",
    async (method) => {
      const server = await serve([["/", AllVerbs]]);
      const response = await server.fetch("/", {
        method,
        body: ["POST", "PUT", "PATCH"].includes(method) ? "" : undefined,
      });
      expect(response.code).toBe(200);
      expect(response.text).toBe(method);
    },
  );

  test("HEAD computes Content-Length and Etag from what the handler wrote, then drops the body", async () => {
    const server = await serve([["/", AllVerbs]]);
    const raw = await exchangeUntilClose(server.port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const { statusLine, headerLines, body } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(headerLines).toContain(`Content-Length: ${"HEAD body is dropped".length}`);
    expect(headerLines.some((l) => l.startsWith("Etag: "))).toBe(true);
    expect(body).toBe("");
  });
});
