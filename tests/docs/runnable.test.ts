import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testing } from "../../src";
import { freePort, ProgramOutput, ROOT, startProgram, stopProgram } from "../support/process";
import { isTypeScript } from "../support/samples";
import { docsPages } from "./tutorial";

// A reader retypes every sample and runs it. So each TypeScript sample that is not a file of
// docs/code either says in its first line that it is a piece (`// Fragment`, `// Parça`) or a
// test file (`// Test file`, `// Test dosyası`), or it runs as shown: it listens and prints the
// address to open, which then answers (or, without a server, prints its result and exits).

jest.setTimeout(120_000);

const MARKED = /^\/\/ (Fragment|Parça|Test file|Test dosyası):/;

const samples = docsPages().flatMap((page) =>
  page.blocks.filter((b) => isTypeScript(b) && b.file === null).map((b) => ({ page: page.path, code: b.code })),
);
const runnable = samples.filter((s) => !MARKED.test(s.code));
const dir = join(ROOT, "tests", ".samples", "runnable");
const children: ChildProcess[] = [];

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});
afterAll(() => Promise.all(children.map((child) => stopProgram(child))));

test("every sample is marked as a fragment or a test file, or listens and prints its address", () => {
  expect(runnable.length).toBeGreaterThanOrEqual(10);
  for (const { page, code } of runnable) {
    const listens = /\.listen\(/.test(code);
    const prints = listens
      ? /console\.log\([^\n]*(https?|ws):\/\/localhost:8888/.test(code)
      : /console\.log\(/.test(code);
    expect({ page, code, prints }).toEqual({ page, code, prints: true });
    if (listens)
      expect({ page, code, loop: code.includes("IOLoop.current().start()") }).toEqual({ page, code, loop: true });
  }
});

test.each(runnable.map((s, i) => [i, s.page, s.code] as const))(
  "sample %i of %s runs as shown",
  async (i, _page, code) => {
    const port = await freePort();
    const file = join(dir, `sample-${i}.ts`);
    writeFileSync(file, code.replaceAll("8888", String(port)));
    const child = startProgram(join("tests", ".samples", "runnable", `sample-${i}.ts`));
    children.push(child);
    const output = new ProgramOutput(child);
    if (!/\.listen\(/.test(code)) {
      const code_ = await new Promise((resolve) => child.once("exit", resolve));
      expect({ exit: code_, output: output.text }).toEqual({ exit: 0, output: expect.stringMatching(/\S/) });
      return;
    }
    await output.waitFor(new RegExp(`(https?|ws)://localhost:${port}`), 15_000);
    const url = output.text.match(new RegExp(`(?:https?|ws)://localhost:${port}[^\\s"]*`))![0].replace(/^ws/, "http");
    const response = await testing.fetch(url.replace("localhost", "127.0.0.1"));
    // A WebSocket address asked for over plain HTTP answers 400, as chapter 5 explains.
    expect([200, 400]).toContain(response.code);
    await stopProgram(child);
  },
);
