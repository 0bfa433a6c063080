import type { ChildProcess } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, PAGE_TIMEOUT_MS } from "../support/browser";
import { fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

// The end of the tutorial, as a reader sees it: the chat chapter's program runs, two browser
// tabs open its page, and what one types appears in the other.

jest.setTimeout(60_000);

let child: ChildProcess;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  child = startProgram("docs/code/06-chat/app.ts", [], { PORT: String(port) });
  base = `http://127.0.0.1:${port}`;
  await fetchWhenUp(`${base}/`);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stopProgram(child);
});

async function openChat(): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  await page.goto(`${base}/`);
  return page;
}

test("a message typed in one tab appears in the other, as text", async () => {
  const ada = await openChat();
  await ada.locator("#messages li", { hasText: "1 here now" }).waitFor();
  const bob = await openChat();
  await ada.locator("#messages li", { hasText: "2 here now" }).waitFor();

  await bob.fill("#text", "Merhaba <b>Ada</b>");
  await bob.click("button");
  await ada.locator("#messages li", { hasText: "Merhaba <b>Ada</b>" }).waitFor();
  expect(await ada.locator("#messages b").count()).toBe(0);
  expect(await bob.inputValue("#text")).toBe("");

  await bob.close();
  await ada.locator("#messages li", { hasText: "Someone left: 1 here now." }).waitFor();
});
