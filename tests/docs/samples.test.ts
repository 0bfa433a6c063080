import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "../support/process";
import { isTypeScript, typeCheck } from "../support/samples";
import { CHAPTERS, CODE_DIR, LANGUAGES, docsPages, filesUnder } from "./tutorial";

// The docs never drift from the code: every TypeScript block compiles, every block that shows a
// file is that file, and every shell command they give names a script or path that exists.

const pages = docsPages();
const page = (path: string) => pages.find((p) => p.path === path);

test("both languages have every chapter, and each index links them in order", () => {
  for (const language of LANGUAGES) {
    for (const chapter of CHAPTERS) expect(page(`docs/${language}/${chapter}.md`)).toBeDefined();
    const index = page(`docs/${language}/README.md`)!.text;
    const linked = [...index.matchAll(/\]\((\d\d-[\w-]+)\.md\)/g)].map((m) => m[1]);
    expect(linked).toEqual([...CHAPTERS]);
  }
});

test("every block that names a file shows that file of docs/code exactly", () => {
  const shown = pages.flatMap((p) => p.blocks.filter((b) => b.file !== null).map((b) => ({ page: p.path, ...b })));
  expect(shown.length).toBeGreaterThan(0);
  for (const block of shown) {
    const file = join(CODE_DIR, block.file!);
    expect({ page: block.page, file: block.file, exists: existsSync(file) }).toEqual({
      page: block.page,
      file: block.file,
      exists: true,
    });
    expect({ page: block.page, file: block.file, code: block.code }).toEqual({
      page: block.page,
      file: block.file,
      code: readFileSync(file, "utf8"),
    });
  }
});

test("each chapter, in both languages, ends with its complete program and shows every file of it", () => {
  for (const language of LANGUAGES) {
    for (const chapter of CHAPTERS) {
      const blocks = page(`docs/${language}/${chapter}.md`)!.blocks;
      const shown = blocks.filter((b) => b.file !== null).map((b) => b.file);
      const files = filesUnder(join(CODE_DIR, chapter)).map((f) => `${chapter}/${f}`);
      expect({ chapter, language, shown: [...new Set(shown)].sort() }).toEqual({ chapter, language, shown: files });
      const lastTs = blocks.filter(isTypeScript).at(-1)!;
      expect({ chapter, language, last: lastTs.file }).toEqual({
        chapter,
        language,
        last: expect.stringMatching(new RegExp(`^${chapter}/`)),
      });
    }
  }
});

test("every TypeScript block in docs/ type-checks, together with the chapters' programs", () => {
  const snippets = pages.flatMap((p) => p.blocks.filter((b) => isTypeScript(b) && b.file === null).map((b) => b.code));
  expect(snippets.length).toBeGreaterThanOrEqual(CHAPTERS.length);
  const unique = [...new Set(snippets)].map((code, i) => ({ name: `docs-${i}.ts`, code }));
  const programs = filesUnder(CODE_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join("docs", "code", f));
  expect(typeCheck("docs", unique, programs)).toBe("");
});

test("the shell commands in docs/ run scripts and files that exist", () => {
  const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts);
  const commands = pages.flatMap((p) => p.blocks.filter((b) => b.lang === "sh").flatMap((b) => b.code.split("\n")));
  expect(commands.length).toBeGreaterThan(0);
  for (const line of commands) {
    for (const [, script] of line.matchAll(/npm run (\S+)/g)) expect(scripts).toContain(script);
    for (const [path] of line.matchAll(/docs\/code\/\S+/g))
      expect({ line, exists: existsSync(join(ROOT, path)) }).toEqual({ line, exists: true });
  }
});

test("the README links every chapter in both languages", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const language of LANGUAGES) {
    for (const chapter of CHAPTERS) expect(readme).toContain(`](docs/${language}/${chapter}.md)`);
  }
});

test("every relative link in docs/ and the README points to a file that exists", () => {
  const linked = [...pages, { path: "README.md", text: readFileSync(join(ROOT, "README.md"), "utf8") }].flatMap((p) =>
    [...p.text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ page: p.path, target, exists: existsSync(join(ROOT, dirname(p.path), target)) })),
  );
  expect(linked.length).toBeGreaterThan(0);
  expect(linked.filter((link) => !link.exists)).toEqual([]);
});

test("the Turkish chapters keep to the glossary of docs/tr/README.md", () => {
  const turkish = pages.filter((p) => p.path.startsWith("docs/tr/") && p.path !== "docs/tr/README.md");
  expect(page("docs/tr/README.md")!.text).toContain("## Sözlük");
  // Calques the glossary replaces: "kaçırmak" for escape, "çözülür" for a Promise's resolve.
  const banned = /kaçırın|kaçırır|kaçırarak|kaçırılmış|kaçırmayı|çözülür|çözülen/g;
  const found = turkish.flatMap((p) => [...p.text.matchAll(banned)].map((m) => `${p.path}: ${m[0]}`));
  expect(found).toEqual([]);
});

test("Turkish links to pages that exist only in English say so", () => {
  const englishOnly = /\]\(((?:\.\.\/)+(?:porting|architecture|performance|README)\.md[^)]*)\)(?! \(İngilizce\))/g;
  const unmarked = pages
    .filter((p) => p.path.startsWith("docs/tr/"))
    .flatMap((p) =>
      [...p.text.matchAll(englishOnly)].filter((m) => !m[1].startsWith("../en/")).map((m) => `${p.path}: ${m[1]}`),
    );
  expect(unmarked).toEqual([]);
});
