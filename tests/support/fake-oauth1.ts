/**
 * Fake identity providers for the auth tests, on plain node:http (not tornado-ts, and with a
 * signature check written apart from src/auth, so that a bug there cannot hide itself):
 *
 * - an OAuth 1.0a provider with Twitter's endpoints (`/oauth/request_token`, `/oauth/authorize`,
 *   `/oauth/authenticate`, `/oauth/access_token`, `/1.1/account/verify_credentials.json`, `POST
 *   /1.1/statuses/update.json`) that recomputes the HMAC-SHA1 signature of every request and
 *   answers 401 when it does not match;
 * - an OpenID 2.0 endpoint: `GET /openid` logs the user in and sends them back to
 *   `openid.return_to` with Attribute Exchange values, `POST /openid` answers
 *   `check_authentication`.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The consumer the fake provider knows. */
export const CONSUMER = { key: "test consumer ü", secret: "test secret+/~ ş" };

/** RFC 3986 percent-encoding (OAuth's), from encodeURIComponent. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The HMAC-SHA1 signature OAuth 1.0a gives to `method url` with `params` (everything but oauth_signature). */
export function expectedSignature(method: string, url: string, params: Array<[string, string]>, tokenSecret: string) {
  const encoded = params.map(([k, v]) => [rfc3986(k), rfc3986(v)]);
  encoded.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  const paramString = encoded.map(([k, v]) => `${k}=${v}`).join("&");
  const base = [method.toUpperCase(), rfc3986(url), rfc3986(paramString)].join("&");
  const key = `${rfc3986(CONSUMER.secret)}&${rfc3986(tokenSecret)}`;
  return createHmac("sha1", key).update(base).digest("base64");
}

/** A request the provider received: method, path, query and form parameters, and its verdict. */
export interface Received {
  method: string;
  path: string;
  params: Record<string, string>;
  verdict: "ok" | "bad signature" | "unknown token";
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain"): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** A started fake provider; `close()` it after the test. */
export abstract class FakeProvider {
  readonly received: Received[] = [];
  protected server: Server | null = null;

  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  /** Listens on an ephemeral loopback port. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => send(res, 500, String(error)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  /** Stops listening and closes idle connections. */
  async close(): Promise<void> {
    this.server!.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /** The request's query and (form) body parameters, in order. */
  protected async parameters(req: IncomingMessage): Promise<{ path: string; pairs: Array<[string, string]> }> {
    const target = new URL(req.url!, "http://placeholder");
    const pairs = [...target.searchParams];
    const body = await readBody(req);
    // Only a form's body holds parameters (what a server with Tornado's body parsing sees).
    if (req.headers["content-type"] === "application/x-www-form-urlencoded") pairs.push(...new URLSearchParams(body));
    return { path: target.pathname, pairs };
  }
}

/** The fake OAuth 1.0a (Twitter-like) provider. */
export class FakeOAuthProvider extends FakeProvider {
  /** Token key -> secret, for request and access tokens it issued. */
  readonly secrets = new Map<string, string>();
  /** Request token -> the callback it was asked for and the verifier it will give. */
  readonly pending = new Map<string, { callback: string; verifier: string }>();
  issued = 0;

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, pairs } = await this.parameters(req);
    const params = Object.fromEntries(pairs);
    const record: Received = { method: req.method!, path, params, verdict: "ok" };
    this.received.push(record);
    if (path === "/oauth/authorize" || path === "/oauth/authenticate") return this.authorize(res, params);
    const tokenSecret = params.oauth_token === undefined ? "" : this.secrets.get(params.oauth_token);
    if (tokenSecret === undefined || params.oauth_consumer_key !== CONSUMER.key) {
      record.verdict = "unknown token";
      return send(res, 401, "unknown token or consumer");
    }
    const unsigned = pairs.filter(([name]) => name !== "oauth_signature");
    if (params.oauth_signature !== expectedSignature(req.method!, this.url(path), unsigned, tokenSecret)) {
      record.verdict = "bad signature";
      return send(res, 401, "bad signature");
    }
    if (path === "/oauth/request_token") return this.requestToken(res, params);
    if (path === "/oauth/access_token") return this.accessToken(res, params);
    if (path === "/1.1/account/verify_credentials.json") {
      return send(
        res,
        200,
        JSON.stringify({ id: 42, screen_name: "ayse_dev", name: "Ayşe Yılmaz" }),
        "application/json",
      );
    }
    if (path === "/1.1/statuses/update.json" && req.method === "POST") {
      return send(
        res,
        200,
        JSON.stringify({ id: 7, text: params.status, query: params.trim_user ?? null }),
        "application/json",
      );
    }
    send(res, 404, "not found");
  }

