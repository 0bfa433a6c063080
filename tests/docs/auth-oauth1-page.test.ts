import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript, runSample } from "../support/samples";

// The OAuth 1.0a / OpenID reference page's two samples (Twitter against a test provider, OpenID
// against a test provider) run and print what their comments say, in both languages.

jest.setTimeout(60_000);

const samples = ["en", "tr"].flatMap((language) =>
  codeBlocks(readFileSync(join(ROOT, "docs", language, "auth-oauth1.md"), "utf8"))
    .filter(isTypeScript)
    .map((block, i) => [language, i, block.code] as const),
);

test("each language has the Twitter and the OpenID sample", () => {
  expect(samples.map(([language, i]) => `${language}${i}`)).toEqual(["en0", "en1", "tr0", "tr1"]);
});

test.each(samples)("docs/%s/auth-oauth1.md: sample %i prints what its comments promise", (language, i, code) => {
  const promised = [...code.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised.length).toBeGreaterThanOrEqual(4);
  expect(runSample("auth-oauth1-page", `${language}-${i}`, code)).toEqual(promised);
});
