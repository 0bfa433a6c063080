import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { ROOT } from "./support/process";

// No two modules of src/ import each other, directly or through others: the module graph
// (every `import`, `import type`, `export ... from` and `import()` between files of src/)
// has no strongly connected component with more than one module, and no module imports itself.
// Shared types live in modules of their own (src/web/settings.ts, src/httpserver-options.ts)
// that import none of their users.

const SRC = join(ROOT, "src");

/** Every .ts file under `dir`, as absolute paths. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The file of src/ that a relative specifier written in `from` names, or undefined if it names none. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier.replace(/\.js$/, ""));
  for (const candidate of [base + ".ts", join(base, "index.ts")]) {
    if (existsSync(candidate) && candidate.startsWith(SRC)) return candidate;
  }
  return undefined;
}

/** A module's name for messages: its path under src/ without ".ts", e.g. "web/handler". */
function moduleName(path: string): string {
  return relative(SRC, path).replace(/\\/g, "/").replace(/\.ts$/, "");
}

/**
 * The specifiers a module imports from: `ts.preProcessFile` finds `import` (type or not),
 * `export ... from`, `import x = require()`, `import()` and `import("...")` types, but not
 * the namespace re-exports `export * as name from` (TypeScript 5.9), which src/index.ts is
 * made of; those are read from the syntax tree.
 */
function specifiersOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => fileName);
  const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  for (const statement of tree.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      found.push(statement.moduleSpecifier.text);
    }
  }
  return found;
}

/** The module graph of src/: each module's name mapped to the names of the modules it imports. */
function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const targets = new Set<string>();
    for (const specifier of specifiersOf(file)) {
      const target = resolveSpecifier(file, specifier);
      if (target !== undefined) targets.add(moduleName(target));
    }
    graph.set(moduleName(file), targets);
  }
  return graph;
}

/**
 * The graph's strongly connected components that form a cycle (more than one module, or one
 * module that imports itself), found by Tarjan's algorithm; each as sorted module names.
 */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;

  const visit = (node: string): void => {
    index.set(node, counter);
    lowlink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, index.get(next)!));
      }
    }
    if (lowlink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)!.has(node)) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/**
 * One component for the failure message: its modules' names joined by " ↔ ", then one cycle through them, e.g. "a ↔ b (a → b → a)".
 */
function describeCycle(component: string[], graph: Map<string, Set<string>>): string {
  const members = new Set(component);
  const start = component[0];
  // Breadth-first from `start` inside the component, back to `start`: a shortest cycle through it.
  const previous = new Map<string, string>();
  const queue = [start];
  search: while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next) || previous.has(next)) continue;
      previous.set(next, node);
      if (next === start) break search;
      queue.push(next);
    }
  }
  const path = [start];
  for (let node = previous.get(start)!; node !== start; node = previous.get(node)!) path.unshift(node);
  path.unshift(start);
  return `${component.join(" ↔ ")} (${path.join(" → ")})`;
}

test("the graph sees every kind of import between modules of src/", () => {
  const graph = moduleGraph();
  // `import type` (web/loaders), `export ... from` (web/index), `export * as` of a directory's
  // index (index → web/index).
  expect(graph.get("web/loaders")).toContain("web/settings");
  expect(graph.get("web/index")).toContain("web/handler");
  expect(graph.get("index")).toContain("web/index");
  // And Tarjan finds a cycle where there is one.
  const example = new Map([
    ["a", new Set(["b"])],
    ["b", new Set(["c"])],
    ["c", new Set(["a"])],
    ["d", new Set(["d"])],
    ["e", new Set(["a"])],
  ]);
  expect(cycles(example)).toEqual([["a", "b", "c"], ["d"]]);
  expect(cycles(example).map((component) => describeCycle(component, example))).toEqual([
    "a ↔ b ↔ c (a → b → c → a)",
    "d (d → d)",
  ]);
});

test("no module of src/ imports itself through others", () => {
  const graph = moduleGraph();
  const found = cycles(graph);
  expect(`import cycles:\n${found.map((component) => describeCycle(component, graph)).join("\n")}`).toBe(
    "import cycles:\n",
  );
});
