import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { httpclient, testing, web } from "../src";
import { freePort, ProgramOutput, ROOT, startProgram, stopProgram } from "./support/process";
import { codeBlocks, isTypeScript } from "./support/samples";

// The blocking HTTPClient: its server runs in a child process, since fetch holds up this thread.

jest.setTimeout(60_000);

let app: ChildProcess;
let base: string;
let client: httpclient.HTTPClient;

beforeAll(async () => {
  app = startProgram("tests/fixtures/httpclient-blocking-app.ts");
  const output = new ProgramOutput(app);
  await output.waitFor(/listening (\d+)/, 20_000);
  base = `http://127.0.0.1:${/listening (\d+)/.exec(output.text)![1]}`;
  client = new httpclient.HTTPClient();
});

afterAll(async () => {
  client.close();
  await stopProgram(app);
});

test("a GET returns the response itself, with code, body and headers", () => {
  const before = performance.now();
  const response = client.fetch(`${base}/hello`);
  const after = performance.now();
  expect(response).toBeInstanceOf(httpclient.HTTPResponse);
  expect(response.code).toBe(200);
  expect(response.reason).toBe("OK");
  expect(response.body.toString()).toBe("hello");
  expect(Buffer.isBuffer(response.body)).toBe(true);
  expect(response.headers.get("X-Answer")).toBe("42");
  expect(response.error).toBeNull();
  expect(response.request.url).toBe(`${base}/hello`);
  expect(response.request_time).toBeGreaterThan(0);
  // start_time is on this thread's performance.now() clock (worker threads share its origin).
  expect(response.start_time).toBeGreaterThanOrEqual(before);
  expect(response.start_time).toBeLessThanOrEqual(after);
  expect(response.request.start_time).toBe(response.start_time);
});

test("fetch blocks the thread: a timer due before it returns has not run", () => {
  let fired = false;
  setTimeout(() => (fired = true), 0);
  const started = Date.now();
  while (Date.now() - started < 5) {
    // let the timer fall due
  }
  client.fetch(`${base}/hello`);
  expect(fired).toBe(false);
});

test("a server on the calling thread cannot answer while fetch waits: the request times out", async () => {
  class Hello extends web.RequestHandler {
    get() {
      this.write("same thread");
    }
  }
  const server = await testing.start_server(new web.Application([["/", Hello]]));
  try {
    expect(() => client.fetch(server.get_url("/"), { request_timeout: 0.5 })).toThrow(httpclient.HTTPTimeoutError);
    // Once this thread's loop turns again, the same server answers.
    expect((await server.fetch("/")).body.toString()).toBe("same thread");
  } finally {
    await server.close();
  }
});

test("a 404 throws HTTPClientError with the response; raise_error: false returns it", () => {
  let caught: unknown;
  try {
    client.fetch(`${base}/missing`);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(httpclient.HTTPClientError);
  const error = caught as httpclient.HTTPClientError;
  expect(error.code).toBe(404);
  expect(error.message).toBe("HTTP 404: Not Found");
  expect(error.response!.code).toBe(404);
  expect(error.response!.error).toBe(error);

  const response = client.fetch(`${base}/missing`, { raise_error: false });
  expect(response.code).toBe(404);
  expect(response.error).toBeInstanceOf(httpclient.HTTPClientError);
});

test("a refused connection throws a 599, even with raise_error: false", async () => {
  const closed = await freePort();
  expect(() => client.fetch(`http://127.0.0.1:${closed}/`, { raise_error: false })).toThrow(
    expect.objectContaining({ name: "HTTPClientError", code: 599 }),
  );
});

test("request_timeout gives HTTPTimeoutError (599)", () => {
  const started = Date.now();
  let caught: unknown;
  try {
    client.fetch(`${base}/slow`, { request_timeout: 0.3 });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(httpclient.HTTPTimeoutError);
  expect((caught as httpclient.HTTPClientError).code).toBe(599);
  expect(Date.now() - started).toBeLessThan(2500);
});

test("a POST sends its body; an HTTPRequest can be fetched", () => {
  const response = client.fetch(`${base}/echo`, { method: "POST", body: "ping" });
  expect(response.body.toString()).toBe("POST ping");
  const request = new httpclient.HTTPRequest(`${base}/echo`, { method: "POST", body: Buffer.from("pong") });
  const again = client.fetch(request);
  expect(again.body.toString()).toBe("POST pong");
  expect(again.request).toBe(request);
});

test("a redirect is followed; effective_url is where it ended", () => {
  const response = client.fetch(`${base}/old`);
  expect(response.body.toString()).toBe("hello");
  expect(response.effective_url).toBe(`${base}/hello`);
});

test("the client's defaults apply in its thread", () => {
  const custom = new httpclient.HTTPClient(null, {
    defaults: { headers: { "X-Sent": "from defaults" }, request_timeout: 0.3 },
  });
  try {
    expect(custom.fetch(`${base}/sent`).body.toString()).toBe("from defaults");
    expect(() => custom.fetch(`${base}/slow`)).toThrow(httpclient.HTTPTimeoutError);
  } finally {
    custom.close();
  }
});

test("function-valued fields are refused with a TypeError naming them", () => {
  expect(() => client.fetch(`${base}/hello`, { streaming_callback: () => {} })).toThrow(
    new TypeError(
      "HTTPClient: streaming_callback is a function, which cannot be sent to the client's thread (use AsyncHTTPClient)",
    ),
  );
  expect(() => client.fetch(`${base}/echo`, { method: "POST", body_producer: async () => {} })).toThrow(
    /body_producer is a function/,
  );
  expect(() => client.fetch(`${base}/hello`, { header_callback: () => {} })).toThrow(/header_callback is a function/);
  expect(() => new httpclient.HTTPClient(null, { defaults: { header_callback: () => {} } })).toThrow(
    /defaults\.header_callback is a function/,
  );
  expect(() => new httpclient.HTTPClient(class extends httpclient.AsyncHTTPClient {})).toThrow(TypeError);
});

test("close() then fetch throws; close twice is fine", () => {
  const own = new httpclient.HTTPClient();
  expect(own.fetch(`${base}/hello`).code).toBe(200);
  own.close();
  own.close();
  expect(() => own.fetch(`${base}/hello`)).toThrow("fetch() called on closed HTTPClient");
});

test("a client never closed does not keep the process alive", () => {
  const dir = join(ROOT, "tests", ".samples", "httpclient-blocking");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "unclosed.ts");
  writeFileSync(
    file,
    `import { httpclient } from "tornado-ts";\nconsole.log(new httpclient.HTTPClient().fetch(process.argv[2]).code);\n`,
  );
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), [file, `${base}/hello`], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(output.trim()).toBe("200");
});

test.each(["en", "tr"])("docs/%s/httpclient.md: the blocking sample prints what its comments promise", (language) => {
  const sample = codeBlocks(readFileSync(join(ROOT, "docs", language, "httpclient.md"), "utf8"))
    .filter(isTypeScript)
    .find((block) => block.code.includes("new httpclient.HTTPClient("))!.code;
  const promised = [...sample.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised.length).toBeGreaterThan(0);
  const file = join(ROOT, "tests", ".samples", "httpclient-blocking", `${language}.ts`);
  mkdirSync(join(ROOT, "tests", ".samples", "httpclient-blocking"), { recursive: true });
  writeFileSync(file, sample);
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), [file, `${base}/hello`], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(output.trimEnd().split("\n")).toEqual(promised);
});
