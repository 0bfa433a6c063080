import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { web, log, testing, httputil } from "../src";
import { serve } from "./support/serve";
import { exchangeUntilClose, openSocket, readUntil, splitResponse } from "./support/wire";
import { expectLinear } from "./support/linearity";

// Request bodies are parsed for every route before `prepare` (as Tornado does), so the limits and
// the linear time proved here protect every route, even one that never reads its arguments.

const { parse_body_arguments, parse_multipart_form_data, set_parse_body_config } = httputil;
type ParseBodyConfig = httputil.ParseBodyConfig;

const FORM = "application/x-www-form-urlencoded";
const MB = 1024 * 1024;

afterEach(() => set_parse_body_config(null));

/** Collects what the handler saw, or which error it answered. */
class Inspect extends web.RequestHandler {
  post() {
    const files = this.request.files;
    this.write({ names: Object.keys(this.request.body_arguments), files: Object.keys(files) });
  }
}

function multipart(boundary: string, parts: string[]): string {
  return parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("") + `--${boundary}--\r\n`;
}

function field(name: string, value: string): string {
  return `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
}

async function postBody(
  server: testing.TestServer,
  contentType: string,
  body: string | Buffer,
): Promise<testing.HTTPResponse> {
  return server.fetch("/", { method: "POST", headers: { "Content-Type": contentType }, body });
}

async function expect400(
  server: testing.TestServer,
  contentType: string,
  body: string | Buffer,
  why: RegExp,
): Promise<void> {
  const response = await testing.ExpectLog.around(log.gen_log, why, () => postBody(server, contentType, body));
  expect(response.code).toBe(400);
}

describe("urlencoded bodies: max_fields", () => {
  test("a body with more fields than max_fields (default 10,000) is answered 400 with a log line", async () => {
    const server = await serve([["/", Inspect]]);
    await expect400(
      server,
      FORM,
      "a&".repeat(10_000) + "a",
      /400 POST \/ .*Invalid body: Invalid x-www-form-urlencoded body: Max number of fields exceeded/,
    );
    const ok = await postBody(server, FORM, "a&".repeat(9_999) + "b");
    expect(ok.json()).toEqual({ names: ["a", "b"], files: [] });
  });

  test("max_fields is counted as Python's max_num_fields counts it, and set_parse_body_config changes it", async () => {
    set_parse_body_config({
      multipart: { enabled: true, max_parts: 100, max_part_header_size: 10240 },
      urlencoded: { max_fields: 3 },
    });
    const server = await serve([["/", Inspect]]);
    expect((await postBody(server, FORM, "a=1&&b")).json()).toEqual({ names: ["a", "b"], files: [] });
    await expect400(server, FORM, "a=1&b=2&c=3&", /Max number of fields exceeded/);
  });
});

describe("multipart bodies: limits", () => {
  test("more parts than max_parts (default 100, counted as Tornado counts them) is answered 400", async () => {
    const server = await serve([["/", Inspect]]);
    const parts = (n: number) => Array.from({ length: n }, (_, i) => field(`f${i}`, "v"));
    expect((await postBody(server, "multipart/form-data; boundary=B", multipart("B", parts(99)))).code).toBe(200);
    await expect400(
      server,
      "multipart/form-data; boundary=B",
      multipart("B", parts(100)),
      /multipart\/form-data has too many parts/,
    );
  });

  test("a part header larger than max_part_header_size (default 10 KiB) is answered 400", async () => {
    const server = await serve([["/", Inspect]]);
    const big = `Content-Disposition: form-data; name="a"\r\nX-Pad: ${"p".repeat(10 * 1024)}\r\n\r\nv`;
    await expect400(server, "multipart/form-data; boundary=B", multipart("B", [big]), /part header too large/);
  });

  test("a boundary longer than RFC 2046's 70 characters is answered 400", async () => {
    const server = await serve([["/", Inspect]]);
    const ok = "b".repeat(70);
    expect(
      (await postBody(server, `multipart/form-data; boundary=${ok}`, multipart(ok, [field("a", "1")]))).json(),
    ).toEqual({ names: ["a"], files: [] });
    const long = "b".repeat(71);
    await expect400(
      server,
      `multipart/form-data; boundary=${long}`,
      multipart(long, [field("a", "1")]),
      /boundary is longer than 70 characters/,
    );
  });

  test("enabled: false refuses every multipart body with 400", async () => {
    set_parse_body_config({ multipart: { enabled: false, max_parts: 100, max_part_header_size: 10240 } });
    const server = await serve([["/", Inspect]]);
    await expect400(
      server,
      "multipart/form-data; boundary=B",
      multipart("B", [field("a", "1")]),
      /multipart\/form-data parsing is disabled/,
    );
  });
});

describe("bodies are parsed where Tornado parses them: every route, before prepare", () => {
  test("an empty multipart body lacks its final boundary: 400, as Tornado answers it", async () => {
    const server = await serve([["/", Inspect]]);
    await expect400(server, "multipart/form-data; boundary=B", "", /no final boundary found/);
    expect((await postBody(server, FORM, "")).json()).toEqual({ names: [], files: [] });
  });

  test("a body past a limit gets 400 on a missing route, and on a route whose prepare never runs", async () => {
    let prepared = 0;
    class NeverReads extends web.RequestHandler {
      prepare() {
        prepared++;
      }
      post() {
        this.write("ignored the body");
      }
    }
    const server = await serve([["/", NeverReads]]);
    const tooMany = "a&".repeat(10_000) + "a";
    for (const path of ["/", "/missing"]) {
      const response = await testing.ExpectLog.around(log.gen_log, /Max number of fields exceeded/, () =>
        server.fetch(path, { method: "POST", headers: { "Content-Type": FORM }, body: tooMany }),
      );
      expect(response.code).toBe(400);
    }
    expect(prepared).toBe(0);
  });
});

// ---- Memory: a body of N bytes costs a small multiple of N ----

/** `global.gc`, made available without --expose-gc (the flag only has to be set before a context is made). */
function getGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const gc = getGc();

/** Live memory, after a full collection: the JS heap plus Buffer contents. */
function liveBytes(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Measures what the request costs while its handler holds it (body and parsed arguments alive):
 * in the verb method when it runs, in write_error when the body was refused.
 */
class Measure extends web.RequestHandler {
  static measured: number | null = null;

  post() {
    Measure.measured = liveBytes();
    this.write({
      names: Object.keys(this.request.body_arguments).length,
      files: Object.keys(this.request.files).length,
    });
  }

  write_error(status_code: number) {
    Measure.measured = liveBytes();
    this.write(`error ${status_code}`);
  }
}

/** Sends the body on a raw socket and returns the status code and the live-memory growth, in bytes. */
async function measurePost(contentType: string, body: Buffer): Promise<{ status: string; growth: number }> {
  const server = await serve([["/", Measure]]);
  const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  const request = Buffer.concat([Buffer.from(head), body]);
  Measure.measured = null;
  const baseline = liveBytes();
  const raw = await exchangeUntilClose(server.port, request, 30_000);
  const measured: number | null = Reflect.get(Measure, "measured");
  if (measured === null) throw new Error(`the handler did not run; got ${JSON.stringify(raw.slice(0, 200))}`);
  return { status: splitResponse(raw).statusLine, growth: measured - baseline };
}

// What a body costs while its handler runs: today about 2N for the server's buffering (the body,
// and the chunks it was joined from, which the request's "end" listener still holds), plus what
// parsing adds: nothing for views of the body, up to N where values had escapes to decode.
describe("memory: a 10 MB body costs a small multiple of 10 MB", () => {
  const N = 10 * MB;

  test("`a&a&a...` urlencoded (the worst shape) is refused at max_fields without building its fields", async () => {
    const { status, growth } = await measurePost(FORM, Buffer.alloc(N, "a&"));
    expect(growth).toBeLessThan(3 * N);
    expect(status).toBe("HTTP/1.1 400 Bad Request");
  });

  test("10,000 urlencoded fields with escaped values (the most the limit lets through) stay under 4x", async () => {
    const value = "x+".repeat(Math.floor(N / 10_000 / 2) - 2);
    const body = Buffer.from(Array.from({ length: 10_000 }, () => `a=${value}`).join("&"));
    const { status, growth } = await measurePost(FORM, body);
    expect(status).toBe("HTTP/1.1 200 OK");
    expect(growth).toBeLessThan(4 * body.length);
  });

  test("10 MB of tiny multipart parts is refused at max_parts, and 99 large parts stay under 3x", async () => {
    const tiny = Buffer.from(
      multipart(
        "B",
        Array.from({ length: Math.floor(N / 50) }, () => field("a", "v")),
      ),
    );
    const refused = await measurePost("multipart/form-data; boundary=B", tiny);
    expect(refused.status).toBe("HTTP/1.1 400 Bad Request");
    expect(refused.growth).toBeLessThan(3 * tiny.length);
    const fileParts = Array.from(
      { length: 99 },
      (_, i) =>
        `Content-Disposition: form-data; name="f${i}"; filename="f${i}.bin"\r\n\r\n${"z".repeat(Math.floor(N / 99))}`,
    );
    const large = Buffer.from(multipart("B", fileParts));
    const accepted = await measurePost("multipart/form-data; boundary=B", large);
    expect(accepted.status).toBe("HTTP/1.1 200 OK");
    expect(accepted.growth).toBeLessThan(3 * large.length);
  });
});

// ---- Linear time ----

const UNLIMITED: ParseBodyConfig = {
  multipart: { enabled: true, max_parts: Infinity, max_part_header_size: Infinity },
  urlencoded: { max_fields: Infinity },
};

function parseWith(contentType: string, body: Buffer): void {
  try {
    parse_body_arguments(contentType, body, Object.create(null), Object.create(null), undefined, { config: UNLIMITED });
  } catch (e) {
    if (!(e instanceof httputil.HTTPInputError)) throw e;
  }
}

describe("linear time: urlencoded bodies", () => {
  const shapes: Array<[string, (n: number) => string]> = [
    ["`a&a&a...`", (n) => "a&".repeat(n / 2)],
    ["`a&a&...&a=b` (no `=` until the end)", (n) => "a&".repeat(n / 2) + "a=b"],
    ["one escaped value", (n) => "a=" + "%41+".repeat(n / 4)],
    ["`%` runs without hex digits", (n) => "%".repeat(n)],
    ["many escaped names", (n) => "%C3%A9=1&".repeat(n / 9)],
  ];
  test.each(shapes)("%s", (_label, build) => {
    expectLinear(
      (n) => Buffer.from(build(n), "latin1"),
      (body) => parseWith(FORM, body),
    );
  });
});

describe("linear time: multipart bodies and their parameters", () => {
  const shapes: Array<[string, (n: number) => [string, string]]> = [
    [
      "many parts",
      (n) => [
        "multipart/form-data; boundary=B",
        multipart(
          "B",
          Array.from({ length: n / 48 }, () => field("a", "v")),
        ),
      ],
    ],
    [
      "a long header line",
      (n) => [
        "multipart/form-data; boundary=B",
        multipart("B", [`Content-Disposition: form-data; name="a"\r\nX: ${"x".repeat(n)}\r\n\r\nv`]),
      ],
    ],
    ["a Content-Type padded with spaces", (n) => [`multipart/form-data; boundary=B${" ".repeat(n)}x`, "--B--"]],
    ["a padded parameter before the boundary", (n) => [`multipart/form-data; q${" ".repeat(n)}y; boundary=B`, "--B--"]],
    [
      "a boundary parameter padded on both sides",
      (n) => [`multipart/form-data;${" ".repeat(n)}boundary=B${" ".repeat(n)};`, "--B--"],
    ],
    [
      "many parameters in the Content-Type",
      (n) => ["multipart/form-data" + "; x=1".repeat(n / 6) + "; boundary=B", "--B--"],
    ],
    ["a body of boundary-like bytes", (n) => [`multipart/form-data; boundary=${"-".repeat(69)}x`, "-".repeat(n)]],
    [
      "a boundary as long as the body, over dashes",
      (n) => [`multipart/form-data; boundary=${"-".repeat(n / 4)}x`, "-".repeat(n)],
    ],
    [
      "a body of near-boundaries",
      (n) => ["multipart/form-data; boundary=BBBB", "\r\n--BBB".repeat(n / 8) + "--BBBB--"],
    ],
  ];
  test.each(shapes)("%s", (_label, build) => {
    expectLinear(
      (n) => build(n),
      ([contentType, body]) => parseWith(contentType, Buffer.from(body, "latin1")),
    );
  });

  const dispositions: Array<[string, (n: number) => string]> = [
    [
      "padded with spaces inside and around parameters",
      (n) => `form-data;${" ".repeat(n / 2)}name="a"${" ".repeat(n / 2)}x`,
    ],
    ["many semicolons inside a quoted value", (n) => `form-data; name="${";".repeat(n)}"`],
    ["many quotes and semicolons", (n) => `form-data; name=${'";'.repeat(n / 2)}`],
    ["many escaped quotes", (n) => `form-data; name="${'\\"'.repeat(n / 2)}"`],
    ["a long parameter name", (n) => `form-data; name="a"; ${"a".repeat(n)}=1`],
    ["a long RFC 2231-like parameter name", (n) => `form-data; name="a"; a*${"1".repeat(n)}x=1`],
    [
      "many RFC 2231 continuations",
      (n) => "form-data" + Array.from({ length: n / 16 }, (_, i) => `; name*${i}*=a%41`).join(""),
    ],
    ["a long RFC 2231 value", (n) => `form-data; name="a"; filename*=UTF-8''${"%C3%A1".repeat(n / 6)}`],
  ];
  test.each(dispositions)("Content-Disposition %s", (_label, build) => {
    expectLinear(
      (n) => Buffer.from(multipart("B", [`Content-Disposition: ${build(n)}\r\n\r\nv`]), "latin1"),
      (body) => {
        try {
          parse_multipart_form_data("B", body, Object.create(null), Object.create(null), {
            config: UNLIMITED.multipart,
          });
        } catch (e) {
          if (!(e instanceof httputil.HTTPInputError)) throw e;
        }
      },
    );
  });
});

describe("linear time over a socket", () => {
  class Ping extends web.RequestHandler {
    get() {
      this.write("pong");
    }
  }

  test("a padded multipart Content-Type POSTed to a missing route is answered 404, and a concurrent GET within 100 ms", async () => {
    const server = await serve([["/ping", Ping]]);
    const attack = await openSocket(server.port);
    const probe = await openSocket(server.port);
    // A parameter padded inside (Python's strip of it was a quadratic regex); the body itself is valid.
    const contentType = `multipart/form-data; q${" ".repeat(14_000)}y; boundary=x`;
    const start = performance.now();
    attack.write(`POST /missing HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: 5\r\n\r\n--x--`);
    probe.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
    const [attacked, probed] = await Promise.all([
      readUntil(attack, (r) => r.includes("</html>")),
      readUntil(probe, (r) => r.endsWith("pong")).then((r) => ({ r, ms: performance.now() - start })),
    ]);
    attack.destroy();
    probe.destroy();
    expect(attacked).toMatch(/^HTTP\/1\.1 404 /);
    expect(probed.r).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(probed.ms).toBeLessThan(100);
  });
});
