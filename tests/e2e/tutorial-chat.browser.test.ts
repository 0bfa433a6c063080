import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, PAGE_TIMEOUT_MS } from "../support/browser";
import { fetchWhenUp, freePort, ROOT, startProgram, stopProgram } from "../support/process";

// The end of the tutorial, as a reader sees it: the chat chapter's program runs, two browser
// tabs open its page under two names, and what one types appears in the other. When the server
// goes away the page says it is reconnecting, keeps what was typed, and comes back by itself
// once the server is up again. With SCREENSHOTS=1 (scripts/screenshots.ts) the pictures the
// chapter shows are written to docs/.

jest.setTimeout(90_000);

const SHOTS = process.env.SCREENSHOTS === "1";
const HEIGHT = 440;
let child: ChildProcess;
let browser: Browser;
let port: number;
let base: string;

function startChat(): Promise<unknown> {
  child = startProgram("docs/code/06-chat/app.ts", [], { PORT: String(port) });
  return fetchWhenUp(`${base}/`, 30_000);
}

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await startChat();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stopProgram(child);
});

async function openChat(name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 640, height: HEIGHT } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.on("dialog", (dialog) => dialog.accept(name));
  await page.goto(`${base}/`);
  await page.locator("#state.connected").waitFor();
  return page;
}

async function shot(page: Page, file: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(ROOT, "docs", file) });
}

test("two named tabs chat, notices stand apart, and the page reconnects after the server went away", async () => {
  const ada = await openChat("Ada");
  await ada.locator("#messages li.notice", { hasText: "Ada joined." }).waitFor();
  const bob = await openChat("Bob");
  await ada.locator("#messages li.notice", { hasText: "Bob joined." }).waitFor();
  expect(await ada.textContent("#state")).toBe("connected");

  await bob.fill("#text", "Merhaba <b>Ada</b>");
  await bob.click("button");
  const line = ada.locator("#messages li:not(.notice)", { hasText: "Merhaba <b>Ada</b>" });
  await line.waitFor();
  expect(await line.locator(".name").textContent()).toBe("Bob");
  expect(await ada.locator("#messages b").count()).toBe(0);
  expect(await bob.inputValue("#text")).toBe("");
  await ada.fill("#text", "Hello Bob, how is the weather in Ankara?");
  await ada.click("button");
  await bob.locator("#messages li", { hasText: "how is the weather" }).waitFor();
  await bob.fill("#text", "Sunny! Did the reconnecting work?");
  await bob.click("button");
  await ada.locator("#messages li.mine", { hasText: "how is the weather" }).waitFor();
  await ada.locator("#messages li", { hasText: "Sunny!" }).waitFor();
  await shot(ada, "chat-ada.png");
  await shot(bob, "chat-bob.png");

  await stopProgram(child);
  await ada.locator("#state.reconnecting").waitFor();
  await ada.fill("#text", "are you still there?");
  await ada.click("button");
  expect(await ada.inputValue("#text")).toBe("are you still there?");
  await shot(ada, "chat-reconnecting.png");

  await startChat();
  await ada.locator("#state.connected").waitFor({ timeout: 30_000 });
  await ada.locator("#messages li.notice", { hasText: "Ada joined" }).nth(1).waitFor();

  // The input stays below the messages however many arrive.
  for (let i = 1; i <= 15; i++) await bob.fill("#text", `line ${i}`).then(() => bob.click("button"));
  await ada.locator("#messages li", { hasText: "line 15" }).waitFor();
  const [list, form] = [await ada.locator("#messages").boundingBox(), await ada.locator("form").boundingBox()];
  expect(list!.y + list!.height).toBeLessThanOrEqual(form!.y + 1);
  expect(form!.y + form!.height).toBeLessThanOrEqual(HEIGHT + 1);
  await bob.close();
  await ada.close();
});
