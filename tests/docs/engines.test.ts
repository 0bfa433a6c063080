import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/process";

// semver comes with npm's own tooling (through jest); it has no types of its own here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { satisfies } = require("semver") as {
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
};

// The README promises Node.js 20: `npm install` in a fresh clone must not warn EBADENGINE. Every
// package the lockfile would install (dev dependencies included, as `npm install` installs them)
// accepts the Node running the tests; the benchmark's peers live in bench/package.json.

test("every package of package-lock.json accepts this Node, and the benchmark's peers are not among them", () => {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };
  const refused = Object.entries(lock.packages)
    .filter(([path, meta]) => path !== "" && !Array.isArray(meta.engines) && meta.engines?.node !== undefined)
    .filter(
      ([, meta]) => !satisfies(process.version, (meta.engines as { node: string }).node, { includePrerelease: true }),
    )
    .map(([path, meta]) => `${path}: node ${(meta.engines as { node: string }).node}`);
  expect(refused).toEqual([]);
  const bench = JSON.parse(readFileSync(join(ROOT, "bench", "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const peers = Object.keys(bench.dependencies);
  expect(peers).toEqual(expect.arrayContaining(["express", "fastify"]));
  // The root manifest names none of them (handlebars still comes in, as ts-jest's own dependency).
  const root = lock.packages[""] as { dependencies?: object; devDependencies?: object };
  const named = Object.keys({ ...root.dependencies, ...root.devDependencies });
  expect(peers.filter((name) => named.includes(name))).toEqual([]);
  expect(Object.keys(lock.packages).filter((p) => /node_modules\/(fastify|express)$/.test(p))).toEqual([]);
});

// npm 11.16+ lists, at the end of every install, dependencies whose install scripts package.json's
// `allowScripts` does not decide (npm 12 blocks them). Each one here is decided; those listed as
// false only build a fallback that a prebuilt optional package already supplies.
test("every package with an install script is decided in allowScripts, so npm install prints no advisory", () => {
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    allowScripts?: Record<string, boolean>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };
  const undecided = Object.entries(lock.packages)
    .filter(([path, meta]) => path !== "" && meta.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length))
    .filter((name) => root.allowScripts?.[name] === undefined);
  expect(undecided).toEqual([]);
});
