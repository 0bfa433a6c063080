import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { ROOT, ProgramOutput, stopProgram } from "./support/process";

function program(version: string): string {
  return `import { log, web } from ${JSON.stringify(join(ROOT, "src"))};
log.enable_pretty_logging();
new web.Application([], { debug: true });
console.log("started " + process.pid + " ${version}");
setInterval(() => undefined, 1000);
`;
}

test("debug (autoreload) restarts the program when one of its source files changes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tornado-autoreload-"));
  const file = join(dir, "app.ts");
  writeFileSync(file, program("v1"));
  const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [file], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = new ProgramOutput(child);
  try {
    await output.waitFor(/started \d+ v1/, 15000);
    writeFileSync(file, program("v2"));
    await output.waitFor(/started \d+ v2/, 15000);
    const pids = [...output.text.matchAll(/started (\d+)/g)].map((m) => m[1]);
    expect(new Set(pids).size).toBe(2);
    // An INFO line of tornado.general, printed because the program called enable_pretty_logging().
    expect(output.text).toMatch(/\[I \d{6} [\d:]{8} tornado\.general\] \S*app\.ts modified; restarting server/);
  } finally {
    await stopProgram(child);
    rmSync(dir, { recursive: true, force: true });
  }
}, 40000);
