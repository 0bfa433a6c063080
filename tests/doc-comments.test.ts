import { join, relative } from "node:path";
import ts from "typescript";
import { ROOT } from "./support/process";

// Every name the package exports, and every public member of its exported classes, says in a
// doc comment what it does: the API reference (`npm run docs`) is generated from them.

function loadProgram(): ts.Program {
  const configPath = join(ROOT, "tsconfig.build.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return ts.createProgram(parsed.fileNames, parsed.options);
}

function isDocumented(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== "";
}

function fileOf(symbol: ts.Symbol): string {
  const declaration = symbol.declarations?.[0];
  return declaration ? relative(ROOT, declaration.getSourceFile().fileName) : "?";
}

/** Members a user sees: not private or protected-by-name (`#x`, `_x`), not constructors. */
function isPublicMember(member: ts.Symbol): boolean {
  if (member.name.startsWith("_") || member.name.startsWith("#") || member.name === "__constructor") return false;
  if (member.flags & (ts.SymbolFlags.Prototype | ts.SymbolFlags.TypeParameter)) return false;
  const modifiers = ts.getCombinedModifierFlags(member.declarations?.[0] as ts.Declaration);
  return !(modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
}

/** "file: Name" (or "file: Class.member") for every exported name and public class member without a doc comment. */
function undocumentedNames(): string[] {
  const program = loadProgram();
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, "src", "index.ts"))!)!;
  const seen = new Set<ts.Symbol>();
  const missing = new Set<string>();
  const visitModule = (module: ts.Symbol) => {
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      if (symbol.flags & ts.SymbolFlags.ValueModule) {
        visitModule(symbol);
        continue;
      }
      if (!isDocumented(symbol, checker)) missing.add(`${fileOf(symbol)}: ${symbol.name}`);
      if (symbol.flags & ts.SymbolFlags.Class) visitClass(symbol);
    }
  };
  const visitClass = (cls: ts.Symbol) => {
    const members = [...(cls.members?.values() ?? []), ...(cls.exports?.values() ?? [])];
    for (const member of members.filter(isPublicMember)) {
      if (!isDocumented(member, checker)) missing.add(`${fileOf(member)}: ${cls.name}.${member.name}`);
    }
  };
  visitModule(index);
  return [...missing].sort();
}

test("every exported name and public class member has a doc comment", () => {
  expect(undocumentedNames()).toEqual([]);
});
