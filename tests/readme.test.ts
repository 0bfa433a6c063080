import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, freePort, fetchWhenUp, startProgram, stopProgram } from "./support/process";
import { template } from "../src";

/** Every ```ts block of the README, in order. */
function readmeSamples(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const SAMPLES_DIR = join(ROOT, "tests", ".samples");

beforeAll(() => {
  rmSync(SAMPLES_DIR, { recursive: true, force: true });
  mkdirSync(SAMPLES_DIR, { recursive: true });
});

test("every TypeScript sample in the README type-checks on its own", () => {
  const samples = readmeSamples();
  expect(samples.length).toBeGreaterThanOrEqual(4);
  const files = samples.map((code, i) => {
    const file = join(SAMPLES_DIR, `readme-${i}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    return file;
  });
  const config = {
    extends: "../../tsconfig.json",
    compilerOptions: { noEmit: true, noUnusedLocals: false, isolatedModules: true },
    include: [],
    files: files.map((f) => f.slice(SAMPLES_DIR.length + 1)),
  };
  writeFileSync(join(SAMPLES_DIR, "tsconfig.json"), JSON.stringify(config));
  let output = "";
  try {
    execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", SAMPLES_DIR], { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(output).toBe("");
});

test("the README's hello-world runs and answers (on a free port instead of 8888)", async () => {
  const [hello] = readmeSamples();
  const port = await freePort();
  const file = join("tests", ".samples", "readme-hello.ts");
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
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const [page] = [...readme.matchAll(/```html\n([\s\S]*?)```/g)].map((m) => m[1]);
  const loader = new template.DictLoader({ "page.html": page, "base.html": "<main>{% block body %}{% end %}</main>" });
  const html = loader
    .load("page.html")
    .generate({ name: "<script>", items: ["one", "two"], static_url: (path: string) => `/static/${path}?v=1` })
    .toString();
  expect(html).toContain("<h1>Hello, &lt;script&gt;</h1>");
  expect(html).toContain("<li>one</li><li>two</li>");
  expect(html).toContain('<img src="/static/logo.png?v=1">');
});
