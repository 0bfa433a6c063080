import { createHash, randomBytes } from "node:crypto";
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { web, log, testing, httputil } from "../src";
import { StaticFileHandler, parseHttpDate, parseRequestRange } from "../src/web/static";
import { serve } from "./support/serve";
import { exchangeUntilClose, openSocket, readUntil, splitResponse } from "./support/wire";

const FIXTURES = path.join(__dirname, "fixtures", "static");
const ROOT = path.join(FIXTURES, "root");
const ROBOTS = readFileSync(path.join(ROOT, "robots.txt"));
const ROBOTS_HASH =
  "63a36e950e134b5217e33c763e88840c10a07d80e6057d92b9ac97508de7fb1f" +
  "a6f0e9b7531e169657165ea764e8963399cb6d921ffe6078425aaafe54c04563";
const OUTSIDE_SECRET = readFileSync(path.join(FIXTURES, "static_foo.txt"), "latin1").trim();
const TEN_YEARS = 86400 * 365 * 10;

type Response = testing.HTTPResponse;

beforeEach(() => StaticFileHandler.reset());

function serveStatic(settings: web.Settings = {}, routes: readonly web.Route[] = []) {
  return serve(routes, { static_path: ROOT, ...settings });
}

/** Fetches with HEAD and GET, checks every Content-* header agrees, and returns the GET response (Tornado's get_and_head). */
async function getAndHead(
  server: testing.TestServer,
  url: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const head = await server.fetch(url, { method: "HEAD", headers, follow_redirects: false });
  const get = await server.fetch(url, { headers, follow_redirects: false });
  const names = new Set<string>();
  for (const response of [head, get]) {
    for (const [name] of response.headers.get_all()) if (name.startsWith("Content-")) names.add(name);
  }
  for (const name of names) expect([name, head.headers.get(name)]).toEqual([name, get.headers.get(name)]);
  expect(head.code).toBe(get.code);
  expect(head.body.length).toBe(0);
  return get;
}

