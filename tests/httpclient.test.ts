/**
 * tornado.httpclient over real sockets against our own HTTPServer on loopback: responses and
 * their fields, errors and `raise_error`, redirects and their limit, Tornado's body rules, basic
 * auth, gzip, header and streaming callbacks, `body_producer`, timeouts, refused connections,
 * `max_clients` queuing, the per-IOLoop instance, defaults and `close()`.
 */
import { once } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { web, ioloop } from "../src";
import {
  AsyncHTTPClient,
  HTTPClientError,
  HTTPError,
  HTTPRequest,
  HTTPResponse,
  HTTPTimeoutError,
  HTTPStreamClosedError,
} from "../src/httpclient";
import { serve } from "./support/serve";

const clients: AsyncHTTPClient[] = [];
/** A client of its own, closed after the test. */
function client(options: ConstructorParameters<typeof AsyncHTTPClient>[0] = {}): AsyncHTTPClient {
  const made = new AsyncHTTPClient({ ...options, force_instance: true });
  clients.push(made);
  return made;
}
const releases: Array<() => void> = [];
afterEach(() => {
  releases.splice(0).forEach((release) => release());
  clients.splice(0).forEach((made) => made.close());
});

class Hello extends web.RequestHandler {
  get() {
    this.set_header("X-Custom", "yes");
    this.write("Hello world!");
  }
}
class Echo extends web.RequestHandler {
  post() {
    this.write({
      method: this.request.method,
      body: this.request.body.toString(),
      type: this.request.headers.get("Content-Type") ?? null,
    });
  }
  put() {
    this.post();
  }
  get() {
    this.write({
      method: "GET",
      body: this.request.body.toString(),
      type: this.request.headers.get("Content-Type") ?? null,
    });
  }
  delete() {
    this.write({ method: "DELETE", body: this.request.body.toString(), type: null });
  }
}
class Status extends web.RequestHandler {
  get(code: string) {
    this.set_status(Number(code));
    this.write(`status ${code}`);
  }
}
class Countdown extends web.RequestHandler {
  get(count: string) {
    const left = Number(count);
    if (left > 0) this.redirect(`/countdown/${left - 1}`);
    else this.write("Zero");
  }
}
class SeeOther extends web.RequestHandler {
  post() {
    this.redirect("/echo", false, 303);
  }
}
class Headers extends web.RequestHandler {
  get() {
    const wanted = ["Authorization", "User-Agent", "Accept-Encoding", "X-Default", "X-Mine"];
    this.write(Object.fromEntries(wanted.map((name) => [name, this.request.headers.get(name) ?? null])));
  }
}
class Gzipped extends web.RequestHandler {
  get() {
    this.write("compress me ".repeat(500));
  }
}
class Chunks extends web.RequestHandler {
  async get() {
    for (const part of ["one;", "two;", "three"]) {
      this.write(part);
      await this.flush();
    }
  }
}
/** Answers once the test calls the release it registered; records when it starts and ends. */
class Hold extends web.RequestHandler {
  static events: string[] = [];
  static arrived: (() => void) | null = null;
  async get(name: string) {
    Hold.events.push(`start ${name}`);
    Hold.arrived?.();
    await new Promise<void>((resolve) => releases.push(resolve));
    Hold.events.push(`end ${name}`);
    this.write(name);
  }
}

const routes: web.Route[] = [
  ["/hello", Hello],
  ["/echo", Echo],
  ["/status/(\\d+)", Status],
  ["/countdown/(\\d+)", Countdown],
  ["/see-other", SeeOther],
  ["/headers", Headers],
  ["/gzip", Gzipped],
  ["/chunks", Chunks],
  ["/hold/(\\w+)", Hold],
];

