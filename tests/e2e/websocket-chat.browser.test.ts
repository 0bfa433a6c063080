import type { ChildProcess } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, PAGE_TIMEOUT_MS } from "../support/browser";
import { fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

// examples/websocket-chat in two tabs: the state indicator, a message reaching the other tab,
// a notice when the server goes away, the typed text kept, and the page reconnecting by itself.

jest.setTimeout(90_000);

let child: ChildProcess;
let browser: Browser;
let port: number;

function startChat(): Promise<unknown> {
  child = startProgram("examples/websocket-chat/chat.ts", [`--port=${port}`, "--address=127.0.0.1"]);
  return fetchWhenUp(`http://127.0.0.1:${port}/`, 30_000);
}

beforeAll(async () => {
  port = await freePort();
  await startChat();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stopProgram(child);
});

async function openChat(): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator("#status.connected").waitFor();
  return page;
}

test("the example chat shows its state, delivers messages and reconnects after the server went away", async () => {
  const ada = await openChat();
  const bob = await openChat();
  await bob.fill("#text", "hello from bob");
  await bob.click("button");
  await ada.locator("#inbox .message", { hasText: "hello from bob" }).waitFor();

  await stopProgram(child);
  await ada.locator("#status.reconnecting").waitFor();
  await ada.locator("#inbox .notice", { hasText: "Connection lost" }).waitFor();
  await ada.fill("#text", "still there?");
  await ada.click("button");
  expect(await ada.inputValue("#text")).toBe("still there?");

  await startChat();
  await ada.locator("#status.connected").waitFor({ timeout: 30_000 });
  await ada.click("button");
  await bob.locator("#status.connected").waitFor({ timeout: 30_000 });
  await bob.locator("#inbox .message", { hasText: "still there?" }).waitFor();
  expect(await ada.inputValue("#text")).toBe("");
  expect(await ada.locator("#inbox .message", { hasText: "hello from bob" }).count()).toBe(1);
  await ada.close();
  await bob.close();
});
