import type { ChildProcess } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, PAGE_TIMEOUT_MS } from "../support/browser";
import { fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";
import { TestRedis } from "../support/redis";

// The chat chapter's "two servers, one room": its program runs twice, on two ports, sharing one
// real Redis (tests/support/redis.ts); Ada's tab is on one server, Bob's on the other, and what
// one types appears in the other's tab.

jest.setTimeout(120_000);

let redis: TestRedis;
let browser: Browser;
const children: ChildProcess[] = [];

async function startChat(): Promise<string> {
  const port = await freePort();
  children.push(startProgram("docs/code/06-chat/app.ts", [`--port=${port}`, `--pubsub_url=${redis.url}`]));
  const base = `http://127.0.0.1:${port}`;
  await fetchWhenUp(`${base}/`, 30_000);
  return base;
}

beforeAll(async () => {
  redis = await TestRedis.start();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(children.map((child) => stopProgram(child)));
  await redis?.remove();
});

async function openChat(base: string, name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 640, height: 440 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.on("dialog", (dialog) => dialog.accept(name));
  await page.goto(`${base}/`);
  await page.locator("#state.connected").waitFor();
  return page;
}

/** Types `text` in `from` until it shows in `to` (the other server subscribes a moment after its tab connects): at most 10 tries of 1 s. */
async function sayUntilSeen(from: Page, to: Page, text: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await from.fill("#text", `${text} (#${attempt})`);
    await from.click("button");
    try {
      await to.locator("#messages li", { hasText: text }).first().waitFor({ timeout: 1000 });
      return;
    } catch {
      // Not there yet: try again.
    }
  }
  throw new Error(`"${text}" never reached the other tab`);
}

test("Ada on one server and Bob on another chat in one room through Redis", async () => {
  const [baseA, baseB] = [await startChat(), await startChat()];
  const ada = await openChat(baseA, "Ada");
  const bob = await openChat(baseB, "Bob");
  await ada.locator("#messages li.notice", { hasText: "Bob joined." }).waitFor();

  await sayUntilSeen(ada, bob, "Merhaba Bob, from port " + new URL(baseA).port);
  expect(await bob.locator("#messages li:not(.notice) .name").first().textContent()).toBe("Ada");
  await bob.fill("#text", "Hi Ada, from the other server");
  await bob.click("button");
  await ada.locator("#messages li", { hasText: "Hi Ada, from the other server" }).waitFor();
  await bob.locator("#messages li.mine", { hasText: "Hi Ada, from the other server" }).waitFor();
  // Each tab shows Ada's message once: the server's own copy back from Redis is skipped.
  expect(await ada.locator("#messages li.mine", { hasText: "Merhaba Bob" }).count()).toBeGreaterThanOrEqual(1);
  const adaLines = await ada.locator("#messages li:not(.notice)").allTextContents();
  expect(new Set(adaLines).size).toBe(adaLines.length);
  await bob.close();
  await ada.close();
});
