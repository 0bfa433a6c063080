import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, isTypeScript, runSample } from "../support/samples";

// The template chapter's UI modules sample runs and prints what its comments say, in both languages.

jest.setTimeout(60_000);

test.each(["en", "tr"])(
  "docs/%s/03-templates.md: the UI modules sample prints what its comments promise",
  (language) => {
    const page = readFileSync(join(ROOT, "docs", language, "03-templates.md"), "utf8");
    const sample = codeBlocks(page).find((b) => isTypeScript(b) && b.code.includes("web.UIModule"))!.code;
    const promised = [...sample.matchAll(/^ *console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(promised).toHaveLength(3);
    expect(runSample("templates-ui-page", language, sample)).toEqual(promised);
  },
);
