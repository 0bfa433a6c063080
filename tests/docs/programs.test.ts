import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { availableParallelism } from "node:os";
import { testing, websocket } from "../../src";
import { fetchWhenUp, freePort, ProgramOutput, ROOT, startProgram, stopProgram } from "../support/process";
import { docsPages } from "./tutorial";

// Each chapter's complete program, started as the chapter says (`npx tsx docs/code/.../app.ts`,
// with PORT set to a free port instead of 8888), answers what the chapter says it answers.

interface Running {
  base: string;
  output: ProgramOutput;
}

const children: ChildProcess[] = [];
afterAll(() => Promise.all(children.map((child) => stopProgram(child))));

/** Starts `docs/code/<chapter>/app.ts` on a free port and waits until `path` answers. */
async function run(chapter: string, path = "/"): Promise<Running> {
  const port = await freePort();
  const child = startProgram(`docs/code/${chapter}/app.ts`, [], { PORT: String(port) });
  children.push(child);
  const output = new ProgramOutput(child);
  const base = `http://127.0.0.1:${port}`;
  await fetchWhenUp(`${base}${path}`);
  return { base, output };
}

/** The `name=value` pairs of a response's Set-Cookie headers, ready for a Cookie header. */
function cookies(response: testing.HTTPResponse): string {
  return response.headers
    .get_list("Set-Cookie")
    .map((c) => c.split(";")[0])
    .join("; ");
}

test("01: the first app says hello and tells where it listens", async () => {
  const { base, output } = await run("01-first-app");
  expect((await testing.fetch(`${base}/`)).text).toBe("Hello, world");
  await output.waitFor(/Listening on http:\/\/localhost:\d+\//);
  // Chapter 1 shows the line printed for each request, and chapter 8 says earlier chapters print it.
  await output.waitFor(/\[I \d{6} [\d:]{8} tornado\.access\] 200 GET \/ \(127\.0\.0\.1\) [\d.]+ms/);
});

test("02: routes pass capture groups and arguments, and the about page drops its slash", async () => {
  const { base } = await run("02-routing");
  expect((await testing.fetch(`${base}/?name=<Ada>`)).text).toBe("Hello, &lt;Ada&gt;");
  expect((await testing.fetch(`${base}/`)).text).toBe("Hello, stranger");
  expect((await testing.fetch(`${base}/user/42?tab=posts`)).json()).toEqual({ id: 42, tab: "posts" });
  expect((await testing.fetch(`${base}/posts/2026/first-post`)).text).toBe('Post "first-post" from 2026');
  expect((await testing.fetch(`${base}/user/ada`)).code).toBe(404);
  const slashed = await testing.fetch(`${base}/about/`, { follow_redirects: false });
  expect([slashed.code, slashed.headers.get("Location")]).toEqual([301, "/about"]);
  expect((await testing.fetch(`${base}/about`)).text).toBe("About this site");
});

test("03: the list page extends its base, escapes its items and links a versioned stylesheet", async () => {
  const { base } = await run("03-templates");
  const page = (await testing.fetch(`${base}/`)).text;
  expect(page).toContain("<title>Shopping</title>");
  expect(page).toContain("<li>&lt;olives&gt;</li>");
  const href = page.match(/href="(\/static\/style\.css\?v=\w+)"/)![1];
  const css = await testing.fetch(`${base}${href}`);
  expect([css.code, css.headers.get("Content-Type")]).toEqual([200, "text/css"]);
});

test("04: a visitor is sent to log in, the form needs its XSRF token, and the cookie remembers the name", async () => {
  const { base } = await run("04-forms", "/login");
  const away = await testing.fetch(`${base}/`, { follow_redirects: false });
  expect([away.code, away.headers.get("Location")]).toEqual([302, "/login?next=%2F"]);

  const form = await testing.fetch(`${base}/login`);
  const token = form.text.match(/name="_xsrf" value="([^"]+)"/)![1];
  const post = (body: string, cookie: string) =>
    testing.fetch(`${base}/login`, {
      method: "POST",
      body,
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      follow_redirects: false,
    });
  expect((await post("name=Ada", cookies(form))).code).toBe(403);
  expect((await post(`_xsrf=${encodeURIComponent(token)}&name=`, cookies(form))).code).toBe(400);
  const loggedIn = await post(`_xsrf=${encodeURIComponent(token)}&name=Ada`, cookies(form));
  expect([loggedIn.code, loggedIn.headers.get("Location")]).toEqual([302, "/"]);

  const home = await testing.fetch(`${base}/`, { headers: { Cookie: `${cookies(form)}; ${cookies(loggedIn)}` } });
  expect(home.text).toContain("<h1>Hello, Ada</h1>");
  expect(home.text).toContain("visit number 1.");
});

