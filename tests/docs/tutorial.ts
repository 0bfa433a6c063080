import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../support/process";
import { codeBlocks, type CodeBlock } from "../support/samples";

/** The tutorial's chapters, in reading order; each is `docs/<language>/<name>.md` and `docs/code/<name>/`. */
export const CHAPTERS = [
  "01-first-app",
  "02-routing",
  "03-templates",
  "04-forms",
  "05-websockets",
  "06-chat",
  "07-testing",
  "08-deploying",
] as const;

/** The languages the tutorial is written in, each a folder of `docs/`. */
export const LANGUAGES = ["en", "tr"] as const;

/** Where the chapters' complete programs live. */
export const CODE_DIR = join(ROOT, "docs", "code");

/** Every file under `dir`, as paths from `dir`, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A markdown file of `docs/` (generated API pages excluded) and its code blocks. */
export interface DocsPage {
  /** The path from the repository root, e.g. `docs/en/01-first-app.md`. */
  path: string;
  text: string;
  blocks: CodeBlock[];
}

/** Every markdown page of `docs/`. */
export function docsPages(): DocsPage[] {
  const docs = join(ROOT, "docs");
  return filesUnder(docs)
    .filter((path) => path.endsWith(".md") && !path.startsWith("api/"))
    .map((path) => {
      const text = readFileSync(join(docs, path), "utf8");
      return { path: `docs/${path}`, text, blocks: codeBlocks(text) };
    });
}