/** A raw request over a socket, so that `..`, `//` and odd escapes reach the server unchanged. */
async function rawGet(port: number, target: string): Promise<{ status: number; raw: string }> {
  const raw = await exchangeUntilClose(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const { statusLine } = splitResponse(raw);
  return { status: Number(statusLine.split(" ")[1]), raw };
}

describe("StaticFileHandler under static_path", () => {
  test("serves /static/robots.txt as text/plain with the SHA-512 Etag, Last-Modified and Accept-Ranges", async () => {
    const server = await serveStatic();
    const response = await getAndHead(server, "/static/robots.txt");
    expect(response.code).toBe(200);
    expect(response.body).toEqual(ROBOTS);
    expect(response.headers.get("Content-Type")).toBe("text/plain");
    expect(response.headers.get("Content-Length")).toBe("26");
    expect(response.headers.get("Etag")).toBe(`"${ROBOTS_HASH}"`);
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    const mtime = Math.floor(statSync(path.join(ROOT, "robots.txt")).mtimeMs / 1000);
    expect(response.headers.get("Last-Modified")).toBe(httputil.format_timestamp(mtime));
    expect(response.headers.get("Cache-Control")).toBeUndefined();
    expect(response.headers.get("Expires")).toBeUndefined();
    expect(response.headers.get("Transfer-Encoding")).toBeUndefined();
  });

  test("/robots.txt and /favicon.ico are served from static_path", async () => {
    const server = await serveStatic();
    const robots = await server.fetch("/robots.txt");
    expect(robots.code).toBe(200);
    expect(robots.text).toContain("Disallow: /");
    const favicon = await server.fetch("/favicon.ico");
    expect(favicon.code).toBe(200);
    expect(favicon.body).toEqual(readFileSync(path.join(ROOT, "favicon.ico")));
    expect(favicon.headers.get("Content-Type")).toMatch(/^image\/(vnd\.microsoft\.icon|x-icon)$/);
  });

  test("a v argument makes the response cacheable for ten years", async () => {
    const server = await serveStatic();
    const before = Date.now();
    const response = await server.fetch("/robots.txt?v=12345");
    expect(response.text).toContain("Disallow: /");
    expect(response.headers.get("Cache-Control")).toBe(`max-age=${TEN_YEARS}`);
    const expires = Date.parse(response.headers.get("Expires")!);
    expect(Math.abs(expires - (before + TEN_YEARS * 1000))).toBeLessThan(5000);
  });

  test.each([
    ["sample.xml.gz", "application/gzip"],
    ["sample.xml.bz2", "application/octet-stream"],
    ["robots.txt", "text/plain"],
    ["dir/index.html", "text/html"],
  ])("%s is served as %s, without a charset", async (file, type) => {
    const server = await serveStatic();
    const response = await server.fetch(`/static/${file}`);
    expect(response.headers.get("Content-Type")).toBe(type);
    expect(response.body).toEqual(readFileSync(path.join(ROOT, file)));
  });

  test("an uncompressed XML file keeps its XML type", async () => {
    const server = await serveStatic();
    const response = await server.fetch("/static/sample.xml");
    expect(["text/xml", "application/xml"]).toContain(response.headers.get("Content-Type"));
  });

  test("an empty file is a 200 with Content-Length 0", async () => {
    const server = await serveStatic();
    const response = await getAndHead(server, "/static/empty.txt");
    expect(response.code).toBe(200);
    expect(response.headers.get("Content-Length")).toBe("0");
    expect(response.body.length).toBe(0);
    expect(response.headers.get("Etag")).toBe(`"${createHash("sha512").digest("hex")}"`);
  });

  test("HEAD sends GET's headers, Content-Length included, and no body", async () => {
    const server = await serveStatic();
    const response = await server.fetch("/static/robots.txt", { method: "HEAD" });
    expect(response.code).toBe(200);
    expect(response.body.length).toBe(0);
    expect(response.headers.get("Content-Length")).toBe("26");
    expect(response.headers.get("Etag")).toBe(`"${ROBOTS_HASH}"`);
  });

  test("a missing file is 404 for GET and HEAD", async () => {
    const server = await serveStatic();
    const response = await getAndHead(server, "/static/blarg");
    expect(response.code).toBe(404);
  });

  test("methods other than GET and HEAD get 405", async () => {
    const server = await serveStatic();
    const response = await server.fetch("/static/robots.txt", { method: "POST", body: "" });
    expect(response.code).toBe(405);
  });

  test("the static routes take precedence over the application's own", async () => {
    class Mine extends web.RequestHandler {
      get() {
        this.write("mine");
      }
    }
    const server = await serveStatic({}, [
      ["/robots.txt", Mine],
      ["/static/(.*)", Mine],
      ["/other", Mine],
    ]);
    expect((await server.fetch("/robots.txt")).body).toEqual(ROBOTS);
    expect((await server.fetch("/static/robots.txt")).body).toEqual(ROBOTS);
    expect((await server.fetch("/other")).text).toBe("mine");
  });

  test("static_url_prefix is matched literally, regex characters included", async () => {
    const server = await serveStatic({ static_url_prefix: "/assets.v1+/" });
    expect((await server.fetch("/assets.v1+/robots.txt")).body).toEqual(ROBOTS);
    expect((await server.fetch("/assetsXv11/robots.txt")).code).toBe(404);
    expect((await server.fetch("/static/robots.txt")).code).toBe(404);
  });

  test("static_handler_class and static_handler_args configure the static routes", async () => {
    class Tagged extends StaticFileHandler {
      override set_extra_headers(p: string) {
        this.set_header("X-Static-Path", p);
      }
    }
    const server = await serveStatic({
      static_handler_class: Tagged,
      static_handler_args: { default_filename: "index.html" },
    });
    const response = await server.fetch("/static/dir/");
    expect(response.text).toBe("this is the index\n");
    expect(response.headers.get("X-Static-Path")).toBe("dir/");
  });

  test("a StaticFileHandler mapped on its own route serves its own directory", async () => {
    const server = await serve([["/foo/(.*)", StaticFileHandler, { path: path.join(ROOT, "dir") }]]);
    const response = await server.fetch("/foo/index.html");
    expect(response.text).toBe("this is the index\n");
  });

  test("named route groups work: the path comes as the `path` group", async () => {
    const server = await serve([["/named/(?P<path>.*)", StaticFileHandler, { path: ROOT }]]);
    expect((await server.fetch("/named/robots.txt")).body).toEqual(ROBOTS);
  });

  test("with compress_response the streamed file is gzipped and Vary is set", async () => {
    const server = await serveStatic({ compress_response: true });
    const response = await server.fetch("/robots.txt", { headers: { "Accept-Encoding": "gzip" } });
    expect(response.headers.get("Content-Encoding")).toBe("gzip");
    expect(response.headers.get("Vary")).toBe("Accept-Encoding");
    expect(gunzipSync(response.body)).toEqual(ROBOTS);
  });
});

describe("conditional requests", () => {
  test("If-Modified-Since equal to Last-Modified gives 304 without Content-Length", async () => {
    const server = await serveStatic();
    const first = await getAndHead(server, "/static/robots.txt");
    const second = await getAndHead(server, "/static/robots.txt", {
      "If-Modified-Since": first.headers.get("Last-Modified")!,
    });
    expect(second.code).toBe(304);
    expect(second.body.length).toBe(0);
    expect(second.headers.get("Content-Length")).toBeUndefined();
    expect(second.headers.get("Content-Type")).toBeUndefined();
    expect(second.headers.get("Etag")).toBe(`"${ROBOTS_HASH}"`);
  });

  test("If-None-Match equal to the Etag gives 304", async () => {
    const server = await serveStatic();
    const first = await getAndHead(server, "/static/robots.txt");
    const second = await getAndHead(server, "/static/robots.txt", { "If-None-Match": first.headers.get("Etag")! });
    expect(second.code).toBe(304);
  });

  test("a mismatched If-None-Match decides alone: 200 even with a valid If-Modified-Since", async () => {
    const server = await serveStatic();
    const first = await getAndHead(server, "/static/robots.txt");
    const second = await getAndHead(server, "/static/robots.txt", {
      "If-None-Match": '"MISMATCH"',
      "If-Modified-Since": first.headers.get("Last-Modified")!,
    });
    expect(second.code).toBe(200);
  });

  test.each([["!nv@l!d"], ["Fri, 01 Jan 1960 00:00:00 GMT"], ["Mon, 32 Jan 2024 00:00:00 GMT"]])(
    "If-Modified-Since %j (invalid or old) gives 200",
    async (value) => {
      const server = await serveStatic();
      const response = await getAndHead(server, "/static/robots.txt", { "If-Modified-Since": value });
      expect(response.code).toBe(200);
    },
  );

  test("If-Modified-Since is compared in UTC: one second before is 200, one after is 304", async () => {
    const server = await serveStatic();
    const mtime = statSync(path.join(ROOT, "robots.txt")).mtimeMs / 1000;
    const before = await getAndHead(server, "/static/robots.txt", {
      "If-Modified-Since": httputil.format_timestamp(mtime - 1),
    });
    expect(before.code).toBe(200);
    const after = await getAndHead(server, "/static/robots.txt", {
      "If-Modified-Since": httputil.format_timestamp(mtime + 1),
    });
    expect(after.code).toBe(304);
  });

  test("a matching If-None-Match wins over a Range header: 304 without Content-Length", async () => {
    const server = await serveStatic();
    const response = await getAndHead(server, "/static/robots.txt", {
      Range: "bytes=1-4",
      "If-None-Match": `"${ROBOTS_HASH}"`,
    });
    expect(response.code).toBe(304);
    expect(response.body.length).toBe(0);
    expect(response.headers.get("Content-Length")).toBeUndefined();
    expect(response.headers.get("Etag")).toBe(`"${ROBOTS_HASH}"`);
  });

  test("If-Modified-Since with a Range header also gives 304 without Content-Length", async () => {
    const server = await serveStatic();
    const first = await server.fetch("/static/robots.txt");
    const response = await getAndHead(server, "/static/robots.txt", {
      Range: "bytes=0-9",
      "If-Modified-Since": first.headers.get("Last-Modified")!,
    });
    expect(response.code).toBe(304);
    expect(response.headers.get("Content-Length")).toBeUndefined();
  });
});

describe("byte ranges", () => {
  test.each([
    ["bytes=0-9", 206, "User-agent", "bytes 0-9/26"],
    ["bytes=1-10000000", 206, ROBOTS.toString("latin1").slice(1), "bytes 1-25/26"],
    ["bytes=22-", 206, ": /\n", "bytes 22-25/26"],
    ["bytes=-4", 206, ": /\n", "bytes 22-25/26"],
    ["bytes=0-", 200, ROBOTS.toString("latin1"), undefined],
    ["bytes=0-10000000", 200, ROBOTS.toString("latin1"), undefined],
    ["bytes=-1000000", 200, ROBOTS.toString("latin1"), undefined],
    ["asdf", 200, ROBOTS.toString("latin1"), undefined],
    ["bytes=1-2,6-10", 200, ROBOTS.toString("latin1"), undefined],
    ["items=0-9", 200, ROBOTS.toString("latin1"), undefined],
  ])(
    "Range %j gives %d with the right bytes, Content-Length and Content-Range",
    async (range, code, body, contentRange) => {
      const server = await serveStatic();
      const response = await getAndHead(server, "/static/robots.txt", { Range: range });
      expect(response.code).toBe(code);
      expect(response.body.toString("latin1")).toBe(body);
      expect(response.headers.get("Content-Length")).toBe(String(body.length));
      expect(response.headers.get("Content-Range")).toBe(contentRange);
      expect(response.headers.get("Etag")).toBe(`"${ROBOTS_HASH}"`);
    },
  );

  test.each([["bytes=-0"], ["bytes=26"], ["bytes=10-3"], ["bytes=26-30"]])(
    "Range %j is unsatisfiable: 416 text/plain with Content-Range bytes */26",
    async (range) => {
      const server = await serveStatic();
      const response = await getAndHead(server, "/static/robots.txt", { Range: range });
      expect(response.code).toBe(416);
      expect(response.headers.get("Content-Range")).toBe("bytes */26");
      expect(response.headers.get("Content-Type")).toBe("text/plain");
      expect(response.body.length).toBe(0);
    },
  );

  test("HEAD with a Range gives 206, the range's Content-Length and no body", async () => {
    const server = await serveStatic();
    const response = await server.fetch("/static/robots.txt", { method: "HEAD", headers: { Range: "bytes=1-4" } });
    expect(response.code).toBe(206);
    expect(response.body.length).toBe(0);
    expect(response.headers.get("Content-Length")).toBe("4");
    expect(response.headers.get("Etag")).toBe(`"${ROBOTS_HASH}"`);
  });

  test.each([
    ["bytes=1-2", [1, 3]],
    ["bytes=6-", [6, null]],
    ["bytes=-6", [-6, null]],
    ["bytes=-0", [null, 0]],
    ["bytes=", [null, null]],
    [" bytes = 1 - 2 ", [1, 3]],
    ["foo=42", null],
    ["bytes=1-2,6-10", null],
    ["bytes=a-b", null],
  ])("parseRequestRange(%j) is %j, as Tornado's _parse_request_range", (header, expected) => {
    expect(parseRequestRange(header)).toEqual(expected);
  });
});

describe("parseHttpDate (Python's parsedate_to_datetime)", () => {
  test.each([
    ["Sun, 06 Nov 1994 08:49:37 GMT", Date.UTC(1994, 10, 6, 8, 49, 37)],
    ["Sunday, 06-Nov-94 08:49:37 GMT", Date.UTC(1994, 10, 6, 8, 49, 37)],
    ["06 Nov 1994 08:49:37 +0100", Date.UTC(1994, 10, 6, 7, 49, 37)],
    ["Sun, 06 Nov 1994 08:49 EST", Date.UTC(1994, 10, 6, 13, 49, 0)],
    ["Sun, 06 Nov 1994 08:49:37", Date.UTC(1994, 10, 6, 8, 49, 37)],
    ["Fri, 01 Jan 1960 00:00:00 GMT", Date.UTC(1960, 0, 1)],
    ["Thu, 29 Feb 2024 00:00:00 GMT", Date.UTC(2024, 1, 29)],
  ])("%j parses", (text, expected) => {
    expect(parseHttpDate(text)).toBe(expected);
  });

  test.each([
    ["!nv@l!d"],
    [""],
    ["Sun, 06 Nov 1994"],
    ["Thu, 29 Feb 2023 00:00:00 GMT"],
    ["Sun, 06 Nov 1994 24:00:00 GMT"],
    ["2024-01-01T00:00:00Z"],
  ])("%j is rejected", (text) => {
    expect(parseHttpDate(text)).toBeNull();
  });
});

describe("default_filename", () => {
  const settings = { static_handler_args: { default_filename: "index.html" } };

  test("a directory with a trailing slash serves its default file", async () => {
    const server = await serveStatic(settings);
    const response = await server.fetch("/static/dir/", { follow_redirects: false });
    expect(response.code).toBe(200);
    expect(response.text).toBe("this is the index\n");
  });

  test("a directory without a trailing slash is redirected (301) to add it", async () => {
    const server = await serveStatic(settings);
    const response = await server.fetch("/static/dir", { follow_redirects: false });
    expect(response.code).toBe(301);
    expect(response.headers.get("Location")).toBe("/static/dir/");
  });

  test("the root directory itself serves its default file only when it has one", async () => {
    const server = await serveStatic(settings);
    expect((await server.fetch("/static/")).code).toBe(404);
  });

  test("without default_filename a directory is refused with 403", async () => {
    const server = await serveStatic();
    const response = await testing.ExpectLog.around(log.gen_log, /is not a file/, () => server.fetch("/static/dir/"));
    expect(response.code).toBe(403);
  });

  test.each([["//evil.com/../<root>/dir"], ["/\\evil.com/../dir"]])(
    "a redirect for %s (it would lead to another host) is refused with 403, not sent",
    async (template) => {
      const server = await serve([], {
        static_path: ROOT,
        static_url_prefix: "/",
        static_handler_args: { default_filename: "index.html" },
      });
      const target = template.replace("/<root>", ROOT);
      const { status, raw } = await testing.ExpectLog.around(
        log.gen_log,
        /cannot redirect path with two initial slashes/,
        () => rawGet(server.port, target),
      );
      expect(status).toBe(403);
      expect(raw).not.toMatch(/^Location:/im);
    },
  );
});

describe("versions and static URLs", () => {
  test("make_static_url appends ?v= and the file's full SHA-512", () => {
    const settings = { static_path: ROOT };
    expect(StaticFileHandler.make_static_url(settings, "robots.txt")).toBe(`/static/robots.txt?v=${ROBOTS_HASH}`);
    expect(StaticFileHandler.make_static_url(settings, "robots.txt", false)).toBe("/static/robots.txt");
    expect(StaticFileHandler.make_static_url({ ...settings, static_url_prefix: "/s/" }, "robots.txt")).toBe(
      `/s/robots.txt?v=${ROBOTS_HASH}`,
    );
  });

  test("a handler can build the static URL from its settings, and that URL is served cacheable", async () => {
    class StaticUrl extends web.RequestHandler {
      get(p: string) {
        this.write(StaticFileHandler.make_static_url(this.settings, p));
      }
    }
    const server = await serveStatic({}, [["/static_url/(.*)", StaticUrl]]);
    const url = (await server.fetch("/static_url/robots.txt")).text;
    expect(url).toBe(`/static/robots.txt?v=${ROBOTS_HASH}`);
    const response = await server.fetch(url);
    expect(response.body).toEqual(ROBOTS);
    expect(response.headers.get("Cache-Control")).toBe(`max-age=${TEN_YEARS}`);
  });

  test("the version of a missing file is null and logged; its URL has no ?v=", () => {
    const expectation = new testing.ExpectLog(log.gen_log, /Could not open static file/);
    expect(StaticFileHandler.get_version({ static_path: ROOT }, "nope.txt")).toBeNull();
    expect(StaticFileHandler.make_static_url({ static_path: ROOT }, "nope.txt")).toBe("/static/nope.txt");
    expectation.finish();
  });

  test("get_version without static_path names the missing setting", () => {
    expect(() => StaticFileHandler.get_version({}, "robots.txt")).toThrow(/static_path/);
  });

  describe("with a file that changes", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "tornado-static-"));
      writeFileSync(path.join(dir, "a.txt"), "one");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const sha = (text: string) => createHash("sha512").update(text).digest("hex");

    test("versions are cached per file until reset()", () => {
      const settings = { static_path: dir };
      expect(StaticFileHandler.get_version(settings, "a.txt")).toBe(sha("one"));
      writeFileSync(path.join(dir, "a.txt"), "two");
      expect(StaticFileHandler.get_version(settings, "a.txt")).toBe(sha("one"));
      StaticFileHandler.reset();
      expect(StaticFileHandler.get_version(settings, "a.txt")).toBe(sha("two"));
    });

    test("static_hash_cache false recomputes the version and the Etag every time", async () => {
      const settings = { static_path: dir, static_hash_cache: false };
      expect(StaticFileHandler.get_version(settings, "a.txt")).toBe(sha("one"));
      const server = await serve([], settings);
      expect((await server.fetch("/static/a.txt")).headers.get("Etag")).toBe(`"${sha("one")}"`);
      writeFileSync(path.join(dir, "a.txt"), "two");
      expect(StaticFileHandler.get_version(settings, "a.txt")).toBe(sha("two"));
      expect((await server.fetch("/static/a.txt")).headers.get("Etag")).toBe(`"${sha("two")}"`);
    });

    test("with the cache on, the Etag stays the cached version while the body follows the file", async () => {
      const server = await serve([], { static_path: dir });
      expect((await server.fetch("/static/a.txt")).headers.get("Etag")).toBe(`"${sha("one")}"`);
      writeFileSync(path.join(dir, "a.txt"), "two");
      const response = await server.fetch("/static/a.txt");
      expect(response.text).toBe("two");
      expect(response.headers.get("Etag")).toBe(`"${sha("one")}"`);
    });

    test("Last-Modified is the file's modification time in whole seconds", async () => {
      utimesSync(path.join(dir, "a.txt"), 1_700_000_000.75, 1_700_000_000.75);
      const server = await serve([], { static_path: dir });
      const response = await server.fetch("/static/a.txt");
      expect(response.headers.get("Last-Modified")).toBe("Tue, 14 Nov 2023 22:13:20 GMT");
    });
  });
});

