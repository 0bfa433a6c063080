import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./support/process";

test("the whole project (src, tests, examples, bench) type-checks under strict mode", () => {
  const tsc = join(ROOT, "node_modules", ".bin", "tsc");
  let output = "";
  try {
    execFileSync(tsc, ["--noEmit", "-p", join(ROOT, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(output).toBe("");
});
