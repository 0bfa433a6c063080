import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testing } from "../../src";
import { fetchWhenUp, freePort, ProgramOutput, ROOT, stopProgram } from "../support/process";
import { CODE_DIR, docsPages, LANGUAGES } from "./tutorial";

// A reader's own project, made with the tutorial's commands exactly as they are written, against
// today's npm registry: a new major version of TypeScript, jest or ts-jest that breaks the
// tutorial breaks this test first. One project serves every chapter (one install, ~1 min with a
// warm npm cache). The folder the reader cloned into is played by `tornado-ts/` next to
// `hello/`: the package.json and a fresh build of this checkout, with its node_modules.

jest.setTimeout(300_000);

const pages = docsPages();
const shell = (language: string, chapter: string) =>
  pages
    .find((p) => p.path === `docs/${language}/${chapter}.md`)!
    .blocks.filter((b) => b.lang === "sh")
    .map((b) => b.code);

/** The chapter 1 block that makes the reader's project, and chapter 7's that adds jest. */
const PROJECT = shell("en", "01-first-app").find((code) => code.startsWith("mkdir hello"))!;
const JEST = shell("en", "07-testing").find((code) => code.includes("ts-jest"))!;

let scratch: string;
let hello: string;
const children: ChildProcess[] = [];

function sh(script: string, cwd: string): string {
  return execFileSync("bash", ["-euo", "pipefail", "-c", script], {
    cwd,
    encoding: "utf8",
    stdio: "pipe",
    env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" },
  });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "tornado-ts-reader-"));
  const clone = join(scratch, "tornado-ts");
  mkdirSync(clone);
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  delete manifest.scripts; // built below; the reader's `npm install` in the clone built it
  writeFileSync(join(clone, "package.json"), JSON.stringify(manifest, null, 2));
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
  execFileSync(
    join(ROOT, "node_modules", ".bin", "tsc"),
    ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(clone, "dist")],
    { stdio: "pipe" },
  );
  sh(PROJECT, scratch);
  hello = join(scratch, "hello");
  sh(JEST, hello);
}, 300_000);

afterAll(async () => {
  await Promise.all(children.map((child) => stopProgram(child)));
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

test("the Turkish chapters give the same commands as the English ones", () => {
  for (const chapter of ["01-first-app", "07-testing", "08-deploying"]) {
    expect(shell("tr", chapter)).toEqual(shell("en", chapter));
  }
  expect(LANGUAGES).toEqual(["en", "tr"]);
});

test("chapter 1 pins TypeScript 5, which ts-jest accepts", () => {
  expect(PROJECT).toContain("typescript@5 ");
  const installed = JSON.parse(readFileSync(join(hello, "node_modules", "typescript", "package.json"), "utf8")).version;
  expect(installed).toMatch(/^5\./);
});

test("chapter 7's tests pass with npx jest in the reader's project", () => {
  cpSync(join(CODE_DIR, "07-testing"), hello, { recursive: true });
  const output = execFileSync("bash", ["-c", "npx jest 2>&1"], { cwd: hello, encoding: "utf8" });
  expect(output).toMatch(/Tests:\s+4 passed, 4 total/);
});

test("chapter 8: npx tsc with the chapter's tsconfig.json, then node dist/app.js answers", async () => {
  const deploy = join(hello, "deploy");
  mkdirSync(deploy);
  cpSync(join(CODE_DIR, "08-deploying"), deploy, { recursive: true });
  const commands = shell("en", "08-deploying").find((code) => code.includes("npx tsc"))!;
  expect(commands).toBe("npx tsc\nnode dist/app.js\n");
  sh("npx tsc", deploy);
  const port = await freePort();
  const child = spawn("node", ["dist/app.js"], {
    cwd: deploy,
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const output = new ProgramOutput(child);
  const response = await fetchWhenUp(`http://127.0.0.1:${port}/`);
  expect([response.code, response.text]).toEqual([200, expect.stringMatching(/^Hello from process \d+;/)]);
  await output.waitFor(/200 GET \/ \(127\.0\.0\.1\)/);
  expect((await testing.fetch(`http://127.0.0.1:${port}/nothing`)).code).toBe(404);
});

test("chapter 8's systemd unit runs the compiled program with node", () => {
  for (const language of LANGUAGES) {
    const unit = pages
      .find((p) => p.path === `docs/${language}/08-deploying.md`)!
      .blocks.find((b) => b.lang === "ini")!.code;
    expect(unit.match(/^ExecStart=.*$/m)![0]).toBe("ExecStart=/usr/bin/node dist/app.js");
  }
  const config = JSON.parse(readFileSync(join(CODE_DIR, "08-deploying", "tsconfig.json"), "utf8"));
  expect(config.compilerOptions).toMatchObject({ target: "ES2022", outDir: "dist" });
});
