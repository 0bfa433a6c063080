/** The list of known differences stays true to the documents it points to. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DELIBERATE_DIFFERENCES } from "./deliberate";
import { ROOT } from "../support/process";

/** The first cell of each row in docs/porting.md's "Deliberate differences" table. */
function deliberateRows(): string[] {
  const porting = readFileSync(join(ROOT, "docs", "porting.md"), "utf8");
  const section = porting.slice(porting.indexOf("## Deliberate differences"));
  const table = section.slice(0, section.indexOf("\n## ") < 0 ? undefined : section.indexOf("\n## "));
  return table
    .split("\n")
    .filter((line) => line.startsWith("| "))
    .map((line) => line.slice(2, line.indexOf(" |", 2)));
}

test("every deliberate difference names its row in porting.md's deliberate differences table", () => {
  const rows = deliberateRows();
  const missing = DELIBERATE_DIFFERENCES.filter((d) => !rows.includes(d.row)).map((d) => `${d.case}: ${d.row}`);
  expect(missing).toEqual([]);
});

test("no case is listed twice", () => {
  const cases = DELIBERATE_DIFFERENCES.map((d) => d.case);
  expect(cases.filter((id, i) => cases.indexOf(id) !== i)).toEqual([]);
});