describe("fetch", () => {
  test("resolves to an HTTPResponse with code, reason, headers, body and timings", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/hello"));
    expect(response).toBeInstanceOf(HTTPResponse);
    expect(response.code).toBe(200);
    expect(response.reason).toBe("OK");
    expect(response.headers.get("X-Custom")).toBe("yes");
    expect(response.body).toEqual(Buffer.from("Hello world!"));
    expect(response.buffer).toBe(response.body);
    expect(response.effective_url).toBe(server.get_url("/hello"));
    expect(response.error).toBeNull();
    expect(response.request_time).toBeGreaterThan(0);
    expect(response.time_info.queue).toBeGreaterThanOrEqual(0);
    expect(() => response.rethrow()).not.toThrow();
  });

  test("takes an HTTPRequest, and refuses options beside it", async () => {
    const server = await serve(routes);
    const request = new HTTPRequest(server.get_url("/echo"), { method: "POST", body: "abc" });
    const response = await client().fetch(request);
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "POST", body: "abc" });
    expect(response.request).toBe(request);
    await expect(client().fetch(request, { method: "PUT" })).rejects.toThrow(/can't be used/);
  });

  test("a non-2xx answer rejects with HTTPClientError carrying the code and the response", async () => {
    const server = await serve(routes);
    const err = (await client()
      .fetch(server.get_url("/status/404"))
      .catch((e: unknown) => e)) as HTTPClientError;
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err).toBeInstanceOf(HTTPError);
    expect(err.code).toBe(404);
    expect(err.message).toBe("HTTP 404: Not Found");
    expect(err.response!.body.toString()).toContain("404");
  });

  test("raise_error: false resolves a non-2xx answer with error set; rethrow() throws it", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/status/503"), { raise_error: false });
    expect(response.code).toBe(503);
    expect(response.error).toBeInstanceOf(HTTPClientError);
    expect((response.error as HTTPClientError).code).toBe(503);
    expect(() => response.rethrow()).toThrow("HTTP 503: Service Unavailable");
  });

  test("a refused connection rejects with HTTPClientError 599 even with raise_error: false", async () => {
    const probe = createServer();
    await once(probe.listen(0, "127.0.0.1"), "listening");
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const err = (await client()
      .fetch(`http://127.0.0.1:${port}/`, { raise_error: false })
      .catch((e: unknown) => e)) as HTTPClientError;
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.code).toBe(599);
    expect(err.message).toContain("ECONNREFUSED");
  });
});

describe("redirects", () => {
  test("are followed up to max_redirects; effective_url is the last URL", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/countdown/2"));
    expect(response.body.toString()).toBe("Zero");
    expect(response.effective_url).toBe(server.get_url("/countdown/0"));
  });

  test("past max_redirects the redirect itself is the answer (302, an error)", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/countdown/5"), { max_redirects: 3, raise_error: false });
    expect(response.code).toBe(302);
    expect(response.headers.get("Location")).toBe("/countdown/1");
    expect(response.effective_url).toBe(server.get_url("/countdown/2"));
    await expect(client().fetch(server.get_url("/countdown/5"), { max_redirects: 3 })).rejects.toMatchObject({
      code: 302,
    });
  });

  test("follow_redirects: false gives the 302", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/countdown/1"), {
      follow_redirects: false,
      raise_error: false,
    });
    expect(response.code).toBe(302);
  });

  test("a 303 after a POST turns into a GET without the body", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/see-other"), {
      method: "POST",
      body: "a=1",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(JSON.parse(response.body.toString())).toEqual({ method: "GET", body: "", type: null });
  });
});

describe("Tornado's body rules", () => {
  test("a POST without a body, or a GET with one, throws; allow_nonstandard_methods lifts it", async () => {
    const server = await serve(routes);
    await expect(client().fetch(server.get_url("/echo"), { method: "POST" })).rejects.toThrow(
      "Body must not be None for method POST (unless allow_nonstandard_methods is true)",
    );
    await expect(client().fetch(server.get_url("/echo"), { body: "x" })).rejects.toThrow(
      "Body must be None for method GET (unless allow_nonstandard_methods is true)",
    );
    const response = await client().fetch(server.get_url("/echo"), {
      method: "DELETE",
      body: "gone",
      allow_nonstandard_methods: true,
    });
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "DELETE", body: "gone" });
  });

  test("body_producer streams the body; each write resolves once the chunk was taken", async () => {
    const server = await serve(routes);
    const resolved: number[] = [];
    const response = await client().fetch(server.get_url("/echo"), {
      method: "PUT",
      body_producer: async (write) => {
        for (const [index, part] of ["alpha;", "beta;", "gamma"].entries()) {
          await write(part);
          resolved.push(index);
        }
      },
    });
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "PUT", body: "alpha;beta;gamma" });
    expect(resolved).toEqual([0, 1, 2]);
  });

  test("a body_producer that throws rejects the fetch with its error", async () => {
    const server = await serve(routes);
    const fetched = client().fetch(server.get_url("/echo"), {
      method: "POST",
      body_producer: async (write) => {
        await write("start");
        throw new Error("producer broke");
      },
    });
    await expect(fetched).rejects.toThrow("producer broke");
  });
});

