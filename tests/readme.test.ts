import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, freePort, fetchWhenUp, startProgram, stopProgram } from "./support/process";
import { codeBlocks, isTypeScript, typeCheck } from "./support/samples";
import { template, testing } from "../src";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** Every ```ts block of the README, in order. */
function readmeSamples(): string[] {
  return codeBlocks(readme)
    .filter(isTypeScript)
    .map((block) => block.code);
}

test("every TypeScript sample in the README type-checks on its own", () => {
  const samples = readmeSamples();
  expect(samples.length).toBeGreaterThanOrEqual(4);
  expect(
    typeCheck(
      "readme",
      samples.map((code, i) => ({ name: `readme-${i}.ts`, code })),
    ),
  ).toBe("");
});

test("the README's hello-world runs and answers (on a free port instead of 8888)", async () => {
  const [hello] = readmeSamples();
  const port = await freePort();
  const file = join("tests", ".samples", "readme-run", "hello.ts");
  mkdirSync(join(ROOT, "tests", ".samples", "readme-run"), { recursive: true });
  writeFileSync(join(ROOT, file), hello.replace("8888", String(port)));
  const child = startProgram(file);
  try {
    const response = await fetchWhenUp(`http://127.0.0.1:${port}/`);
    expect(response.text).toBe("Hello, world");
  } finally {
    await stopProgram(child);
  }
});

test("the README's template sample renders, escaping its argument", () => {
  const [page] = codeBlocks(readme)
    .filter((block) => block.lang === "html")
    .map((block) => block.code);
  const loader = new template.DictLoader({ "page.html": page, "base.html": "<main>{% block body %}{% end %}</main>" });
  const html = loader
    .load("page.html")
    .generate({ name: "<script>", items: ["one", "two"], static_url: (path: string) => `/static/${path}?v=1` })
    .toString();
  expect(html).toContain("<h1>Hello, &lt;script&gt;</h1>");
  expect(html).toContain("<li>one</li><li>two</li>");
  expect(html).toContain('<img src="/static/logo.png?v=1">');
});

test("the README's open-internet sample runs: a URI over its max_uri_size gets 414, a normal request its answer", async () => {
  const sample = readmeSamples().find((code) => code.includes("max_uri_size"))!;
  const port = await freePort();
  mkdirSync(join(ROOT, "tests", ".samples", "readme-run"), { recursive: true });
  const file = join("tests", ".samples", "readme-run", "limits.ts");
  writeFileSync(join(ROOT, file), sample.replaceAll("8888", String(port)));
  const child = startProgram(file);
  try {
    expect((await fetchWhenUp(`http://127.0.0.1:${port}/`)).text).toBe("Hello, world");
    const long = await testing.fetch(`http://127.0.0.1:${port}/?q=${"a".repeat(5000)}`);
    expect(long.code).toBe(414);
  } finally {
    await stopProgram(child);
  }
});
