import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript, runSample, typeCheck } from "../support/samples";

// The auth reference page's two programs (a Google login and a Facebook login, each against a
// stand-in provider it starts) run and print what their comments say, in both languages; the
// fragments type-check.

jest.setTimeout(60_000);

const FRAGMENT = /^\/\/ (Fragment|Parça):/;

function blocksOf(language: string) {
  return codeBlocks(readFileSync(join(ROOT, "docs", language, "auth.md"), "utf8")).filter(isTypeScript);
}

describe.each(["en", "tr"])("docs/%s/auth.md", (language) => {
  const programs = blocksOf(language).filter((block) => !FRAGMENT.test(block.code));

  test("has the Google and the Facebook program", () => {
    expect(programs).toHaveLength(2);
  });

  test.each([0, 1])("program %i prints what its comments promise", (index) => {
    const sample = programs[index].code;
    const promised = [...sample.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(promised.length).toBeGreaterThanOrEqual(3);
    expect(runSample("auth-page", `${language}-${index}`, sample)).toEqual(promised);
  });

  test("every sample, fragments included, type-checks", () => {
    const samples = blocksOf(language).map((block, i) => ({ name: `${language}-${i}.ts`, code: block.code }));
    expect(typeCheck(`auth-page-${language}`, samples)).toBe("");
  });
});
