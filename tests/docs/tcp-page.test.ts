import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript, runSample } from "../support/samples";

// The TCP reference page's sample runs over loopback and prints what its comments say, in both languages.

jest.setTimeout(60_000);

test.each(["en", "tr"])("docs/%s/tcp.md: the sample prints what its comments promise", (language) => {
  const sample = codeBlocks(readFileSync(join(ROOT, "docs", language, "tcp.md"), "utf8")).find(isTypeScript)!.code;
  const promised = [...sample.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised).toHaveLength(3);
  expect(runSample("tcp-page", language, sample)).toEqual(promised);
});
