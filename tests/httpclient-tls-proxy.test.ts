/**
 * tornado.httpclient over TLS (the test certificate: `ca_certs`, `validate_cert`) and through an
 * HTTP forward proxy started by the test (absolute-form requests, `Proxy-Authorization`).
 */
import { once } from "node:events";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { web } from "../src";
import { AsyncHTTPClient, HTTPClientError } from "../src/httpclient";
import { serve } from "./support/serve";

const fixtures = join(__dirname, "fixtures");
const ssl_options = { key: readFileSync(join(fixtures, "test.key")), cert: readFileSync(join(fixtures, "test.crt")) };

const clients: AsyncHTTPClient[] = [];
function client(): AsyncHTTPClient {
  const made = new AsyncHTTPClient({ force_instance: true });
  clients.push(made);
  return made;
}
afterEach(() => clients.splice(0).forEach((made) => made.close()));

class Info extends web.RequestHandler {
  get() {
    this.write({ protocol: this.request.protocol, path: this.request.uri });
  }
}

describe("TLS", () => {
  test("ca_certs naming the test certificate's file verifies the server", async () => {
    const server = await serve([["/.*", Info]], {}, { ssl_options });
    const response = await client().fetch(server.get_url("/secure"), { ca_certs: join(fixtures, "test.crt") });
    expect(JSON.parse(response.body.toString())).toEqual({ protocol: "https", path: "/secure" });
  });

  test("an unknown self-signed certificate fails with 599; validate_cert: false accepts it", async () => {
    const server = await serve([["/.*", Info]], {}, { ssl_options });
    const err = (await client()
      .fetch(server.get_url("/"))
      .catch((e: unknown) => e)) as HTTPClientError;
    expect(err).toBeInstanceOf(HTTPClientError);
    expect(err.code).toBe(599);
    expect(err.message).toMatch(/self.signed/i);
    const response = await client().fetch(server.get_url("/"), { validate_cert: false });
    expect(response.code).toBe(200);
  });
});

/** A forward proxy: takes absolute-form requests, records them, and relays them to their origin. */
async function startProxy(): Promise<{
  port: number;
  seen: Array<{ url: string; auth: string | null }>;
  close: () => Promise<void>;
}> {
  const seen: Array<{ url: string; auth: string | null }> = [];
  const proxy = http.createServer((req, res) => {
    seen.push({ url: req.url ?? "", auth: req.headers["proxy-authorization"] ?? null });
    const target = new URL(req.url ?? "");
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const upstream = http.request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await once(proxy.listen(0, "127.0.0.1"), "listening");
  return {
    port: (proxy.address() as AddressInfo).port,
    seen,
    close: () => {
      proxy.closeAllConnections();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe("proxy_host / proxy_port", () => {
  test("an http request goes to the proxy in absolute form, with Proxy-Authorization when a user is set", async () => {
    const server = await serve([["/.*", Info]]);
    const proxy = await startProxy();
    try {
      const response = await client().fetch(server.get_url("/via?x=1"), {
        proxy_host: "127.0.0.1",
        proxy_port: proxy.port,
        proxy_username: "user",
        proxy_password: "pass",
      });
      expect(JSON.parse(response.body.toString())).toEqual({ protocol: "http", path: "/via?x=1" });
      expect(proxy.seen).toEqual([
        { url: server.get_url("/via?x=1"), auth: `Basic ${Buffer.from("user:pass").toString("base64")}` },
      ]);
      const direct = await client().fetch(server.get_url("/direct"));
      expect(direct.code).toBe(200);
      expect(proxy.seen).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
