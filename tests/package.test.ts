import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./support/process";

/**
 * The package as a user gets it: built with `npm run build`, installed (here: linked) into
 * another project's node_modules, then required, imported and type-checked from there.
 */
const NAMESPACES = [
  "web",
  "ioloop",
  "httpserver",
  "httputil",
  "escape",
  "log",
  "testing",
  "websocket",
  "template",
  "options",
  "locale",
  "util",
  "routing",
  "concurrent",
  "gen",
  "locks",
  "queues",
  "process",
  "pubsub",
  "httpclient",
  "iostream",
  "tcpserver",
  "tcpclient",
  "netutil",
  "auth",
];
let consumer: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe" });
}

beforeAll(() => {
  run("npm", ["run", "build", "--silent"], ROOT);
  consumer = mkdtempSync(join(tmpdir(), "tornado-ts-consumer-"));
  mkdirSync(join(consumer, "node_modules"));
  symlinkSync(ROOT, join(consumer, "node_modules", "tornado-ts"), "dir");
  symlinkSync(join(ROOT, "node_modules", "@types"), join(consumer, "node_modules", "@types"), "dir");
}, 60000);

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

test("require() from plain CommonJS gives every namespace and the subpaths", () => {
  writeFileSync(
    join(consumer, "main.cjs"),
    `const tornado = require("tornado-ts");
     const { Application } = require("tornado-ts/web");
     const names = ${JSON.stringify(NAMESPACES)}.filter((n) => typeof tornado[n] === "object");
     const { get } = require("tornado-ts/locale");
     const { RuleRouter, Router } = require("tornado-ts/routing");
     const { ObjectDict } = require("tornado-ts/util");
     const tprocess = require("tornado-ts/process");
     const { open_pubsub } = require("tornado-ts/pubsub");
     console.log(JSON.stringify({ names, pubsub: open_pubsub() === tornado.pubsub.default_pubsub(), same: Application === tornado.web.Application, ioloop: typeof require("tornado-ts/ioloop").IOLoop, locale: get === tornado.locale.get, routing: new Application() instanceof Router && RuleRouter === tornado.routing.RuleRouter, util: ObjectDict === tornado.util.ObjectDict, async: require("tornado-ts/gen").TimeoutError === tornado.ioloop.TimeoutError && require("tornado-ts/locks").Lock === tornado.locks.Lock && typeof require("tornado-ts/queues").Queue + typeof require("tornado-ts/concurrent").Future, process: tprocess.task_id === tornado.process.task_id && tprocess.task_id() === null, httpclient: require("tornado-ts/httpclient").HTTPError === tornado.httpclient.HTTPClientError }));`,
  );
  expect(JSON.parse(run("node", ["main.cjs"], consumer))).toEqual({
    names: NAMESPACES,
    pubsub: true,
    same: true,
    ioloop: "function",
    locale: true,
    util: true,
    routing: true,
    async: "functionfunction",
    process: true,
    httpclient: true,
  });
});

test("the built HTTPClient starts its worker thread from dist's JavaScript", () => {
  writeFileSync(
    join(consumer, "blocking.cjs"),
    `const { HTTPClient } = require("tornado-ts/httpclient");
     const client = new HTTPClient();
     try {
       client.fetch("http://127.0.0.1:1/");
     } catch (e) {
       console.log(JSON.stringify({ name: e.name, code: e.code }));
     }
     client.close();`,
  );
  expect(JSON.parse(run("node", ["blocking.cjs"], consumer))).toEqual({ name: "HTTPClientError", code: 599 });
});

test("import from an ES module gives the same namespaces, named and whole", () => {
  writeFileSync(
    join(consumer, "main.mjs"),
    `import { web, ioloop } from "tornado-ts";
     import * as tornado from "tornado-ts";
     import { RequestHandler } from "tornado-ts/web";
     import { escape } from "tornado-ts";
     console.log(JSON.stringify({
       app: typeof tornado.web.Application,
       same: web.RequestHandler === RequestHandler,
       loop: typeof ioloop.IOLoop.current,
       escaped: escape.xhtml_escape("<a>"),
     }));`,
  );
  expect(JSON.parse(run("node", ["main.mjs"], consumer))).toEqual({
    app: "function",
    same: true,
    loop: "function",
    escaped: "&lt;a&gt;",
  });
});

const TS_PROGRAM = `import { web, ioloop } from "tornado-ts";
import * as tornado from "tornado-ts";
import { Application, RequestHandler } from "tornado-ts/web";
import { HTTPServer } from "tornado-ts/httpserver";
import { WebSocketHandler, websocket_connect } from "tornado-ts/websocket";
import { define, options, parse_command_line, OptionParser } from "tornado-ts/options";
import { get as get_locale, type Locale } from "tornado-ts/locale";
import { ObjectDict } from "tornado-ts/util";
import { HostMatches, PathMatches, Rule, RuleRouter, type Router } from "tornado-ts/routing";
import { Future } from "tornado-ts/concurrent";
import { AsyncHTTPClient, type HTTPResponse } from "tornado-ts/httpclient";
import { sleep, TimeoutError } from "tornado-ts/gen";
import { Condition, type Releaser } from "tornado-ts/locks";
import { PriorityQueue } from "tornado-ts/queues";
import * as tprocess from "tornado-ts/process";

class MainHandler extends RequestHandler {
  get(name: string) {
    this.write({ hello: name });
  }
}
const app: tornado.web.Application = new Application([["/(\\\\w+)", MainHandler]]);
define("port", { default: 0, type: "int" });
parse_command_line([]);
const server: HTTPServer = app.listen(options.port);
const task: number | null = tprocess.task_id() ?? tornado.process.cpu_count();
const parser: OptionParser = new OptionParser();
const loop: ioloop.IOLoop = ioloop.IOLoop.current();
class Echo extends WebSocketHandler {
  on_message(message: string | Buffer) {
    this.write_message(message);
  }
}
const user_locale: Locale = get_locale("en_US");
const settings = new ObjectDict({ debug: true });
const router: Router = new RuleRouter([new Rule(new HostMatches("example\\\\.com"), app), [new PathMatches("/x"), app]]);
const waited: Future<boolean> = new Condition().wait();
const queue = new PriorityQueue<[number, string]>();
const held: Releaser | null = null;
export const fetcher = (url: string): Promise<HTTPResponse> => new AsyncHTTPClient().fetch(url);
export const async_parts = [waited, queue, held, sleep, TimeoutError === ioloop.TimeoutError];
export const parts = [task, router, settings.debug, parser, user_locale.translate("Sign out"), server, loop, web.HTTPError, Echo, websocket_connect, tornado.websocket.WebSocketClosedError];
`;

test.each([
  ["node10", "commonjs"],
  ["node16", "node16"],
  ["bundler", "esnext"],
])("TypeScript (moduleResolution %s) sees the types of the package and its subpaths", (resolution, moduleKind) => {
  const dir = join(consumer, resolution);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "app.ts"), TS_PROGRAM);
  const compilerOptions = {
    strict: true,
    noEmit: true,
    module: moduleKind,
    moduleResolution: resolution,
    target: "es2022",
    types: ["node"],
    skipLibCheck: false,
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["app.ts"] }));
  let output = "";
  try {
    run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", dir], dir);
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(output).toBe("");
});
