/**
 * Regenerates the chat screenshots that chapter 6 shows (docs/chat-*.png): runs the chat's
 * browser test with SCREENSHOTS=1, which starts docs/code/06-chat/app.ts, chats in two tabs of
 * headless Chromium, stops the server and saves each picture. Run: `npm run screenshots`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..");
const result = spawnSync(join(root, "node_modules", ".bin", "jest"), ["tests/e2e/tutorial-chat.browser.test.ts"], {
  cwd: root,
  env: { ...process.env, SCREENSHOTS: "1" },
  stdio: "inherit",
});
process.exit(result.status ?? 1);
