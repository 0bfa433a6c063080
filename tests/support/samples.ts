import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./process";

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** The fence's language tag (`ts`, `html`, `sh`, ...), "" when it has none. */
  lang: string;
  /** The block's text, ending with a newline. */
  code: string;
  /** The file it shows, from a `<!-- file: path -->` line just above the fence; null when there is none. */
  file: string | null;
}

/** Every fenced code block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const fence = /(?:<!-- file: (\S+) -->\n)?```(\w*)\n([\s\S]*?)^```$/gm;
  return [...markdown.matchAll(fence)].map((m) => ({ lang: m[2], code: m[3], file: m[1] ?? null }));
}

/** True for blocks tagged `ts` or `typescript`. */
export function isTypeScript(block: CodeBlock): boolean {
  return block.lang === "ts" || block.lang === "typescript";
}

/** A sample to type-check: its text, and a file name (unique within one `typeCheck` call). */
export interface Sample {
  name: string;
  code: string;
}

/**
 * Type-checks `samples`, each as its own module, together with the project files `extraFiles`
 * (paths from the repository root), in one tsc run under the project's tsconfig (unused names
 * allowed: samples show pieces). The samples are written to `tests/.samples/<dir>`, emptied
 * first. Returns tsc's complaints, "" when there are none.
 */
export function typeCheck(dir: string, samples: Sample[], extraFiles: string[] = []): string {
  const samplesDir = join(ROOT, "tests", ".samples", dir);
  rmSync(samplesDir, { recursive: true, force: true });
  mkdirSync(samplesDir, { recursive: true });
  for (const sample of samples) writeFileSync(join(samplesDir, sample.name), `${sample.code}\nexport {};\n`);
  const config = {
    extends: relative(samplesDir, join(ROOT, "tsconfig.json")),
    compilerOptions: { noEmit: true, noUnusedLocals: false, isolatedModules: true },
    include: [],
    files: [...samples.map((s) => s.name), ...extraFiles.map((f) => relative(samplesDir, join(ROOT, f)))],
  };
  writeFileSync(join(samplesDir, "tsconfig.json"), JSON.stringify(config));
  try {
    execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", samplesDir], { encoding: "utf8", stdio: "pipe" });
    return "";
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  }
}

/**
 * Runs a page's sample with tsx, written to `tests/.samples/<group>/<name>.ts`, and returns the
 * lines it printed.
 */
export function runSample(group: string, name: string, code: string): string[] {
  const dir = join(ROOT, "tests", ".samples", group);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.ts`), code);
  const output = execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(dir, `${name}.ts`)], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return output.trimEnd().split("\n");
}
