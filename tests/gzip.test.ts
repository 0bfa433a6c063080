import { gunzipSync } from "node:zlib";
import { web } from "../src";
import { serve } from "./support/serve";
import { openSocket, readUntil } from "./support/wire";

const LONG = "hello gzip ".repeat(200);

class Body extends web.RequestHandler {
  async get(kind: string) {
    if (kind === "short") this.write("short");
    if (kind === "long") this.write(LONG);
    if (kind === "json") this.write({ text: LONG });
    if (kind === "png") {
      this.set_header("Content-Type", "image/png");
      this.write(LONG);
    }
    if (kind === "vary") {
      this.set_header("Vary", "Accept-Language");
      this.write(LONG);
    }
    if (kind === "streamed") {
      this.write("first part;");
      await this.flush();
      this.write("second part");
    }
  }
  head() {
    this.write(LONG);
  }
}

const gzipHeaders = { "Accept-Encoding": "gzip, deflate" };

describe("compress_response", () => {
  test("a long text body is gzipped with Vary and the compressed Content-Length", async () => {
    const server = await serve([["/(\\w+)", Body]], { compress_response: true });
    const response = await server.fetch("/long", { headers: gzipHeaders });
    expect(response.headers.get("Content-Encoding")).toBe("gzip");
    expect(response.headers.get("Vary")).toBe("Accept-Encoding");
    expect(Number(response.headers.get("Content-Length"))).toBe(response.body.length);
    expect(response.body.length).toBeLessThan(LONG.length);
    expect(gunzipSync(response.body).toString()).toBe(LONG);
  });

  test("JSON is compressible too", async () => {
    const server = await serve([["/(\\w+)", Body]], { compress_response: true });
    const response = await server.fetch("/json", { headers: gzipHeaders });
    expect(response.headers.get("Content-Encoding")).toBe("gzip");
    expect(JSON.parse(gunzipSync(response.body).toString())).toEqual({ text: LONG });
  });

  test.each<[string, Record<string, string>, string]>([
    ["short", gzipHeaders, "a body under 1024 bytes"],
    ["png", gzipHeaders, "a type that is not compressible"],
    ["long", {}, "a client that does not accept gzip"],
  ])("/%s is sent as is (%s), still with Vary", async (kind, headers, _why) => {
    const server = await serve([["/(\\w+)", Body]], { compress_response: true });
    const response = await server.fetch(`/${kind}`, { headers });
    expect(response.headers.get("Content-Encoding")).toBeUndefined();
    expect(response.headers.get("Vary")).toBe("Accept-Encoding");
  });

  test("an existing Vary is extended", async () => {
    const server = await serve([["/(\\w+)", Body]], { compress_response: true });
    const response = await server.fetch("/vary", { headers: gzipHeaders });
    expect(response.headers.get("Vary")).toBe("Accept-Language, Accept-Encoding");
  });

  test("a streamed response is gzipped chunk by chunk and decompresses whole", async () => {
    const server = await serve([["/(\\w+)", Body]], { compress_response: true });
    const response = await server.fetch("/streamed", { headers: gzipHeaders });
    expect(response.headers.get("Content-Encoding")).toBe("gzip");
    expect(response.headers.get("Transfer-Encoding")).toBe("chunked");
    expect(gunzipSync(response.body).toString()).toBe("first part;second part");
  });

  test("the first streamed chunk reaches the client before the handler finishes", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class Slow extends web.RequestHandler {
      async get() {
        this.write("x".repeat(2000));
        await this.flush();
        await gate;
        this.write("end");
      }
    }
    const server = await serve([["/", Slow]], { compress_response: true });
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
    const head = await readUntil(socket, (r) => r.includes("\r\n\r\n") && r.length > r.indexOf("\r\n\r\n") + 10);
    expect(head).toContain("Content-Encoding: gzip");
    release();
    await readUntil(socket, (r) => r.endsWith("0\r\n\r\n"));
    socket.destroy();
  });

  test("HEAD gets the gzip headers and no body", async () => {
    const server = await serve([["/(\\w+)", Body]], { compress_response: true });
    const response = await server.fetch("/long", { method: "HEAD", headers: gzipHeaders });
    expect(response.headers.get("Content-Encoding")).toBe("gzip");
    expect(response.body.length).toBe(0);
  });

  test("without the setting nothing is compressed and no Vary is added", async () => {
    const server = await serve([["/(\\w+)", Body]]);
    const response = await server.fetch("/long", { headers: gzipHeaders });
    expect(response.headers.get("Content-Encoding")).toBeUndefined();
    expect(response.headers.get("Vary")).toBeUndefined();
  });

  test("the gzip alias setting works too", async () => {
    const server = await serve([["/(\\w+)", Body]], { gzip: true });
    expect((await server.fetch("/long", { headers: gzipHeaders })).headers.get("Content-Encoding")).toBe("gzip");
  });
});
