/**
 * In-process cost of rendering a mid-sized template with five variables:
 * `tsx bench/template-render.ts [--samples 7] [--sample-ms 300]`. Prints µs per render (median of
 * the samples) for: `Template.generate` with the same kwargs each time; `generate` with one extra,
 * unreferenced kwarg whose name changes every call (callers that pass varied extra names); and
 * `RequestHandler.render_string` (the handler's template namespace plus the same template), on one
 * handler and on a new handler each time, as one render per request does; and `render_string` of
 * a one-line template, where the namespace's own cost shows most. A
 * working tool for issue 13's render() items; the figures of record come from `npm run bench`.
 */
import { web, httputil, template } from "../src";

const PAGE =
  "<html><head><title>{{ title }}</title></head><body>\n" +
  "<h1>{{ title }}</h1><p>Hello {{ user.name }}</p>\n" +
  '{% if show_items %}<ul>\n{% for item in items %}<li class="{{ item.kind }}">{{ item.label }}</li>\n{% end %}</ul>{% end %}\n' +
  "<footer>{{ footer }} &middot; {{ len(items) }} items</footer></body></html>\n";

const SMALL = "<p>Hello {{ name }} ({{ current_user }})</p>";

const KWARGS = {
  title: "Orders & <returns>",
  user: { name: "Ann <ann@example.com>" },
  items: Array.from({ length: 10 }, (_, i) => ({ kind: i % 2 ? "odd" : "even", label: `item <${i}> & co` })),
  show_items: true,
  footer: "(c) 2026",
  len: (x: unknown[]) => x.length,
};

const RESOLVED = Promise.resolve();
const sink: httputil.HTTPConnection = {
  write_headers: () => RESOLVED,
  write: () => RESOLVED,
  finish: () => {},
  set_close_callback: () => {},
};

function sample(render: () => unknown, ms: number): number {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const stop = t0 + BigInt(ms) * 1_000_000n;
  let t = t0;
  while (t < stop) {
    for (let i = 0; i < 20; i++) render();
    n += 20;
    t = process.hrtime.bigint();
  }
  return Number(t - t0) / 1000 / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function main(): void {
  const at = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const samples = at("--samples", 7);
  const sampleMs = at("--sample-ms", 300);

  const loader = new template.DictLoader({ "page.html": PAGE, "small.html": SMALL });
  const tt = loader.load("page.html");
  const app = new web.Application([], { template_loader: loader, static_path: __dirname });
  const request = new httputil.HTTPServerRequest({
    method: "GET",
    uri: "/",
    version: "HTTP/1.1",
    headers: httputil.HTTPHeaders.from_raw(["Host", "127.0.0.1:8888"]),
    remote_ip: "127.0.0.1",
    protocol: "http",
    connection: sink,
  });
  const handler = new web.RequestHandler(app, request);
  let counter = 0;
  const scenarios: Record<string, () => unknown> = {
    "generate, same kwargs": () => tt.generate(KWARGS),
    "generate, a new extra kwarg each call": () => tt.generate({ ...KWARGS, [`extra${counter++ % 1000}`]: 1 }),
    "render_string, same handler": () => handler.render_string("page.html", KWARGS),
    "render_string, a new handler each render (as per request)": () =>
      new web.RequestHandler(app, request).render_string("page.html", KWARGS),
  };
  const small = (): unknown => handler.render_string("small.html", { name: "Ann <ann@example.com>" });
  const expected = tt.generate(KWARGS).toString();
  const us: Record<string, number[]> = {};
  for (const [name, render] of Object.entries(scenarios)) {
    if (String(render()) !== expected) throw new Error(`${name}: output differs`);
    us[name] = [];
    sample(render, sampleMs);
  }
  if (String(small()) !== "<p>Hello Ann &lt;ann@example.com&gt; ()</p>") throw new Error("small: output differs");
  scenarios["render_string of a one-line template, same handler"] = small;
  us["render_string of a one-line template, same handler"] = [];
  for (let s = 0; s < samples; s++) {
    for (const [name, render] of Object.entries(scenarios)) us[name].push(sample(render, sampleMs));
  }
  for (const [name, xs] of Object.entries(us)) {
    console.log(`${name}: ${median(xs).toFixed(2)} µs per render (median of ${samples})`);
  }
}

main();