describe("headers, auth and gzip", () => {
  test("basic auth, user_agent and the default User-Agent", async () => {
    const server = await serve(routes);
    const authed = await client().fetch(server.get_url("/headers"), {
      auth_username: "Aladdin",
      auth_password: "open sesame",
      user_agent: "spider/1",
    });
    expect(JSON.parse(authed.body.toString())).toMatchObject({
      Authorization: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
      "User-Agent": "spider/1",
    });
    const plain = JSON.parse((await client().fetch(server.get_url("/headers"))).body.toString());
    expect(plain.Authorization).toBeNull();
    expect(plain["User-Agent"]).toMatch(/^Tornado\//);
    await expect(client().fetch(server.get_url("/headers"), { auth_username: "a", auth_mode: "ntlm" })).rejects.toThrow(
      "unsupported auth_mode ntlm",
    );
  });

  test("credentials in the URL are sent as basic auth when auth_username is unset", async () => {
    const server = await serve(routes);
    const url = server.get_url("/headers").replace("http://", "http://ali%40home:s%3Acret@");
    const seen = JSON.parse((await client().fetch(url)).body.toString());
    expect(seen.Authorization).toBe(`Basic ${Buffer.from("ali@home:s:cret").toString("base64")}`);
  });

  test("gzip is asked for and decompressed; Content-Encoding moves to X-Consumed-Content-Encoding", async () => {
    const server = await serve(routes, { compress_response: true });
    const response = await client().fetch(server.get_url("/gzip"));
    expect(response.body.toString()).toBe("compress me ".repeat(500));
    expect(response.headers.get("Content-Encoding")).toBeUndefined();
    expect(response.headers.get("X-Consumed-Content-Encoding")).toBe("gzip");
    const raw = await client().fetch(server.get_url("/gzip"), { decompress_response: false });
    expect(raw.headers.get("Content-Encoding")).toBeUndefined();
    expect(raw.body.toString()).toBe("compress me ".repeat(500));
  });

  test("configure(null, {defaults}) fills unset fields and merges headers", async () => {
    const server = await serve(routes);
    AsyncHTTPClient.configure(null, { defaults: { user_agent: "configured", headers: { "X-Default": "d" } } });
    try {
      const made = client();
      const seen = JSON.parse(
        (await made.fetch(server.get_url("/headers"), { headers: { "X-Mine": "m" } })).body.toString(),
      );
      expect(seen).toMatchObject({ "User-Agent": "configured", "X-Default": "d", "X-Mine": "m" });
    } finally {
      AsyncHTTPClient.configure(null);
    }
  });

  test("header_callback sees the status line, each header, then the blank line; streaming_callback each chunk", async () => {
    const server = await serve(routes);
    const lines: string[] = [];
    const chunks: string[] = [];
    const response = await client().fetch(server.get_url("/chunks"), {
      header_callback: (line) => lines.push(line),
      streaming_callback: (chunk) => void chunks.push(chunk.toString()),
    });
    expect(lines[0]).toBe("HTTP/1.1 200 OK\r\n");
    expect(lines).toContain("Content-Type: text/html; charset=UTF-8\r\n");
    expect(lines[lines.length - 1]).toBe("\r\n");
    expect(chunks.join("")).toBe("one;two;three");
    expect(response.body.length).toBe(0);
  });
});

describe("timeouts", () => {
  test("request_timeout rejects with HTTPTimeoutError 599 'Timeout during request'", async () => {
    const server = await serve(routes);
    const err = (await client()
      .fetch(server.get_url("/hold/never"), { request_timeout: 0.2 })
      .catch((e: unknown) => e)) as HTTPClientError;
    expect(err).toBeInstanceOf(HTTPTimeoutError);
    expect(err.code).toBe(599);
    expect(err.message).toBe("HTTP 599: Timeout during request");
  });

  test("connect_timeout covers the TLS handshake: a server that accepts and never answers", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await once(silent.listen(0, "127.0.0.1"), "listening");
    const { port } = silent.address() as AddressInfo;
    try {
      const err = (await client()
        .fetch(`https://127.0.0.1:${port}/`, { connect_timeout: 0.2 })
        .catch((e: unknown) => e)) as HTTPClientError;
      expect(err).toBeInstanceOf(HTTPTimeoutError);
      expect(err.message).toBe("HTTP 599: Timeout while connecting");
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe("AsyncHTTPClient", () => {
  test("max_clients: 1 queues the second request until the first is done", async () => {
    const server = await serve(routes);
    Hold.events = [];
    const made = client({ max_clients: 1 });
    const firstArrived = new Promise<void>((resolve) => (Hold.arrived = resolve));
    const first = made.fetch(server.get_url("/hold/first"));
    const second = made.fetch(server.get_url("/hold/second"));
    second.catch(() => {}); // awaited below; a failed expectation must not leave it unhandled
    await firstArrived;
    // A request from another client makes a full round trip while the first is held: had the
    // second been sent, it would have arrived by now.
    Hold.arrived = null;
    await client().fetch(server.get_url("/hello"));
    expect(Hold.events).toEqual(["start first"]);
    const secondArrived = new Promise<void>((resolve) => (Hold.arrived = resolve));
    releases.splice(0).forEach((release) => release());
    expect((await first).body.toString()).toBe("first");
    await secondArrived;
    releases.splice(0).forEach((release) => release());
    const answer = await second;
    expect(answer.body.toString()).toBe("second");
    expect(answer.time_info.queue).toBeGreaterThan(0);
    expect(Hold.events).toEqual(["start first", "end first", "start second", "end second"]);
  });

  test("a request that waits in the queue past its timeout fails with 'Timeout in request queue'", async () => {
    const server = await serve(routes);
    const made = client({ max_clients: 1 });
    const arrived = new Promise<void>((resolve) => (Hold.arrived = resolve));
    const first = made.fetch(server.get_url("/hold/first"));
    await arrived;
    Hold.arrived = null;
    const err = (await made
      .fetch(server.get_url("/hello"), { request_timeout: 0.1 })
      .catch((e: unknown) => e)) as HTTPClientError;
    expect(err).toBeInstanceOf(HTTPTimeoutError);
    expect(err.message).toBe("HTTP 599: Timeout in request queue");
    releases.splice(0).forEach((release) => release());
    expect((await first).body.toString()).toBe("first");
  });

  test("new AsyncHTTPClient() is one client per IOLoop; force_instance makes another; close() forgets it", async () => {
    const shared = new AsyncHTTPClient();
    expect(new AsyncHTTPClient()).toBe(shared);
    const own = client();
    expect(own).not.toBe(shared);
    shared.close();
    await expect(shared.fetch("http://127.0.0.1:1/")).rejects.toThrow("fetch() called on closed AsyncHTTPClient");
    const next = new AsyncHTTPClient();
    expect(next).not.toBe(shared);
    next.close();
    const loop = ioloop.IOLoop.current();
    expect(loop).toBe(ioloop.IOLoop.current());
  });

  test("close() with a request in flight rejects it with HTTPStreamClosedError (599)", async () => {
    const server = await serve(routes);
    const made = client();
    const arrived = new Promise<void>((resolve) => (Hold.arrived = resolve));
    const held = made.fetch(server.get_url("/hold/closing"));
    await arrived;
    made.close();
    await expect(held).rejects.toBeInstanceOf(HTTPStreamClosedError);
    await expect(held).rejects.toMatchObject({ code: 599 });
  });

  test("a malformed URL throws", () => {
    expect(() => new HTTPRequest("not a url")).toThrow("Invalid URL");
  });
});
