/**
 * examples/google_auth: the program is started on a free port with `--google_base_url` pointing
 * at the fake Google (tests/support/fake-oauth2.ts), and a login is walked through over HTTP:
 * the demo, the fake's authorize page, back to the demo with the code, the greeting.
 */
import type { ChildProcess } from "node:child_process";
import { CookieBrowser, FAKE_CODE, FAKE_GOOGLE_USER, FakeProviders } from "../support/fake-oauth2";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

let fake: FakeProviders;
let child: ChildProcess;
let output: ProgramOutput;
let base = "";

beforeAll(async () => {
  fake = await FakeProviders.start();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = startProgram("examples/google_auth/main.ts", [
    `--port=${port}`,
    "--address=127.0.0.1",
    `--redirect_base_uri=${base}`,
    `--google_base_url=${fake.base}/google`,
    "--google_oauth_key=demo id",
    "--google_oauth_secret=demo secret",
    "--cookie_secret=google demo test secret",
  ]);
  output = new ProgramOutput(child);
  await fetchWhenUp(`${base}/logout`); // which, followed, logs in once: forget those requests
  fake.requests.length = 0;
}, 30000);

afterAll(async () => {
  await stopProgram(child);
  await fake.close();
});

test("a visitor is sent through Google's login and comes back greeted by name", async () => {
  const browser = new CookieBrowser();
  const page = await browser.get(`${base}/`);
  expect(page.code).toBe(200);
  expect(page.text).toBe(`Hello ${FAKE_GOOGLE_USER.name}`);

  const authorize = new URL(browser.visited[2]);
  expect(authorize.origin + authorize.pathname).toBe(`${fake.base}/google/o/oauth2/v2/auth`);
  expect([...authorize.searchParams]).toEqual([
    ["response_type", "code"],
    ["redirect_uri", `${base}/auth/google`],
    ["client_id", "demo id"],
    ["approval_prompt", "auto"],
    ["scope", "profile email"],
  ]);
  const token = fake.requestsTo("/google/oauth2/v4/token");
  expect(token).toHaveLength(1);
  expect(Object.fromEntries(new URLSearchParams(token[0].body))).toEqual({
    redirect_uri: `${base}/auth/google`,
    code: FAKE_CODE,
    client_id: "demo id",
    client_secret: "demo secret",
    grant_type: "authorization_code",
  });
  // Once in the login handler, once more on the index page.
  expect(fake.requestsTo("/google/oauth2/v1/userinfo")).toHaveLength(2);
  expect(browser.cookies.get(new URL(base).host)?.has("googledemo_user")).toBe(true);
});

test("/logout forgets the user, who is sent to log in again", async () => {
  const browser = new CookieBrowser();
  await browser.get(`${base}/`);
  const host = new URL(base).host;
  expect(browser.cookies.get(host)?.has("googledemo_user")).toBe(true);
  const logout = await browser.get(`${base}/logout`, false);
  expect(logout.code).toBe(302);
  expect(browser.cookies.get(host)?.has("googledemo_user")).toBe(false);
  const again = await browser.get(`${base}/`, false);
  expect(again.headers.get("Location")).toBe("/auth/google?next=%2F");
  expect(output.text).not.toMatch(/Uncaught exception/);
});
