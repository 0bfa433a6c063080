import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript, runSample } from "../support/samples";

// The locale reference page's samples (the first, and the one of "In handlers and templates")
// print what their comments say, in both languages.

jest.setTimeout(60_000);

test.each(["en", "tr"])("docs/%s/locale.md: the sample prints what its comments promise", (language) => {
  const sample = codeBlocks(readFileSync(join(ROOT, "docs", language, "locale.md"), "utf8")).find(isTypeScript)!.code;
  const promised = [...sample.matchAll(/^console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised.length).toBeGreaterThanOrEqual(5);
  expect(runSample("locale-page", language, sample)).toEqual(promised);
});

test.each(["en", "tr"])("docs/%s/locale.md: the handlers and templates sample prints what it promises", (language) => {
  const markdown = readFileSync(join(ROOT, "docs", language, "locale.md"), "utf8");
  const sample = codeBlocks(markdown)
    .filter(isTypeScript)
    .find((block) => block.code.includes("get_user_locale"))!.code;
  const promised = [...sample.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised).toHaveLength(4);
  expect(runSample("locale-page", `${language}-handlers`, sample)).toEqual(promised);
});
