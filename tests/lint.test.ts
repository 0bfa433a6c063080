import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./support/process";

// `npm test` holds the tree to its lint rules (eslint.config.mjs, which says why each choice
// beyond typescript-eslint's recommended set was made) and to Prettier's formatting
// (.prettierrc.json; .prettierignore leaves out prose and templates). `npm run lint` runs the same.

const run = promisify(execFile);

/** How a tool in node_modules/.bin exited, and all it printed (a tool that cannot run is a failure too). */
async function outcomeOf(tool: string, args: string[]): Promise<{ code: number; output: string }> {
  return run(join(ROOT, "node_modules", ".bin", tool), args, { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, output: (stdout + stderr).trim() }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: (error.stdout + error.stderr).trim(),
    }),
  );
}

test("eslint reports nothing on the whole tree", async () => {
  expect(await outcomeOf("eslint", ["--max-warnings", "0", "."])).toEqual({ code: 0, output: "" });
}, 120_000);

test("every file is formatted as Prettier formats it", async () => {
  expect(await outcomeOf("prettier", ["--list-different", "."])).toEqual({ code: 0, output: "" });
}, 120_000);
