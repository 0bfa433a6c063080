import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript } from "../support/samples";

// The locale reference page's samples (the first, and the one of "In handlers and templates")
// print what their comments say, in both languages.

jest.setTimeout(60_000);

test.each(["en", "tr"])("docs/%s/locale.md: the sample prints what its comments promise", (language) => {
  const sample = codeBlocks(readFileSync(join(ROOT, "docs", language, "locale.md"), "utf8")).find(isTypeScript)!.code;
  const promised = [...sample.matchAll(/^console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised.length).toBeGreaterThanOrEqual(5);
  const dir = join(ROOT, "tests", ".samples", "locale-page");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${language}.ts`), sample);
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(dir, `${language}.ts`)], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(output.trimEnd().split("\n")).toEqual(promised);
});

test.each(["en", "tr"])("docs/%s/locale.md: the handlers and templates sample prints what it promises", (language) => {
  const markdown = readFileSync(join(ROOT, "docs", language, "locale.md"), "utf8");
  const sample = codeBlocks(markdown)
    .filter(isTypeScript)
    .find((block) => block.code.includes("get_user_locale"))!.code;
  const promised = [...sample.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised).toHaveLength(4);
  const dir = join(ROOT, "tests", ".samples", "locale-page");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${language}-handlers.ts`), sample);
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(dir, `${language}-handlers.ts`)], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(output.trimEnd().split("\n")).toEqual(promised);
});