test("05: Geri sends every message back and prints the tutorial's lines", async () => {
  const { base, output } = await run("05-websockets");
  expect((await testing.fetch(`${base}/`)).text).toContain("/ws/geri");
  const connection = await websocket.websocket_connect(`${base.replace("http", "ws")}/ws/geri`);
  await connection.write_message("Merhaba");
  expect(await connection.read_message()).toBe("Merhaba");
  connection.close();
  await output.waitFor(/Bağlantı kuruldu\n[\s\S]*Merhaba\n[\s\S]*Bağlantı kapandı/);
  // The log line the chapter says comes with them, for the request that became a WebSocket.
  await output.waitFor(/\[I \d{6} [\d:]{8} tornado\.access\] 101 GET \/ws\/geri \(127\.0\.0\.1\) [\d.]+ms/);
});

test("05: a page of 127.0.0.1 opening ws://localhost is refused with a 403 whose log line names both", async () => {
  const { base, output } = await run("05-websockets");
  const port = new URL(base).port;
  const response = await testing.fetch(`${base}/ws/geri`, {
    headers: {
      Host: `localhost:${port}`,
      Origin: `http://127.0.0.1:${port}`,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    },
  });
  expect([response.code, response.text]).toEqual([403, "Cross origin websockets not allowed"]);
  await output.waitFor(
    new RegExp(`Cross origin websockets not allowed: Origin http://127\\.0\\.0\\.1:${port}, Host localhost:${port}`),
  );
});

test("06: the chat page links its stylesheet, and a named message reaches everyone in the room", async () => {
  const { base } = await run("06-chat");
  const page = (await testing.fetch(`${base}/`)).text;
  expect(page).toContain('"/ws/chat?name="');
  const href = page.match(/href="(\/static\/chat\.css\?v=[0-9a-f]{128})"/)![1];
  expect((await testing.fetch(`${base}${href}`)).code).toBe(200);
  const url = `${base.replace("http", "ws")}/ws/chat`;
  const next = async (connection: websocket.WebSocketClientConnection) =>
    JSON.parse(String(await connection.read_message()));
  const ada = await websocket.websocket_connect(`${url}?name=Ada`);
  expect(await next(ada)).toEqual({ notice: "Ada joined." });
  const guest = await websocket.websocket_connect(url);
  expect(await next(ada)).toEqual({ notice: "Guest joined." });
  expect(await next(guest)).toEqual({ notice: "Guest joined." });
  await guest.write_message("Merhaba");
  expect([await next(ada), await next(guest)]).toEqual([
    { name: "Guest", text: "Merhaba" },
    { name: "Guest", text: "Merhaba" },
  ]);
  guest.close();
  expect(await next(ada)).toEqual({ notice: "Guest left." });
  ada.close();
});

test("07: the app under test also runs as a program", async () => {
  const { base } = await run("07-testing");
  expect((await testing.fetch(`${base}/?name=Ada`)).text).toBe("Hello, Ada");
});

