import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { withPage } from "../support/browser";

// Proves the browser harness itself: headless Chromium, driven by playwright-core, reaching
// servers on real loopback sockets, with the page's console and errors collected.

jest.setTimeout(60_000);

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Serves `html` at every path on 127.0.0.1 at a free port; closed after each test. */
async function servePage(html: string): Promise<string> {
  const server: Server = createServer((req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** An echoing `ws` server on 127.0.0.1 at a free port; closed after each test. */
async function serveEcho(): Promise<string> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (socket) => socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise<void>((resolve, reject) => wss.once("listening", resolve).once("error", reject));
  closers.push(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
}

const BUTTON_PAGE = `<!doctype html>
<title>harness</title>
<button id="go">Go</button>
<p id="out"></p>
<script>
  document.getElementById("go").addEventListener("click", () => {
    document.getElementById("out").textContent = "clicked";
    console.log("button clicked");
  });
</script>`;

test("a click in Chromium writes into the DOM and its console.log is collected", async () => {
  const url = await servePage(BUTTON_PAGE);
  await withPage(async (page, log) => {
    await page.goto(url);
    const logged = page.waitForEvent("console", { predicate: (m) => m.text() === "button clicked" });
    await page.click("#go");
    await logged;
    expect(await page.textContent("#out")).toBe("clicked");
    expect(log.console).toContainEqual({ type: "log", text: "button clicked" });
    expect(log.errors).toEqual([]);
  });
});

test("an uncaught error in the page is collected", async () => {
  const url = await servePage(`<!doctype html><button id="go" onclick="throw new Error('boom')">Go</button>`);
  await withPage(async (page, log) => {
    await page.goto(url);
    const thrown = page.waitForEvent("pageerror");
    await page.click("#go");
    await thrown;
    expect(log.errors.map((e) => e.message)).toEqual(["boom"]);
  });
});

test("a WebSocket from the page to a ws server on loopback echoes a message", async () => {
  const pageUrl = await servePage("<!doctype html><title>ws</title>");
  const wsUrl = await serveEcho();
  // A string, not a function, so nothing from Node (types, coverage counters) reaches the page.
  const echo = `new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no echo within 5 s")), 5000);
    const socket = new WebSocket(${JSON.stringify(wsUrl)});
    socket.onerror = () => { clearTimeout(timer); reject(new Error("WebSocket error")); };
    socket.onopen = () => socket.send("hello over loopback");
    socket.onmessage = (event) => { clearTimeout(timer); socket.close(); resolve(event.data); };
  })`;
  await withPage(async (page, log) => {
    await page.goto(pageUrl);
    expect(await page.evaluate<string>(echo)).toBe("hello over loopback");
    expect(log.errors).toEqual([]);
  });
});
