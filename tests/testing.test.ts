import { setImmediate as nextTurn } from "node:timers/promises";
import { web, log, testing } from "../src";

class Hello extends web.RequestHandler {
  get() {
    this.write(`hello ${this.get_argument("name", "world")}`);
  }
}

class Moved extends web.RequestHandler {
  get() {
    this.redirect("/hello?name=redirected");
  }
  post() {
    this.redirect("/hello", false, 303);
  }
}

class HelloTest extends testing.AsyncHTTPTestCase {
  get_app() {
    return new web.Application([
      ["/hello", Hello],
      ["/moved", Moved],
    ]);
  }
}

describe("AsyncHTTPTestCase", () => {
  const t = new HelloTest();
  beforeEach(() => t.setUp());
  afterEach(() => t.tearDown());

  test("serves get_app() on a fresh loopback port and fetches from it", async () => {
    expect(t.get_url("/hello")).toBe(`http://127.0.0.1:${t.get_http_port()}/hello`);
    const response = await t.fetch("/hello?name=jest");
    expect(response.code).toBe(200);
    expect(response.reason).toBe("OK");
    expect(response.text).toBe("hello jest");
    expect(response.headers.get("Content-Length")).toBe("10");
  });

  test("returns non-2xx responses instead of throwing", async () => {
    const response = await t.fetch("/missing");
    expect(response.code).toBe(404);
  });

  test("follows redirects by default, and not when follow_redirects is false", async () => {
    const followed = await t.fetch("/moved");
    expect(followed.text).toBe("hello redirected");
    expect(followed.effective_url).toBe(t.get_url("/hello?name=redirected"));
    const kept = await t.fetch("/moved", { follow_redirects: false });
    expect(kept.code).toBe(302);
  });

  test("a 303 after POST is followed with GET", async () => {
    const response = await t.fetch("/moved", { method: "POST", body: "x=1" });
    expect(response.code).toBe(200);
    expect(response.text).toBe("hello world");
  });
});

describe("TestServer.close", () => {
  test("resolves after the server was shut down first", async () => {
    const server = await testing.start_server(new web.Application([["/hello", Hello]]));
    expect((await server.fetch("/hello")).body.toString()).toBe("hello world");
    await server.http_server.shutdown(1);
    await nextTurn(); // close() comes on a later turn, as from an afterEach: no close event is left
    await server.close();
    expect(server.http_server.server.listening).toBe(false);
  });
});

describe("fetch errors", () => {
  test("a refused connection rejects", async () => {
    const server = await testing.start_server(new web.Application([]));
    const url = server.get_url("/");
    await server.close();
    await expect(testing.fetch(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("ExpectLog", () => {
  test("silences and counts matching records", () => {
    const expectation = new testing.ExpectLog(log.gen_log, /expected \d+/);
    log.gen_log.warning("expected %d", 1);
    log.gen_log.warning("expected %d", 2);
    expectation.finish();
    expect(expectation.matched).toBe(2);
  });

  test("fails when a required record never came", () => {
    const expectation = new testing.ExpectLog(log.gen_log, /never logged/);
    expect(() => expectation.finish()).toThrow(/did not get expected log message/);
  });

  test("a level under the logger's threshold is let through until finish(), as in Tornado", () => {
    const parent = new log.Logger("quiet");
    parent.setLevel(log.WARNING);
    const logger = new log.Logger("quiet.child", parent);
    const expectation = new testing.ExpectLog(logger, /^routine 1$/, { level: log.INFO });
    logger.info("routine %d", 1);
    expectation.finish();
    expect([expectation.matched, logger.level, logger.wouldLog(log.INFO)]).toEqual([1, 0, false]);
  });

  test("does not fail when not required", () => {
    const expectation = new testing.ExpectLog(log.gen_log, /never logged/, { required: false });
    expect(() => expectation.finish()).not.toThrow();
  });
});
