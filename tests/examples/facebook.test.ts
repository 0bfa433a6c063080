/**
 * examples/facebook: the program is started on a free port with `--facebook_base_url` pointing
 * at the fake Graph API (tests/support/fake-oauth2.ts), and a login is walked through over HTTP:
 * the demo, the fake dialog, back with the code, then the stream page listing the user's posts.
 */
import type { ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { CookieBrowser, FAKE_CODE, FAKE_FACEBOOK_TOKEN, FakeProviders } from "../support/fake-oauth2";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

let fake: FakeProviders;
let child: ChildProcess;
let output: ProgramOutput;
let base = "";

beforeAll(async () => {
  fake = await FakeProviders.start();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = startProgram("examples/facebook/facebook.ts", [
    `--port=${port}`,
    "--address=127.0.0.1",
    `--facebook_base_url=${fake.base}/graph`,
    "--facebook_api_key=demo app",
    "--facebook_secret=demo secret",
    "--cookie_secret=facebook demo test secret",
  ]);
  output = new ProgramOutput(child);
  await fetchWhenUp(`${base}/auth/logout`); // which, followed, logs in once: forget those requests
  fake.requests.length = 0;
}, 30000);

afterAll(async () => {
  await stopProgram(child);
  await fake.close();
});

test("a visitor logs in through the Facebook dialog and sees their posts", async () => {
  const browser = new CookieBrowser();
  const page = await browser.get(`${base}/`);
  expect(page.code).toBe(200);
  expect(page.text).toContain("<b>Grace Hopper</b>");
  expect(page.text).toContain('<span class="message">Compilers &lt;3 &amp; bugs</span>');
  expect(page.text).toContain(`<img src="${fake.base}/graph/5678/picture?type=square"/>`);
  expect(page.text).toContain('href="https://www.facebook.com/5678/posts/1" class="permalink">');
  expect(page.text).toMatch(/href="\/static\/facebook\.css\?v=[0-9a-f]+"/);

  const dialog = new URL(browser.visited[2]);
  expect(dialog.origin + dialog.pathname).toBe(`${fake.base}/graph/dialog/oauth`);
  expect([...dialog.searchParams]).toEqual([
    ["response_type", "code"],
    ["redirect_uri", `${base}/auth/login`],
    ["client_id", "demo app"],
    ["scope", "user_posts"],
  ]);
  const token = fake.requestsTo("/graph/oauth/access_token");
  expect(token).toHaveLength(1);
  expect(Object.fromEntries(new URL(token[0].url, fake.base).searchParams)).toEqual({
    redirect_uri: `${base}/auth/login`,
    code: FAKE_CODE,
    client_id: "demo app",
    client_secret: "demo secret",
  });
  const me = fake.requestsTo("/graph/me?");
  expect(me).toHaveLength(1);
  const proof = createHmac("sha256", "demo secret").update(FAKE_FACEBOOK_TOKEN).digest("hex");
  expect(new URL(me[0].url, fake.base).searchParams.get("appsecret_proof")).toBe(proof);
  expect(fake.requestsTo("/graph/me/feed")).toHaveLength(1);
});

test("/auth/logout forgets the user", async () => {
  const browser = new CookieBrowser();
  await browser.get(`${base}/`);
  const host = new URL(base).host;
  expect(browser.cookies.get(host)?.has("fbdemo_user")).toBe(true);
  expect((await browser.get(`${base}/auth/logout`, false)).code).toBe(302);
  expect(browser.cookies.get(host)?.has("fbdemo_user")).toBe(false);
  expect((await browser.get(`${base}/`, false)).headers.get("Location")).toBe("/auth/login?next=%2F");
  expect(output.text).not.toMatch(/Uncaught exception/);
});

test("without the key and secret the program says so and exits", async () => {
  const bare = startProgram("examples/facebook/facebook.ts", [`--port=${await freePort()}`]);
  const said = new ProgramOutput(bare);
  const code = await new Promise((resolve) => bare.once("exit", resolve));
  expect(said.text).toContain("--facebook_api_key and --facebook_secret must be set");
  expect(code).toBe(1);
});
