import type { ChildProcess } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, PAGE_TIMEOUT_MS } from "../support/browser";
import { fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

// examples/chat (long polling) in two tabs: a message typed in one appears in the other, and
// a tab opened later shows the history without showing a message twice.

jest.setTimeout(90_000);

let child: ChildProcess;
let browser: Browser;
let port: number;

beforeAll(async () => {
  port = await freePort();
  child = startProgram("examples/chat/chatdemo.ts", [`--port=${port}`, "--address=127.0.0.1"]);
  await fetchWhenUp(`http://127.0.0.1:${port}/`, 30_000);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stopProgram(child);
});

/** Opens the chat and waits until its first long poll is on its way. */
async function openChat(): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const polling = page.waitForRequest((request) => request.url().endsWith("/a/message/updates"));
  await page.goto(`http://127.0.0.1:${port}/`);
  await polling;
  return page;
}

test("a message typed in one tab appears in the other, once in each", async () => {
  const ada = await openChat();
  const bob = await openChat();
  await bob.fill("#message", "hello from <bob>");
  await bob.press("#message", "Enter");
  await ada.locator("#inbox .message", { hasText: "hello from <bob>" }).waitFor();
  await bob.locator("#inbox .message", { hasText: "hello from <bob>" }).waitFor();
  expect(await bob.inputValue("#message")).toBe("");

  await ada.fill("#message", "hi bob, see https://example.com/");
  await ada.click("input[type=submit]");
  await bob.locator("#inbox .message a[href='https://example.com/']").waitFor();

  const carol = await openChat();
  await carol.locator("#inbox .message", { hasText: "hi bob" }).waitFor();
  await carol.fill("#message", "third");
  await carol.press("#message", "Enter");
  for (const page of [ada, bob, carol]) {
    await page.locator("#inbox .message", { hasText: "third" }).waitFor();
    expect(await page.locator("#inbox .message").allTextContents()).toEqual([
      "hello from <bob>",
      "hi bob, see https://example.com/",
      "third",
    ]);
  }
  expect(ada.url()).toBe(`http://127.0.0.1:${port}/`);
  for (const page of [ada, bob, carol]) await page.close();
});
