import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, ROOT } from "../support/process";

// What a user downloads is what is tested: `npm pack` makes the tarball, a scratch project
// installs it without dev dependencies (its three dependencies come from the registry), and a
// hello world plus the seed tutorial's echo (Geri) run from it as CommonJS, as an ES module and
// as TypeScript compiled by tsc (with the defaults of `tsc --init`, and with a minimal --strict
// tsconfig).

jest.setTimeout(300_000);

let scratch: string;
let project: string;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe", env: { ...process.env, ...env } });
}

const BODY = (imports: string) => `${imports}
class MainHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}
class Geri extends websocket.WebSocketHandler {
  on_message(mesaj: string | Buffer) {
    this.write_message(mesaj);
  }
}
const port = Number(process.env.PORT);
const server = new web.Application([["/", MainHandler], ["/ws/geri", Geri]]).listen(port, "127.0.0.1");
(async () => {
  const hello = (await testing.fetch(\`http://127.0.0.1:\${port}/\`)).text;
  const connection = await websocket.websocket_connect(\`ws://127.0.0.1:\${port}/ws/geri\`);
  await connection.write_message("Merhaba");
  const echo = await connection.read_message();
  connection.close();
  console.log(JSON.stringify({ hello, echo }));
  server.stop();
  process.exit(0);
})();
`;
const untyped = (code: string) => code.replace("mesaj: string | Buffer", "mesaj");

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "tornado-ts-pack-"));
  run("npm", ["pack", "--silent", "--pack-destination", scratch], ROOT);
  const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"))!;
  project = join(scratch, "user");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user", private: true }));
  run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", join(scratch, tarball)], project);
  // The compiler is the user's own choice (this checkout's stands in); Node's types come with
  // @types/ws, a dependency because the package's .d.ts files name ws's types.
  expect(existsSync(join(project, "node_modules", "@types", "ws"))).toBe(true);
  if (!existsSync(join(project, "node_modules", "@types", "node"))) {
    symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(project, "node_modules", "@types", "node"), "dir");
  }
}, 300_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

async function runs(file: string): Promise<void> {
  const output = run("node", [file], project, { PORT: String(await freePort()) });
  expect(JSON.parse(output)).toEqual({ hello: "Hello, world", echo: "Merhaba" });
}

test("the tarball holds the build and no sources or tests", () => {
  const installed = join(project, "node_modules", "tornado-ts");
  expect(readdirSync(installed).sort()).toEqual(expect.arrayContaining(["dist", "package.json"]));
  expect(readdirSync(installed).filter((f) => ["src", "tests", "bench", "node_modules"].includes(f))).toEqual([]);
});

test("CommonJS: require('tornado-ts') serves hello world and the echo", async () => {
  writeFileSync(join(project, "main.cjs"), untyped(BODY('const { web, websocket, testing } = require("tornado-ts");')));
  await runs("main.cjs");
});

test("ES module: import from 'tornado-ts' serves hello world and the echo", async () => {
  writeFileSync(join(project, "main.mjs"), untyped(BODY('import { web, websocket, testing } from "tornado-ts";')));
  await runs("main.mjs");
});

test.each([
  ["tsc --init defaults", null],
  [
    "--strict, commonjs, ES2022",
    { strict: true, module: "commonjs", target: "ES2022", outDir: "out", skipLibCheck: false },
  ],
])("TypeScript (%s) type-checks, compiles and runs", async (name, options) => {
  const dir = join(project, name.replace(/\W+/g, "-"));
  mkdirSync(dir);
  writeFileSync(join(dir, "app.ts"), BODY('import { web, websocket, testing } from "tornado-ts";'));
  const tsc = join(ROOT, "node_modules", ".bin", "tsc");
  if (options === null) {
    run(tsc, ["--init"], dir);
    // tsc --init writes ES modules; the scratch project is CommonJS unless told otherwise.
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  } else {
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: options, include: ["app.ts"] }));
  }
  let errors = "";
  try {
    // tsc --init leaves out every @types package (`types: []`); a Node program names node.
    run(tsc, ["-p", dir, ...(options === null ? ["--outDir", join(dir, "out"), "--types", "node"] : [])], dir);
  } catch (err) {
    errors = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(errors).toBe("");
  await runs(join(dir, "out", "app.js"));
});
