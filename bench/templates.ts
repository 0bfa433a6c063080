/**
 * The template scenario of `npm run bench`, measured in process: one page (a title plus 100 rows of
 * three escaped fields and one `if`) in each engine's syntax, rendered by tornado-ts's `template`
 * module, EJS, Eta, Handlebars and Nunjucks. Engines are interleaved sample by sample; each sample
 * times enough renders to last about `--sample-ms` and gives µs per render. Prints one JSON line:
 * `{ engine: { us: number[], html: string } }` (the runner checks that every engine's HTML matches
 * and takes the medians). Python Tornado's side is bench/templates_py.py, on the same data.
 *
 * The fields hold `<`, `>` and `&` but no quotes: the engines spell an escaped `"` or `'`
 * differently (`&quot;`, `&#34;`, `&#39;`, `&#x27;`), and the page is meant to be the same bytes.
 */
import ejs from "ejs";
import { Eta } from "eta";
import Handlebars from "handlebars";
import nunjucks from "nunjucks";
import { template } from "../src";

interface RowData {
  name: string;
  email: string;
  note: string;
  active: boolean;
}

/** The page's data, also written by bench/templates_py.py (same rule, so the same page). */
export function pageData(): { title: string; rows: RowData[] } {
  const rows: RowData[] = [];
  for (let i = 0; i < 100; i++) {
    rows.push({
      name: `user <${i}> & co`,
      email: `u${i}@example.com`,
      note: `note ${i} > ${i - 1} & more`,
      active: i % 3 === 0,
    });
  }
  return { title: "Orders & <returns>", rows };
}

/** The same page in each engine's syntax. */
export const SOURCES = {
  "tornado-ts":
    "<html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><table>\n" +
    "{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.email }}</td><td>{{ row.note }}</td>" +
    '{% if row.active %}<td class="on">active</td>{% end %}</tr>\n{% end %}</table></body></html>\n',
  ejs:
    "<html><head><title><%= title %></title></head><body><h1><%= title %></h1><table>\n" +
    "<% for (const row of rows) { %><tr><td><%= row.name %></td><td><%= row.email %></td><td><%= row.note %></td>" +
    '<% if (row.active) { %><td class="on">active</td><% } %></tr>\n<% } %></table></body></html>\n',
  eta:
    "<html><head><title><%= it.title %></title></head><body><h1><%= it.title %></h1><table>\n" +
    "<% for (const row of it.rows) { %><tr><td><%= row.name %></td><td><%= row.email %></td><td><%= row.note %></td>" +
    '<% if (row.active) { %><td class="on">active</td><% } %></tr>\n<% } %></table></body></html>\n',
  handlebars:
    "<html><head><title>{{title}}</title></head><body><h1>{{title}}</h1><table>\n" +
    "{{#each rows}}<tr><td>{{name}}</td><td>{{email}}</td><td>{{note}}</td>" +
    '{{#if active}}<td class="on">active</td>{{/if}}</tr>\n{{/each}}</table></body></html>\n',
  nunjucks:
    "<html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><table>\n" +
    "{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.email }}</td><td>{{ row.note }}</td>" +
    '{% if row.active %}<td class="on">active</td>{% endif %}</tr>\n{% endfor %}</table></body></html>\n',
};

type Render = () => string | Buffer;

/** Each engine compiled once, as an application would hold it; rendering is what is timed. */
function renderers(data: ReturnType<typeof pageData>): Record<string, Render> {
  const tt = new template.Template(SOURCES["tornado-ts"], { name: "page.html" });
  const ejsFn = ejs.compile(SOURCES.ejs);
  const eta = new Eta({ autoEscape: true, useWith: false });
  const etaFn = eta.compile(SOURCES.eta);
  const hbs = Handlebars.compile(SOURCES.handlebars);
  const nenv = new nunjucks.Environment(null, { autoescape: true });
  const nj = nunjucks.compile(SOURCES.nunjucks, nenv);
  return {
    // generate() returns the UTF-8 bytes a handler writes; the others return a string.
    "tornado-ts": () => tt.generate(data),
    ejs: () => ejsFn(data),
    eta: () => etaFn.call(eta, data),
    handlebars: () => hbs(data),
    nunjucks: () => nj.render(data),
  };
}

/** µs per render over about `ms` milliseconds of renders. */
function sample(render: Render, ms: number): number {
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

function main(): void {
  const at = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const samples = at("--samples", 5);
  const sampleMs = at("--sample-ms", 200);
  const engines = renderers(pageData());
  const out: Record<string, { us: number[]; html: string }> = {};
  for (const [name, render] of Object.entries(engines)) {
    out[name] = { us: [], html: render().toString() };
    sample(render, sampleMs); // warm-up: let the JIT settle before the timed samples
  }
  for (let s = 0; s < samples; s++) {
    for (const [name, render] of Object.entries(engines)) out[name].us.push(sample(render, sampleMs));
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

if (require.main === module) main();
