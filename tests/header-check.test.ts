// One rule for every header the server stores or sends (src/httputil/header-check.ts):
// set_header, add_header and HTTPHeaders refuse the same names and values with the same error,
// and a WebSocket's 101 names only a subprotocol the client offered.
import { HTTPInputError } from "../src/httputil/errors";
import { checkHeaderName, checkHeaderValue, isFieldValue, isToken } from "../src/httputil/header-check";
import { HTTPHeaders } from "../src/httputil/headers";
import { web, websocket, log, testing } from "../src";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";
import { exchangeUntilClose, openSocket, readUntil, splitResponse } from "./support/wire";

const BAD_NAMES = ["", "foo bar", "foo\tbar", "a:b", "x\r\nY", "nul\x00", "\u00e9", "(x)"];
const BAD_VALUES = [
  " a",
  "a ",
  "\ta",
  "a\t",
  " ",
  "a\r\nX-Injected: 1",
  "a\nb",
  "a\rb",
  "nul\x00",
  "del\x7f",
  "\u20ac",
];
const GOOD_VALUES = ["", "a", "a b", "a\tb", "caf\u00e9", "\x80\xff", '"quoted", W/"x"'];

/** What a call threw, as class name and message ("ok" when it did not throw). */
function outcome(fn: () => void): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe("the rule", () => {
  test.each(BAD_NAMES)("the name %j is refused", (name) => {
    expect(isToken(name)).toBe(false);
    expect(() => checkHeaderName(name)).toThrow(new HTTPInputError(`Invalid header name ${JSON.stringify(name)}`));
  });

  test.each(BAD_VALUES)("the value %j is refused", (value) => {
    expect(isFieldValue(value)).toBe(false);
    expect(() => checkHeaderValue(value)).toThrow(new HTTPInputError(`Invalid header value ${JSON.stringify(value)}`));
  });

  test.each(GOOD_VALUES)("the value %j is accepted as it is", (value) => {
    expect(checkHeaderValue(value)).toBe(value);
  });

  test("HTTPHeaders.set and add refuse the same names and values with the same error", () => {
    for (const name of BAD_NAMES) {
      const viaSet = outcome(() => new HTTPHeaders().set(name, "v"));
      expect(viaSet).toBe(`HTTPInputError: Invalid header name ${JSON.stringify(name)}`);
      expect(outcome(() => new HTTPHeaders().add(name, "v"))).toBe(viaSet);
    }
    for (const value of BAD_VALUES) {
      const viaSet = outcome(() => new HTTPHeaders().set("X", value));
      expect(viaSet).toBe(`HTTPInputError: Invalid header value ${JSON.stringify(value)}`);
      expect(outcome(() => new HTTPHeaders().add("X", value))).toBe(viaSet);
    }
  });

  test.each<[string, (n: number) => string, (text: string) => boolean]>([
    ["a long value ending in a space", (n) => "a".repeat(n) + " ", isFieldValue],
    ["a long value of spaces inside", (n) => "a" + " ".repeat(n) + "\n", isFieldValue],
    ["a long value with a LF at the end", (n) => "a\t".repeat(n / 2) + "\n", isFieldValue],
    ["a long name ending in a space", (n) => "a".repeat(n) + " ", isToken],
  ])("the check of %s takes linear time", (_name, build, check) => {
    expectLinear(build, check);
  });
});

describe("HTTPHeaders keeps one value as one string", () => {
  test("get, get_list, get_all, iteration and copy behave the same for one value and several", () => {
    const headers = new HTTPHeaders();
    headers.set("X-One", "1");
    headers.add("X-Many", "a");
    expect(headers.get_list("x-many")).toEqual(["a"]);
    headers.add("x-many", "b");
    headers.add("X-Many", "c");
    expect(headers.get("X-One")).toBe("1");
    expect(headers.get_list("X-One")).toEqual(["1"]);
    expect(headers.get("X-Many")).toBe("a,b,c");
    expect(headers.get_list("X-Many")).toEqual(["a", "b", "c"]);
    expect([...headers.get_all()]).toEqual([
      ["X-One", "1"],
      ["X-Many", "a"],
      ["X-Many", "b"],
      ["X-Many", "c"],
    ]);
    expect([...headers]).toEqual([
      ["X-One", "1"],
      ["X-Many", "a,b,c"],
    ]);
    expect(headers._flat()).toEqual(["X-One", "1", "X-Many", "a", "X-Many", "b", "X-Many", "c"]);

    const copy = headers.copy();
    copy.add("X-One", "2");
    copy.add("X-Many", "d");
    headers.get_list("X-Many").push("not stored");
    expect(headers.get_list("X-One")).toEqual(["1"]);
    expect(headers.get_list("X-Many")).toEqual(["a", "b", "c"]);
    expect(copy.get_list("X-One")).toEqual(["1", "2"]);
    expect(copy.get_list("X-Many")).toEqual(["a", "b", "c", "d"]);

    headers.set("X-Many", "z");
    expect(headers.get_list("X-Many")).toEqual(["z"]);
    expect(headers.delete("X-One")).toBe(true);
    expect(headers.has("X-One")).toBe(false);
  });

  test("a continuation line extends a single value and the last of several", () => {
    const headers = HTTPHeaders.parse("A: 1\r\n 2\r\nB: x\r\nB: y\r\n\tz\r\n");
    expect(headers.get_list("A")).toEqual(["1 2"]);
    expect(headers.get_list("B")).toEqual(["x", "y z"]);
  });
});

