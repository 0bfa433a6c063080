import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./support/process";

// `npm test` holds the tree to its lint rules (eslint.config.mjs, which says why each choice
// beyond typescript-eslint's recommended set was made) and to Prettier's formatting
// (.prettierrc.json; .prettierignore leaves out prose and templates). `npm run lint` runs the same.

const run = promisify(execFile);
const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);

test("eslint reports nothing on the whole tree", async () => {
  const { stdout } = await run(bin("eslint"), ["--max-warnings", "0", "--format", "unix", "."], { cwd: ROOT }).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  expect(stdout.trim()).toBe("");
}, 120_000);

test("every file is formatted as Prettier formats it", async () => {
  const { stdout } = await run(bin("prettier"), ["--list-different", "."], { cwd: ROOT }).catch(
    (error: { stdout: string }) => ({ stdout: error.stdout }),
  );
  expect(stdout.trim().split("\n").filter(Boolean)).toEqual([]);
}, 120_000);
