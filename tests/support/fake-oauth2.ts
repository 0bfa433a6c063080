/**
 * Fake OAuth 2 providers on a real loopback socket, for the auth tests and the demos' tests:
 * a Google-like one under `/google` (authorize, token, userinfo) and a Facebook-like Graph API
 * under `/graph` (dialog, token, /me). Every request is recorded as it came off the wire, so a
 * test can compare what our mixins and Tornado's send, byte for byte.
 *
 * Run it alone (for trying the demos by hand) with `npx tsx tests/support/fake-oauth2.ts [port]`.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { testing } from "../../src";

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  /** The request target, exactly as sent (path and query). */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** How the token endpoints answer. */
export type TokenMode = "ok" | "status400" | "badjson" | "notoken" | "noexpiry";

/** The code the fake authorize pages hand out, and the only one the token endpoints accept. */
export const FAKE_CODE = "4/P7q+7W91 a&b";
/** The access token the fakes issue for `FAKE_CODE`. */
export const FAKE_GOOGLE_TOKEN = "ya29.fake google/token";
export const FAKE_FACEBOOK_TOKEN = "EAAfake+facebook token";
/** The user the fakes describe. */
export const FAKE_GOOGLE_USER = { id: "1234", email: "ada@example.com", name: "Ada Lovelace", picture: "" };
export const FAKE_FACEBOOK_USER = { id: "5678", name: "Grace Hopper", first_name: "Grace", last_name: "Hopper" };

/** What the fake Graph API lists as the user's posts. */
export const FAKE_FACEBOOK_FEED = [
  {
    id: "5678_1",
    from: { id: "5678", name: "Grace Hopper" },
    message: "Compilers <3 & bugs",
    created_time: "2024-03-01T12:30:00+0000",
    actions: [{ name: "Comment", link: "https://www.facebook.com/5678/posts/1" }],
  },
];

/** The running fake providers. */
export class FakeProviders {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** How the token endpoints answer next. */
  tokenMode: TokenMode = "ok";

  private constructor(private readonly server: Server) {}

  /** Starts the fakes on 127.0.0.1 (port 0: a free one). */
  static async start(port = 0): Promise<FakeProviders> {
    let fake: FakeProviders | null = null;
    const server = createServer((req, res) => fake!.handle(req, res));
    fake = new FakeProviders(server);
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
    return fake;
  }

  /** `http://127.0.0.1:<port>`. */
  get base(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The recorded requests whose path starts with `prefix`. */
  requestsTo(prefix: string): RecordedRequest[] {
    return this.requests.filter((request) => request.url.startsWith(prefix));
  }

  /** Stops the server and its connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close");
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      this.requests.push(recorded);
      this.route(recorded, res);
    });
  }

  private route(request: RecordedRequest, res: ServerResponse): void {
    const url = new URL(request.url, this.base);
    const query = url.searchParams;
    switch (`${request.method} ${url.pathname}`) {
      case "GET /google/auth":
      case "GET /google/o/oauth2/v2/auth": // the real provider's paths, for the demos
      case "GET /facebook/dialog/oauth":
      case "GET /graph/dialog/oauth":
        return approve(query, res);
      case "POST /google/token":
      case "POST /google/oauth2/v4/token":
        return this.token(new URLSearchParams(request.body), FAKE_GOOGLE_TOKEN, res);
      case "GET /google/userinfo":
      case "GET /google/oauth2/v1/userinfo":
        return authorized(query, FAKE_GOOGLE_TOKEN, FAKE_GOOGLE_USER, res);
      case "GET /graph/oauth/access_token":
        return this.token(query, FAKE_FACEBOOK_TOKEN, res);
      case "GET /graph/me":
        return authorized(query, FAKE_FACEBOOK_TOKEN, FAKE_FACEBOOK_USER, res);
      case "POST /graph/me/feed":
        return authorized(query, FAKE_FACEBOOK_TOKEN, { id: "5678_1" }, res);
      case "GET /graph/me/feed":
        return authorized(query, FAKE_FACEBOOK_TOKEN, { data: FAKE_FACEBOOK_FEED }, res);
      default:
        return json(res, 404, { error: "not_found" });
    }
  }

  /** A token endpoint: the right code gets `token`, anything else a 400, as a provider does. */
  private token(args: URLSearchParams, token: string, res: ServerResponse): void {
    if (this.tokenMode === "status400" || args.get("code") !== FAKE_CODE) {
      return json(res, 400, { error: "invalid_grant" });
    }
    if (this.tokenMode === "badjson") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("<html>not json</html>");
      return;
    }
    if (this.tokenMode === "notoken") return json(res, 200, { token_type: "Bearer" });
    if (this.tokenMode === "noexpiry") return json(res, 200, { access_token: token });
    json(res, 200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
  }
}

/** The authorize page of a provider whose user always agrees: back to `redirect_uri` with the code. */
function approve(query: URLSearchParams, res: ServerResponse): void {
  const target = new URL(query.get("redirect_uri") ?? "");
  target.searchParams.set("code", FAKE_CODE);
  const state = query.get("state");
  if (state !== null) target.searchParams.set("state", state);
  res.writeHead(302, { Location: target.toString() });
  res.end();
}

/** An API endpoint that answers `body` to the right access token and 401 to anything else. */
function authorized(query: URLSearchParams, token: string, body: object, res: ServerResponse): void {
  if (query.get("access_token") !== token) return json(res, 401, { error: "invalid_token" });
  json(res, 200, body);
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * A browser, reduced to what a login needs: follows redirects from host to host (the demo, the
 * fake provider, back) and keeps each host's cookies. Every request it made is in `visited`.
 */
export class CookieBrowser {
  readonly cookies = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];

  /** GETs `url`, following up to 10 redirects unless `follow` is false; resolves to the last response. */
  async get(url: string, follow = true): Promise<testing.HTTPResponse> {
    for (let hops = 0; hops < 10; hops++) {
      this.visited.push(url);
      const target = new URL(url);
      const jar = this.cookies.get(target.host) ?? new Map<string, string>();
      this.cookies.set(target.host, jar);
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
      const response = await testing.fetch(url, { follow_redirects: false, headers: cookie ? { Cookie: cookie } : {} });
      for (const line of response.headers.get_list("Set-Cookie")) keepCookie(jar, line);
      const location = response.headers.get("Location");
      if (!follow || location === undefined || response.code < 300 || response.code >= 400) return response;
      url = new URL(location, url).toString();
    }
    throw new Error(`too many redirects, last ${url}`);
  }
}

/** Keeps (or, when it expired, forgets) one `Set-Cookie` line's cookie. */
function keepCookie(jar: Map<string, string>, line: string): void {
  const [pair, ...attributes] = line.split(";");
  const eq = pair.indexOf("=");
  const name = pair.slice(0, eq).trim();
  const expires = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith("expires="));
  if (expires !== undefined && Date.parse(expires.slice("expires=".length)) < Date.now()) jar.delete(name);
  else jar.set(name, pair.slice(eq + 1).trim());
}

if (require.main === module) {
  void FakeProviders.start(Number(process.argv[2] ?? 0)).then((fake) => console.log(`fake providers on ${fake.base}`));
}
