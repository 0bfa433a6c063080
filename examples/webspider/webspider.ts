/**
 * Tornado's web spider demo (`demos/webspider/webspider.py`): fetches `--base_url`, then every
 * page linked from it that lies beneath it, each once, with `--concurrency` workers taking URLs
 * from a `queues.Queue`. Prints `fetching URL` and `fetched URL` for each page, `Exception: ...`
 * for each that fails (a 404, a refused connection), and a summary once the queue is drained
 * (`q.join()`; after `--timeout` seconds it gives up, prints `TimeoutError: ...` and exits with 1).
 *
 *   npx tsx examples/webspider/webspider.ts [--base_url=https://www.tornadoweb.org/en/stable/] [--concurrency=10] [--timeout=300]
 */
import { gen } from "tornado-ts";
import { AsyncHTTPClient } from "tornado-ts/httpclient";
import { define, options, parse_command_line } from "tornado-ts/options";
import { Queue } from "tornado-ts/queues";

define("base_url", {
  default: "http://www.tornadoweb.org/en/stable/",
  help: "where to start; only URLs beneath it are followed",
});
define("concurrency", { default: 10, help: "how many pages are fetched at once", type: "int" });
define("timeout", { default: 300, help: "seconds to wait for the whole crawl", type: "int" });

/**
 * The `href` of every `<a>` start tag in `html`, in document order, entities `&amp;` decoded.
 * A small tokenizer in the spirit of the demo's `HTMLParser`: comments and `<script>`/`<style>`
 * bodies are skipped, attribute values may be double-, single- or unquoted.
 */
export function get_links(html: string): string[] {
  const text = html.replace(/<!--[\s\S]*?-->/g, "").replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
  const links: string[] = [];
  for (const tag of text.matchAll(/<a\s([^>]*)>/gi)) {
    const href = /(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(tag[1]);
    const value = href?.[1] ?? href?.[2] ?? href?.[3];
    if (value) links.push(decode_entities(value));
  }
  return links;
}

function decode_entities(value: string): string {
  return value
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** `url` without its `#fragment` (Python's `urldefrag`). */
function remove_fragment(url: string): string {
  const hash = url.indexOf("#");
  return hash < 0 ? url : url.slice(0, hash);
}

/** `link` made absolute against `base` (Python's `urljoin`); null when it is not a URL. */
function url_join(base: string, link: string): string | null {
  try {
    return new URL(link, base).href;
  } catch {
    return null;
  }
}

/**
 * Downloads the page at `url` and returns its links, made absolute and without fragments.
 * Raises `HTTPClientError` for a non-2xx answer, as the client's `fetch` does.
 */
async function get_links_from_url(client: AsyncHTTPClient, url: string): Promise<string[]> {
  const response = await client.fetch(url);
  console.log(`fetched ${url}`);
  const html = response.body.toString("utf8");
  const links: string[] = [];
  for (const link of get_links(html)) {
    const absolute = url_join(url, remove_fragment(link));
    if (absolute !== null) links.push(absolute);
  }
  return links;
}

/** Crawls from `base_url`; resolves once every page found has been fetched or has failed. */
async function main(): Promise<void> {
  parse_command_line();
  const base_url: string = options.base_url;
  const concurrency: number = options.concurrency;
  const client = new AsyncHTTPClient();
  const q = new Queue<string | null>();
  const start = Date.now();
  const fetching = new Set<string>();
  const fetched = new Set<string>();
  const dead = new Set<string>();

  async function fetch_url(current_url: string): Promise<void> {
    if (fetching.has(current_url)) return;
    console.log(`fetching ${current_url}`);
    fetching.add(current_url);
    const urls = await get_links_from_url(client, current_url);
    fetched.add(current_url);
    // Only follow links beneath the base URL.
    for (const new_url of urls) if (new_url.startsWith(base_url)) await q.put(new_url);
  }

  async function worker(): Promise<void> {
    for await (const url of q) {
      if (url === null) return;
      try {
        await fetch_url(url);
      } catch (err) {
        console.log(`Exception: ${err instanceof Error ? err.message : String(err)} ${url}`);
        dead.add(url);
      } finally {
        q.task_done();
      }
    }
  }

  await q.put(base_url);
  // Start the workers, then wait for the work queue to be empty.
  const workers = gen.multi(Array.from({ length: concurrency }, () => worker()));
  await q.join({ seconds: options.timeout });
  if (fetching.size !== fetched.size + dead.size) throw new Error("some URLs were neither fetched nor dead");
  console.log(`Done in ${Math.floor((Date.now() - start) / 1000)} seconds, fetched ${fetched.size} URLs.`);
  console.log(`Unable to fetch ${dead.size} URLs.`);
  // Signal all the workers to exit.
  for (let i = 0; i < concurrency; i++) await q.put(null);
  await workers;
  client.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // As the demo's `asyncio.run`, an error (the join's TimeoutError) ends the crawl: the
    // fetches still in flight are dropped with the process.
    console.error(`${err instanceof Error ? err.name : "Error"}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
