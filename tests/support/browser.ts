import { accessSync, constants } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium; `scripts/ensure-test-deps.sh` installs it. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for headless Chromium on a machine without internet: no background traffic, no sandbox as root. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Playwright's timeout for each action, wait and navigation on a page, in milliseconds. */
export const PAGE_TIMEOUT_MS = 10_000;

/**
 * Starts headless Chromium. Playwright gives it a fresh temporary user-data-dir and
 * deletes it when the browser closes; the caller must `close()` the browser.
 */
export async function launchBrowser(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM_PATH} is missing: run scripts/ensure-test-deps.sh (or: sudo apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true, timeout: 30_000 });
}

/** What a page said while `withPage` ran: console messages and uncaught errors, in order. */
export interface PageLog {
  console: { type: string; text: string }[];
  errors: Error[];
}

/**
 * Opens a page in a new browser, runs `fn` with it and its log, and always closes the browser.
 * Returns what `fn` returns.
 */
export async function withPage<T>(fn: (page: Page, log: PageLog) => Promise<T>): Promise<T> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const log: PageLog = { console: [], errors: [] };
    page.on("console", (message) => log.console.push({ type: message.type(), text: message.text() }));
    page.on("pageerror", (error) => log.errors.push(error));
    return await fn(page, log);
  } finally {
    await browser.close();
  }
}