describe("subclass hooks (Tornado's CustomStaticFileTest)", () => {
  class MyStaticFileHandler extends StaticFileHandler {
    static override make_static_url(settings: web.Settings, p: string): string {
      const version = this.get_version(settings, p);
      const dot = p.lastIndexOf(".");
      return `/static/${p.slice(0, dot)}.${version}.${p.slice(dot + 1)}`;
    }
    override parse_url_path(url_path: string): string {
      const ext = url_path.lastIndexOf(".");
      const version = url_path.lastIndexOf(".", ext - 1);
      return url_path.slice(0, version) + url_path.slice(ext);
    }
    static override get_absolute_path(root: string, p: string): string {
      return "CustomStaticFileTest:" + p;
    }
    override validate_absolute_path(root: string, absolute_path: string): string {
      return absolute_path;
    }
    static override get_content(p: string, start: number | null = null, end: number | null = null): Buffer {
      if (start !== null || end !== null) throw new Error("no ranges here");
      if (p === "CustomStaticFileTest:foo.txt") return Buffer.from("bar");
      throw new Error(`unexpected path ${p}`);
    }
    override get_content_size(): number {
      if (this.absolute_path === "CustomStaticFileTest:foo.txt") return 3;
      throw new Error(`unexpected path ${this.absolute_path}`);
    }
    override get_modified_time(): null {
      return null;
    }
    static override get_version(settings: web.Settings, p: string): string {
      return "42";
    }
  }

  test("content, size and versions come from the overridden hooks", async () => {
    const server = await serve([], { static_path: "dummy", static_handler_class: MyStaticFileHandler });
    const response = await server.fetch("/static/foo.42.txt");
    expect(response.code).toBe(200);
    expect(response.text).toBe("bar");
    expect(response.headers.get("Content-Type")).toBe("text/plain");
    expect(response.headers.get("Last-Modified")).toBeUndefined();
    expect(response.headers.get("Etag")).toBe(`"${createHash("sha512").update("bar").digest("hex")}"`);
    expect(MyStaticFileHandler.make_static_url({ static_path: "dummy" }, "foo.txt")).toBe("/static/foo.42.txt");
  });

  test("the default get_content_version hashes a sync get_content override", () => {
    expect(MyStaticFileHandler.get_content_version("CustomStaticFileTest:foo.txt")).toBe(
      createHash("sha512").update("bar").digest("hex"),
    );
  });
});

