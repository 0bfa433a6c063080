/**
 * examples/webspider: a small site is served in the test (pages linking each other in a cycle,
 * a fragment, a link to another host, a page outside the base URL and a 404), and the spider,
 * run as a program, crawls it: every page beneath the base URL once, nothing outside it, the
 * 404 reported.
 */
import { web, testing } from "../../src";
import { runProgram } from "../support/process";

const WAIT_MS = 20000;

const PAGES: Record<string, string> = {
  "": `<a href="a.html">A</a> <a href='b.html#part'>B</a> <a href=missing.html>gone</a>
       <a href="http://example.invalid/site/">elsewhere</a> <a href="/outside.html">outside</a>
       <!-- <a href="commented.html">not a link</a> --> <link href="style.css">`,
  "a.html": `<p><a class="x" href="./">home</a> <a href="b.html">B</a> <a href="sub/c.html?x=1&amp;y=2">C</a></p>`,
  "b.html": `<a href="a.html#top">A</a> <A HREF="sub/c.html?x=1&amp;y=2">C</A>`,
  "sub/c.html": `<a href="../">home</a> <a href="../a.html">A</a>`,
};

/** Holds /stuck/ until the tests end. */
let releaseStuck: () => void = () => undefined;
const neverAnswered = new Promise<void>((resolve) => (releaseStuck = resolve));

/** The site; records every path requested, in order. */
function makeSite(requested: string[]): web.Application {
  class Page extends web.RequestHandler {
    get(path: string) {
      requested.push(this.request.uri!);
      const page = PAGES[path];
      if (page === undefined) throw new web.HTTPError(404);
      this.write(`<html><body>${page}</body></html>`);
    }
  }
  class Outside extends web.RequestHandler {
    get() {
      requested.push(this.request.uri!);
      this.write("<a href='/site/'>in</a>");
    }
  }
  class Stuck extends web.RequestHandler {
    async get() {
      requested.push(this.request.uri!);
      await neverAnswered;
    }
  }
  return new web.Application([
    ["/stuck/", Stuck],
    ["/site/(.*)", Page],
    ["/outside.html", Outside],
  ]);
}

/** Runs the spider to its end; its exit code and output. */
function crawl(args: string[]): Promise<{ code: number | null; output: string }> {
  return runProgram("examples/webspider/webspider.ts", args, {}, WAIT_MS);
}

/** The URLs on lines starting with `prefix `, sorted. */
function linesOf(output: string, prefix: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith(prefix + " "))
    .map((line) => line.slice(prefix.length + 1))
    .sort();
}

describe("examples/webspider/webspider.ts as a program", () => {
  let server: testing.TestServer;
  const requested: string[] = [];

  beforeAll(async () => {
    server = await testing.start_server(makeSite(requested));
  });

  afterAll(async () => {
    releaseStuck();
    await server.close();
  });

  test(
    "fetches every page beneath --base_url once, nothing outside it, and reports the 404",
    async () => {
      const base = server.get_url("/site/");
      const { code, output } = await crawl([`--base_url=${base}`, "--concurrency=3"]);
      const pages = ["", "a.html", "b.html", `sub/c.html?x=1&y=2`].map((path) => base + path).sort();
      expect(linesOf(output, "fetched")).toEqual(pages);
      expect(linesOf(output, "fetching")).toEqual([...pages, base + "missing.html"].sort());
      expect(output).toContain(`Exception: HTTP 404: Not Found ${base}missing.html`);
      expect(output).toMatch(/Done in \d+ seconds, fetched 4 URLs\.\nUnable to fetch 1 URLs\.\n/);
      expect(code).toBe(0);
      // The server saw each page once, and never the page outside the base URL.
      expect([...requested].sort()).toEqual(
        ["/site/", "/site/a.html", "/site/b.html", "/site/missing.html", "/site/sub/c.html?x=1&y=2"].sort(),
      );
    },
    WAIT_MS + 5000,
  );

  test(
    "gives up once --timeout passes with a page still unanswered, and exits with 1",
    async () => {
      const base = server.get_url("/stuck/");
      const { code, output } = await crawl([`--base_url=${base}`, "--timeout=1"]);
      expect(output).toContain(`fetching ${base}\n`);
      expect(output).toContain("TimeoutError: Timeout");
      expect(output).not.toContain("Done in");
      expect(code).toBe(1);
    },
    WAIT_MS + 5000,
  );
});
