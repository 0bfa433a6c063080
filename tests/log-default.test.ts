import type { ChildProcess } from "node:child_process";
import { testing } from "../src";
import { ProgramOutput, startProgram, stopProgram } from "./support/process";

// Tornado's logging default, over real sockets: a server that never calls
// enable_pretty_logging() prints no access line for a 200, and its warnings and errors reach
// stderr as bare messages (Python's logging.lastResort); once it calls it, every line is
// Tornado's `[L yymmdd HH:MM:SS logger] message`.

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stopProgram(child)));
});

/** Starts tests/fixtures/log-app.ts; resolves with its base URL and what it writes on stderr. */
async function start(
  pretty: boolean,
): Promise<{ base: string; stderr: () => string; wait: (p: RegExp) => Promise<void> }> {
  const child = startProgram("tests/fixtures/log-app.ts", [], { PRETTY_LOGGING: pretty ? "1" : "0" });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const output = new ProgramOutput(child);
  await output.waitFor(/listening \d+/, 15000);
  const port = Number(/listening (\d+)/.exec(output.text)![1]);
  return { base: `http://127.0.0.1:${port}`, stderr: () => stderr, wait: (p) => output.waitFor(p) };
}

const get = (url: string) => testing.fetch(url);

test("without enable_pretty_logging a 200 prints nothing and a 404 prints its bare warning", async () => {
  const { base, stderr, wait } = await start(false);
  expect((await get(`${base}/`)).code).toBe(200);
  expect((await get(`${base}/missing`)).code).toBe(404);
  // The 404's line is written after the 200's would have been, on the same stream.
  await wait(/^404 GET \/missing \(127\.0\.0\.1\) [\d.]+ms$/m);
  expect(stderr()).toMatch(/^404 GET \/missing \(127\.0\.0\.1\) [\d.]+ms\n$/);
});

test("without enable_pretty_logging a handler's warning and a 500's error are bare, with the stack", async () => {
  const { base, stderr, wait } = await start(false);
  expect((await get(`${base}/forbidden`)).code).toBe(403);
  expect((await get(`${base}/fail`)).code).toBe(500);
  await wait(/^500 GET \/fail \(127\.0\.0\.1\) [\d.]+ms$/m);
  const lines = stderr().split("\n");
  expect(lines[0]).toBe("403 GET /forbidden (127.0.0.1): not for you");
  expect(lines[1]).toMatch(/^403 GET \/forbidden \(127\.0\.0\.1\) [\d.]+ms$/);
  expect(lines[2]).toBe("Uncaught exception GET /fail (127.0.0.1)");
  expect(stderr()).toMatch(/\nError: boom\n {4}at /);
  expect(stderr()).not.toMatch(/\[[DIWEC] \d{6}|\x1b\[/);
});

test("after enable_pretty_logging every record is a Tornado line, the 200 included", async () => {
  const { base, stderr, wait } = await start(true);
  expect((await get(`${base}/`)).code).toBe(200);
  expect((await get(`${base}/missing`)).code).toBe(404);
  expect((await get(`${base}/fail`)).code).toBe(500);
  await wait(/tornado\.access\] 500 GET \/fail/);
  const prefix = (level: string, name: string) => `^\\[${level} \\d{6} \\d{2}:\\d{2}:\\d{2} ${name}\\] `;
  expect(stderr()).toMatch(
    new RegExp(`${prefix("I", "tornado\\.access")}200 GET / \\(127\\.0\\.0\\.1\\) [\\d.]+ms$`, "m"),
  );
  expect(stderr()).toMatch(new RegExp(`${prefix("W", "tornado\\.access")}404 GET /missing`, "m"));
  expect(stderr()).toMatch(new RegExp(`${prefix("E", "tornado\\.application")}Uncaught exception GET /fail`, "m"));
  expect(stderr()).toMatch(new RegExp(`${prefix("E", "tornado\\.access")}500 GET /fail`, "m"));
});