describe("set_header and add_header over a real socket", () => {
  /** Calls set_header and add_header with the same name and value (from CASES, by index: arguments are stripped); the outcomes go in the body. */
  class Both extends web.RequestHandler {
    get(index: string) {
      const [name, value] = CASES[Number(index)];
      const set = outcome(() => this.set_header(name, value));
      const add = outcome(() => this.add_header(name, value));
      this.set_header("Content-Type", "application/json");
      this.finish(JSON.stringify({ set, add }));
    }
  }

  const CASES: Array<[string, string]> = [];
  const query = (name: string, value: string) => `/${CASES.push([name, value]) - 1}`;

  test.each(BAD_VALUES)("agree on the bad value %j: the same error, and nothing sent", async (value) => {
    const server = await serve([["/(\\d+)", Both]]);
    const response = await server.fetch(query("X-Test", value));
    const expected = `HTTPInputError: Invalid header value ${JSON.stringify(value)}`;
    expect(JSON.parse(response.text)).toEqual({ set: expected, add: expected });
    expect(response.headers.has("X-Test")).toBe(false);
  });

  test.each(BAD_NAMES)("agree on the bad name %j", async (name) => {
    const server = await serve([["/(\\d+)", Both]]);
    const response = await server.fetch(query(name, "v"));
    const expected = `HTTPInputError: Invalid header name ${JSON.stringify(name)}`;
    expect(JSON.parse(response.text)).toEqual({ set: expected, add: expected });
  });

  test("a good value is sent as given by both", async () => {
    const server = await serve([["/(\\d+)", Both]]);
    const raw = await exchangeUntilClose(
      server.port,
      `GET ${query("X-Test", "a\tb c")} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const { headerLines, body } = splitResponse(raw);
    expect(JSON.parse(body)).toEqual({ set: "ok", add: "ok" });
    expect(headerLines.filter((line) => line.startsWith("X-Test:"))).toEqual(["X-Test: a\tb c", "X-Test: a\tb c"]);
  });
});

describe("the 101 of a WebSocket upgrade", () => {
  /** Picks the subprotocol named by `?pick=`, offered or not. */
  class Picky extends websocket.WebSocketHandler {
    override prepare() {
      this.set_header("X-Prepared", "yes");
    }
    override select_subprotocol(): string | null {
      return this.get_argument("pick", null);
    }
    override open() {
      this.close();
    }
  }

  function handshake(port: number, path: string, protocols: string): string {
    return (
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: ${protocols}\r\n\r\n`
    );
  }

  test("a subprotocol the client did not offer is a 500, logged, as Tornado's assertion", async () => {
    const server = await serve([["/ws", Picky]]);
    const raw = await testing.ExpectLog.around(log.app_log, /Uncaught exception/, () =>
      exchangeUntilClose(server.port, handshake(server.port, "/ws?pick=other", "chat, superchat")),
    );
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 500 Internal Server Error");
  });

  test("an offered subprotocol that is not a token is the client's error: 400, no 101", async () => {
    const server = await serve([["/ws", Picky]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /400/, () =>
      exchangeUntilClose(server.port, handshake(server.port, "/ws?pick=a%20b", "a b, chat")),
    );
    expect(splitResponse(raw).statusLine).toMatch(/^HTTP\/1\.1 400 /);
  });

  test("an offered token is named, with the handler's checked headers", async () => {
    const server = await serve([["/ws", Picky]]);
    const socket = await openSocket(server.port);
    try {
      socket.write(handshake(server.port, "/ws?pick=superchat", "chat, superchat"));
      const head = await readUntil(socket, (received) => received.includes("\r\n\r\n"));
      const lines = head.slice(0, head.indexOf("\r\n\r\n")).split("\r\n");
      expect(lines[0]).toBe("HTTP/1.1 101 Switching Protocols");
      expect(lines).toContain("Sec-WebSocket-Protocol: superchat");
      expect(lines).toContain("X-Prepared: yes");
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        expect(isToken(line.slice(0, colon))).toBe(true);
        expect(isFieldValue(line.slice(colon + 2))).toBe(true);
      }
    } finally {
      socket.destroy();
    }
  });
});