// Chapter 1 says every later chapter's program reads its port as chapter 1's does: `--port`
// (which wins over `PORT`) through tornado-ts/options, whose parse_command_line() also turns on
// the log line printed for each request.
test.each([
  ["02-routing", "/"],
  ["03-templates", "/"],
  ["04-forms", "/login"],
  ["05-websockets", "/"],
  ["06-chat", "/"],
  ["07-testing", "/"],
])("%s takes --port over PORT and logs each request as chapter 1 shows", async (chapter, path) => {
  const port = await freePort();
  let other = await freePort();
  while (other === port) other = await freePort();
  const child = startProgram(`docs/code/${chapter}/app.ts`, [`--port=${port}`], { PORT: String(other) });
  children.push(child);
  const output = new ProgramOutput(child);
  expect((await fetchWhenUp(`http://127.0.0.1:${port}${path}`)).code).toBe(200);
  await output.waitFor(new RegExp(`Listening on http://localhost:${port}/|Chat at http://localhost:${port}/`));
  await output.waitFor(
    new RegExp(`\\[I \\d{6} [\\d:]{8} tornado\\.access\\] 200 GET ${path} \\(127\\.0\\.0\\.1\\) [\\d.]+ms`),
  );
  await stopProgram(child);
});

/** True when something accepts connections on `port` of 127.0.0.1. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

test("08: the loop of four servers, as the chapter gives it, stops whole on Ctrl+C", async () => {
  const line = docsPages()
    .find((p) => p.path === "docs/en/08-deploying.md")!
    .blocks.find((b) => b.code.startsWith("(for port"))!
    .code.trim();
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const command = line.replace("8001 8002 8003 8004", ports.join(" "));
  // Its own process group, as a terminal's foreground job: Ctrl+C is SIGINT to the whole group.
  const shell = spawn("bash", ["-c", command], { cwd: ROOT, detached: true, stdio: "ignore" });
  children.push(shell);
  for (const port of ports) await fetchWhenUp(`http://127.0.0.1:${port}/`, 30_000);
  process.kill(-shell.pid!, "SIGINT");
  // The shell returns at once; each server then closes as its process ends.
  const deadline = Date.now() + 20_000;
  let open = ports.map(() => true);
  while (open.some(Boolean) && Date.now() < deadline) {
    open = await Promise.all(ports.map(listening));
    if (open.some(Boolean)) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (open.some(Boolean)) process.kill(-shell.pid!, "SIGKILL");
  expect(open).toEqual([false, false, false, false]);
}, 60_000);

test("08: bind + start(0) serves from one worker per core, worker 0 alone runs the periodic job, and SIGTERM ends them all with status 0", async () => {
  const port = await freePort();
  const child = startProgram("docs/code/08-deploying/processes.ts", [`--port=${port}`, "--tidy_every=0.05"]);
  children.push(child);
  const output = new ProgramOutput(child);
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const cores = availableParallelism();
  const line = new RegExp(`^Worker \\d \\(process \\d+\\) listening on http://localhost:${port}/$`, "gm");
  await output.waitFor(new RegExp(`(${line.source}[^]*){${cores}}`, "m"), 40_000);
  expect(output.text.match(line)).toHaveLength(cores);
  expect((await testing.fetch(`http://127.0.0.1:${port}/`)).text).toMatch(/^Hello from worker \d, process \d+$/);
  await output.waitFor(/(^Worker \d+ tidies up$[^]*){3}/m, 20_000);
  expect(new Set(output.text.match(/^Worker \d+ tidies up$/gm))).toEqual(new Set(["Worker 0 tidies up"]));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
}, 60_000);

test("08: behind a proxy, the app reports the client's address and scheme from the proxy's headers", async () => {
  const { base } = await run("08-deploying");
  const response = await testing.fetch(`${base}/`, {
    headers: { "X-Real-IP": "203.0.113.7", "X-Forwarded-Proto": "https" },
  });
  expect(response.text).toMatch(/^Hello from process \d+; you are 203\.0\.113\.7 over https$/);
});
