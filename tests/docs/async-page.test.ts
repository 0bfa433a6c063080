import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript, runSample, typeCheck } from "../support/samples";

// The async reference page (concurrent, gen, locks, queues): its first sample runs and prints
// what its comments say, its long-poll handler type-checks, in both languages.

jest.setTimeout(60_000);

function samples(language: string): string[] {
  const page = readFileSync(join(ROOT, "docs", language, "async.md"), "utf8");
  return codeBlocks(page)
    .filter(isTypeScript)
    .map((block) => block.code);
}

test.each(["en", "tr"])("docs/%s/async.md: the sample prints what its comments promise", (language) => {
  const sample = samples(language)[0];
  const promised = [...sample.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised).toHaveLength(7);
  expect(runSample("async-page", language, sample)).toEqual(promised);
});

test("docs/*/async.md: the long-poll handler type-checks", () => {
  const handlers = ["en", "tr"].map((language) => ({ name: `${language}-long-poll.ts`, code: samples(language)[1] }));
  expect(typeCheck("async-page-types", handlers)).toBe("");
});
