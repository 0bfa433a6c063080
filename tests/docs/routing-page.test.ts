import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript } from "../support/samples";

// The routing reference page's sample runs and prints what its comments say, in both languages.

jest.setTimeout(60_000);

test.each(["en", "tr"])("docs/%s/routing.md: the sample prints what its comments promise", (language) => {
  const sample = codeBlocks(readFileSync(join(ROOT, "docs", language, "routing.md"), "utf8")).find(isTypeScript)!.code;
  const promised = [...sample.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised).toHaveLength(5);
  const dir = join(ROOT, "tests", ".samples", "routing-page");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${language}.ts`), sample);
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(dir, `${language}.ts`)], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(output.trimEnd().split("\n")).toEqual(promised);
});