  private issue(prefix: string): [string, string] {
    this.issued++;
    const key = `${prefix} ${this.issued}/é`;
    const secret = `${prefix} secret ${this.issued}+~`;
    this.secrets.set(key, secret);
    return [key, secret];
  }

  private requestToken(res: ServerResponse, params: Record<string, string>): void {
    const [key, secret] = this.issue("request");
    this.pending.set(key, { callback: params.oauth_callback ?? "", verifier: `verifier ${this.issued}` });
    send(
      res,
      200,
      new URLSearchParams({
        oauth_token: key,
        oauth_token_secret: secret,
        oauth_callback_confirmed: "true",
      }).toString(),
    );
  }

  /** The user's browser at the authorization page: sent back to the callback at once. */
  private authorize(res: ServerResponse, params: Record<string, string>): void {
    const pending = this.pending.get(params.oauth_token);
    if (pending === undefined) return send(res, 404, "no such request token");
    const back = new URL(params.oauth_callback ?? pending.callback);
    back.searchParams.set("oauth_token", params.oauth_token);
    back.searchParams.set("oauth_verifier", pending.verifier);
    res.writeHead(302, { Location: back.toString(), "Content-Length": 0 });
    res.end();
  }

  private accessToken(res: ServerResponse, params: Record<string, string>): void {
    const pending = this.pending.get(params.oauth_token);
    if (pending === undefined || params.oauth_verifier !== pending.verifier) return send(res, 401, "bad verifier");
    this.pending.delete(params.oauth_token);
    this.secrets.delete(params.oauth_token);
    const [key, secret] = this.issue("access");
    send(
      res,
      200,
      new URLSearchParams({
        oauth_token: key,
        oauth_token_secret: secret,
        user_id: "42",
        screen_name: "ayse_dev",
      }).toString(),
    );
  }
}

/** The signature the fake OpenID provider puts on its answers (checked by check_authentication). */
const OPENID_SIG = "sig+/=ü";

/** The fake OpenID 2.0 provider. */
export class FakeOpenIdProvider extends FakeProvider {
  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, pairs } = await this.parameters(req);
    const params = Object.fromEntries(pairs);
    this.received.push({ method: req.method!, path, params, verdict: "ok" });
    if (path !== "/openid") return send(res, 404, "not found");
    if (req.method === "GET") return this.login(res, params);
    const valid = params["openid.mode"] === "check_authentication" && params["openid.sig"] === OPENID_SIG;
    send(res, 200, `ns:http://specs.openid.net/auth/2.0\nis_valid:${valid}\n`);
  }

  /** The user logs in; sent back to `openid.return_to` with an id_res answer and AX values. */
  private login(res: ServerResponse, params: Record<string, string>): void {
    const back = new URL(params["openid.return_to"]);
    const answer: Array<[string, string]> = [
      ["openid.ns", "http://specs.openid.net/auth/2.0"],
      ["openid.mode", "id_res"],
      ["openid.claimed_id", "https://id.example/ayse"],
      ["openid.ns.ext1", "http://openid.net/srv/ax/1.0"],
      ["openid.ext1.type.firstname", "http://axschema.org/namePerson/first"],
      ["openid.ext1.value.firstname", "Ayşe"],
      ["openid.ext1.type.lastname", "http://axschema.org/namePerson/last"],
      ["openid.ext1.value.lastname", "Yılmaz"],
      ["openid.ext1.type.email", "http://axschema.org/contact/email"],
      ["openid.ext1.value.email", "ayse@example.com"],
      ["openid.ext1.type.language", "http://axschema.org/pref/language"],
      ["openid.ext1.value.language", "TR-tr"],
      ["openid.sig", OPENID_SIG],
    ];
    for (const [name, value] of answer) back.searchParams.append(name, value);
    res.writeHead(302, { Location: back.toString(), "Content-Length": 0 });
    res.end();
  }
}