describe("hostile paths never leave the root", () => {
  let dir: string;
  let root: string;
  let port: number;
  const SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT";

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tornado-static-"));
    root = path.join(dir, "root");
    mkdirSync(root);
    mkdirSync(path.join(dir, "outside"));
    mkdirSync(path.join(root, "linkdir"));
    writeFileSync(path.join(root, "robots.txt"), ROBOTS);
    writeFileSync(path.join(dir, "secret.txt"), SECRET);
    writeFileSync(path.join(dir, "outside", "secret.txt"), SECRET);
    writeFileSync(path.join(dir, "root-sibling.txt"), SECRET);
    symlinkSync("robots.txt", path.join(root, "inside-link.txt"));
    symlinkSync(path.join(dir, "secret.txt"), path.join(root, "escape.txt"));
    symlinkSync("../outside", path.join(root, "escapedir"));
    symlinkSync("../nothing-here", path.join(root, "dangling.txt"));
    symlinkSync("../../secret.txt", path.join(root, "linkdir", "index.html"));
    symlinkSync(root, path.join(dir, "root-link"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    const server = await serve([["/dflt/(.*)", StaticFileHandler, { path: root, default_filename: "index.html" }]], {
      static_path: root,
    });
    port = server.port;
  });

  test.each([
    ["/static/../secret.txt", 403],
    ["/static/..%2fsecret.txt", 403],
    ["/static/%2e%2e/secret.txt", 403],
    ["/static/%2e%2e%2fsecret.txt", 403],
    ["/static/%2E%2E%2Fsecret.txt", 403],
    ["/static/outside/../../secret.txt", 403],
    ["/static/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd", 403],
    ["/static//etc/passwd", 403],
    ["/static/%2fetc%2fpasswd", 403],
    ["/static/../root-sibling.txt", 403],
    ["/static/%252e%252e/secret.txt", 404],
    ["/static/%252e%252e%252fsecret.txt", 404],
    ["/static/..%5csecret.txt", 404],
    ["/static/..\\secret.txt", 404],
    ["/static/%00", 404],
    ["/static/robots.txt%00.html", 404],
    ["/static/robots.txt/x", 404],
    ["/static/escape.txt", 403],
    ["/static/escapedir/secret.txt", 403],
    ["/static/dangling.txt", 404],
    ["/dflt/linkdir/", 403],
  ])("%s is refused with %d and the outside file's bytes are never sent", async (target, status) => {
    const result = await testing.ExpectLog.around(log.gen_log, /.*/, () => rawGet(port, target), { required: false });
    expect(result.status).toBe(status);
    expect(result.raw).not.toContain(SECRET);
    expect(result.raw).not.toContain("root:x:0:0");
  });

  test("a traversal is logged as outside the root", async () => {
    const { status } = await testing.ExpectLog.around(log.gen_log, /secret\.txt is not in root static directory/, () =>
      rawGet(port, "/static/..%2fsecret.txt"),
    );
    expect(status).toBe(403);
  });

  test("a symbolic link that stays inside the root is served", async () => {
    const { status, raw } = await rawGet(port, "/static/inside-link.txt");
    expect(status).toBe(200);
    expect(splitResponse(raw).body).toBe(ROBOTS.toString("latin1"));
  });

  test("a static_path that is itself a symbolic link serves its files", async () => {
    const server = await serve([], { static_path: path.join(dir, "root-link") });
    expect((await server.fetch("/static/robots.txt")).body).toEqual(ROBOTS);
    expect((await server.fetch("/static/escape.txt")).code).toBe(403);
  });

  test("a root of / turns the containment check off (for handlers that validate paths themselves)", async () => {
    const server = await serve([["/root_static(.*)", StaticFileHandler, { path: "/" }]]);
    const response = await server.fetch("/root_static" + encodeURI(path.join(root, "robots.txt")));
    expect(response.code).toBe(200);
    expect(response.body).toEqual(ROBOTS);
  });

  test("Tornado's fixture traversal: /static/../static_foo.txt is 403", async () => {
    const server = await serveStatic();
    const { status, raw } = await testing.ExpectLog.around(log.gen_log, /not in root static directory/, () =>
      rawGet(server.port, "/static/../static_foo.txt"),
    );
    expect(status).toBe(403);
    expect(raw).not.toContain(OUTSIDE_SECRET);
  });
});

