import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChildProcess } from "node:child_process";
import { withPage } from "../support/browser";
import { freePort, fetchWhenUp, ProgramOutput, startProgram, stopProgram } from "../support/process";

// The tutorial, typed by a reader into a real browser: the Geri example runs, the page at "/"
// loads, and the tutorial's console lines get their echo back.

jest.setTimeout(60_000);

let child: ChildProcess;
let output: ProgramOutput;
let base: string;
let port: number;

beforeAll(async () => {
  port = await freePort();
  child = startProgram("examples/geri/geri.ts", [`--port=${port}`, "--address=127.0.0.1"]);
  output = new ProgramOutput(child);
  base = `http://127.0.0.1:${port}`;
  await fetchWhenUp(`${base}/`);
});

afterAll(() => stopProgram(child));

test("the tutorial's console lines get their echo, and the server prints both Turkish lines", async () => {
  await withPage(async (page, log) => {
    await page.goto(`${base}/`);
    const echoed = await page.evaluate(`new Promise((resolve, reject) => {
      var ws = new WebSocket("ws://127.0.0.1:${port}/ws/geri");
      ws.onmessage = function(mesaj){console.log(mesaj)};
      ws.addEventListener("message", (mesaj) => { ws.close(); resolve(mesaj.data); });
      ws.onerror = () => reject(new Error("websocket error"));
      ws.onopen = () => ws.send("Merhaba Geri");
      setTimeout(() => reject(new Error("no echo in 5s")), 5000);
    })`);
    expect(echoed).toBe("Merhaba Geri");
    expect(log.console.some((m) => m.type === "log" && /MessageEvent/.test(m.text))).toBe(true);
  });
  await output.waitFor(/Bağlantı kuruldu\n[\s\S]*Merhaba Geri\n[\s\S]*Bağlantı kapandı/);
});

test("the page's own client sends what is typed and shows the echo", async () => {
  await withPage(async (page, log) => {
    await page.goto(`${base}/`);
    await page.locator("#durum", { hasText: "Bağlandı" }).waitFor();
    await page.fill("#mesaj", "Selam");
    await page.click("button[type=submit]");
    await page.locator("#mesajlar", { hasText: "← Selam" }).waitFor();
    expect(await page.inputValue("#mesaj")).toBe("");
    expect(log.errors).toEqual([]);
  });
});

test("a page from another origin is refused (403 before the upgrade)", async () => {
  const other = await servePage("<!doctype html><title>elsewhere</title>");
  try {
    await withPage(async (page) => {
      await page.goto(other.url);
      const result = await page.evaluate(`new Promise((resolve) => {
        var ws = new WebSocket("ws://127.0.0.1:${port}/ws/geri");
        ws.onopen = () => resolve("opened");
        ws.onclose = (event) => resolve("closed " + event.code);
        setTimeout(() => resolve("timeout"), 5000);
      })`);
      expect(result).toBe("closed 1006");
    });
    await output.waitFor(/403 GET \/ws\/geri/);
  } finally {
    other.server.closeAllConnections();
    await new Promise((resolve) => other.server.close(resolve));
  }
});

async function servePage(html: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}