describe("large files are streamed", () => {
  const SIZE = 5 * 1024 * 1024 + 123;
  let dir: string;
  let data: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tornado-static-"));
    data = randomBytes(SIZE);
    writeFileSync(path.join(dir, "big.bin"), data);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

  test("a 5 MiB file arrives whole, with its Content-Length and not chunked", async () => {
    const server = await serve([], { static_path: dir });
    const response = await server.fetch("/static/big.bin");
    expect(response.code).toBe(200);
    expect(response.headers.get("Content-Length")).toBe(String(SIZE));
    expect(response.headers.get("Transfer-Encoding")).toBeUndefined();
    expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(response.body.length).toBe(SIZE);
    expect(sha(response.body)).toBe(sha(data));
    expect(response.headers.get("Etag")).toBe(`"${createHash("sha512").update(data).digest("hex")}"`);
  });

  test("a range across chunk boundaries gets exactly its bytes", async () => {
    const server = await serve([], { static_path: dir });
    const response = await server.fetch("/static/big.bin", { headers: { Range: "bytes=65530-200000" } });
    expect(response.code).toBe(206);
    expect(response.headers.get("Content-Range")).toBe(`bytes 65530-200000/${SIZE}`);
    expect(response.headers.get("Content-Length")).toBe(String(200000 - 65530 + 1));
    expect(response.body.equals(data.subarray(65530, 200001))).toBe(true);
  });

  test("get_content yields chunks of at most 64 KiB, for the whole file and for a range", async () => {
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    for await (const chunk of StaticFileHandler.get_content(path.join(dir, "big.bin")) as AsyncIterable<Buffer>) {
      sizes.push(chunk.length);
      parts.push(chunk);
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.length).toBeGreaterThan(80);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    const ranged: Buffer[] = [];
    for await (const chunk of StaticFileHandler.get_content(
      path.join(dir, "big.bin"),
      100,
      70000,
    ) as AsyncIterable<Buffer>)
      ranged.push(chunk);
    expect(Buffer.concat(ranged).equals(data.subarray(100, 70000))).toBe(true);
  });

  test("the handler never buffers more than one chunk: each is flushed before the next is read", async () => {
    let maxBuffered = 0;
    let writes = 0;
    class Watched extends StaticFileHandler {
      override write(chunk: web.Chunk): void {
        super.write(chunk);
        writes++;
        maxBuffered = Math.max(
          maxBuffered,
          this._write_buffer.reduce((n, c) => n + Buffer.byteLength(c), 0),
        );
      }
    }
    const server = await serve([["/big/(.*)", Watched, { path: dir }]]);
    const response = await server.fetch("/big/big.bin");
    expect(response.body.length).toBe(SIZE);
    expect(writes).toBe(Math.ceil(SIZE / (64 * 1024)));
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024);
  });

  test("a file that grew after its size was read is cut at Content-Length", async () => {
    class Stale extends StaticFileHandler {
      override get_content_size(): number {
        return 10;
      }
    }
    const server = await serve([["/stale/(.*)", Stale, { path: ROOT }]]);
    const { raw } = await rawGet(server.port, "/stale/robots.txt");
    const { headerLines, body } = splitResponse(raw);
    expect(headerLines).toContain("Content-Length: 10");
    expect(body).toBe("User-agent");
  });

  test("a file that shrank after its size was read ends the response with a logged error", async () => {
    class Stale extends StaticFileHandler {
      override get_content_size(): number {
        return 30;
      }
    }
    const server = await serve([["/stale/(.*)", Stale, { path: ROOT }]]);
    const { raw } = await testing.ExpectLog.around(log.app_log, /Uncaught exception GET \/stale\/robots.txt/, () =>
      testing.ExpectLog.around(log.gen_log, /Cannot send error response after headers written/, () =>
        rawGet(server.port, "/stale/robots.txt"),
      ),
    );
    const { headerLines, body } = splitResponse(raw);
    expect(headerLines).toContain("Content-Length: 30");
    expect(body).toBe(ROBOTS.toString("latin1"));
  });

  test("reading stops when the client goes away mid-file", async () => {
    const bigSize = 16 * 1024 * 1024;
    writeFileSync(path.join(dir, "huge.bin"), Buffer.alloc(bigSize, 7));
    let bytesWritten = 0;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    class Counting extends StaticFileHandler {
      override write(chunk: web.Chunk): void {
        super.write(chunk);
        bytesWritten += (chunk as Buffer).length;
      }
      override on_finish(): void {
        finished();
      }
    }
    const server = await serve([["/big/(.*)", Counting, { path: dir }]]);
    const socket = await openSocket(server.port);
    socket.write("GET /big/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, (received) => received.includes("\r\n\r\n"));
    socket.destroy();
    await done;
    expect(bytesWritten).toBeGreaterThan(0);
    expect(bytesWritten).toBeLessThan(bigSize / 2);
  });
});
