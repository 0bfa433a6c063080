/**
 * `auth_mode: "digest"` over real sockets: handlers on loopback that implement the server side of
 * RFC 7616 themselves (challenge, then a check of the answer's hash, qop, nc and uri), for GET and
 * POST, MD5, MD5-sess and SHA-256, a body_producer, a wrong password, a Basic-only challenge and
 * redirects; the challenge parser; the answer compared with Python's urllib for a fixed cnonce.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { web } from "../src";
import { AsyncHTTPClient, HTTPClientError } from "../src/httpclient";
import { digestAuthorization, parseChallenges, type DigestChallenge } from "../src/httpclient/digest";
import { HTTPHeaders } from "../src/httputil/headers";
import { serve } from "./support/serve";

const clients: AsyncHTTPClient[] = [];
function client(): AsyncHTTPClient {
  const made = new AsyncHTTPClient({ force_instance: true });
  clients.push(made);
  return made;
}
afterEach(() => clients.splice(0).forEach((made) => made.close()));

const NONCE = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
const OPAQUE = "5ccc069c403ebaf9f0171e9517f40e41";
const REALM = "test realm";

/** Every request the protected handlers saw: its Authorization (or null) and its body. */
const seen: Array<{ authorization: string | null; body: string }> = [];
beforeEach(() => seen.splice(0));

/** The server's own parse of an `Authorization: Digest` header (independent of the client's). */
function parseAuthorization(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of header.replace(/^Digest /, "").matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params.set(match[1], match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]);
  }
  return params;
}

function hashOf(algorithm: string, text: string): string {
  return createHash(algorithm.startsWith("SHA-256") ? "sha256" : "md5")
    .update(text)
    .digest("hex");
}

/** Accepts user "alice", password "s3cret" answering its challenge; 401 with the challenge otherwise. */
class Protected extends web.RequestHandler {
  static algorithm = "MD5";

  get() {
    this.check();
  }

  post() {
    this.check();
  }

  check() {
    const header = this.request.headers.get("Authorization") ?? null;
    seen.push({ authorization: header, body: this.request.body.toString() });
    if (header === null || !this.valid(parseAuthorization(header))) {
      const algorithm = (this.constructor as typeof Protected).algorithm;
      this.set_status(401);
      this.set_header(
        "WWW-Authenticate",
        `Basic realm="basic", Digest realm="${REALM}", qop="auth,auth-int", nonce="${NONCE}", ` +
          `opaque="${OPAQUE}", algorithm=${algorithm}, stale=FALSE`,
      );
      this.write("denied");
      return;
    }
    this.write({ ok: true, body: this.request.body.toString() });
  }

  valid(params: Map<string, string>): boolean {
    const algorithm = (this.constructor as typeof Protected).algorithm;
    if (params.get("username") !== "alice" || params.get("realm") !== REALM || params.get("nonce") !== NONCE)
      return false;
    if (params.get("uri") !== this.request.uri || params.get("qop") !== "auth" || params.get("nc") !== "00000001") {
      return false;
    }
    if (params.get("opaque") !== OPAQUE || params.get("algorithm") !== algorithm) return false;
    const cnonce = params.get("cnonce") ?? "";
    let ha1 = hashOf(algorithm, `alice:${REALM}:s3cret`);
    if (algorithm.endsWith("-sess")) ha1 = hashOf(algorithm, `${ha1}:${NONCE}:${cnonce}`);
    const ha2 = hashOf(algorithm, `${this.request.method}:${this.request.uri}`);
    const expected = hashOf(algorithm, `${ha1}:${NONCE}:00000001:${cnonce}:auth:${ha2}`);
    return params.get("response") === expected;
  }
}
class ProtectedSha256 extends Protected {
  static algorithm = "SHA-256";
}
class ProtectedMd5Sess extends Protected {
  static algorithm = "MD5-sess";
}
class BasicOnly extends web.RequestHandler {
  get() {
    seen.push({ authorization: this.request.headers.get("Authorization") ?? null, body: "" });
    this.set_status(401);
    this.set_header("WWW-Authenticate", 'Basic realm="basic"');
    this.write("basic only");
  }
}
class ToProtected extends web.RequestHandler {
  get() {
    this.redirect("/md5/after?x=1");
  }
}

const routes: web.Route[] = [
  ["/md5/.*", Protected],
  ["/sha256/.*", ProtectedSha256],
  ["/md5sess/.*", ProtectedMd5Sess],
  ["/basic", BasicOnly],
  ["/redirect", ToProtected],
];
const login = { auth_username: "alice", auth_password: "s3cret", auth_mode: "digest" };

describe("auth_mode digest", () => {
  test("a GET answers the MD5 challenge with the path and query as uri", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/md5/a%20b?q=1&r=2"), login);
    expect(response.code).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, body: "" });
    expect(seen.map((request) => request.authorization === null)).toEqual([true, false]);
  });

  test("a POST sends its body with both requests and answers SHA-256", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/sha256/post"), {
      ...login,
      method: "POST",
      body: "a=1&b=2",
    });
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, body: "a=1&b=2" });
    expect(seen.map((request) => request.body)).toEqual(["a=1&b=2", "a=1&b=2"]);
  });

  test("works with expect_100_continue", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/md5/continue"), {
      ...login,
      method: "POST",
      body: "sent after 100",
      expect_100_continue: true,
    });
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, body: "sent after 100" });
    expect(seen.map((request) => request.body)).toEqual(["sent after 100", "sent after 100"]);
  });

  test("MD5-sess hashes the cnonce into HA1", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/md5sess/x"), login);
    expect(response.code).toBe(200);
  });

  test("a body_producer runs once, its body going with the answered request only", async () => {
    const server = await serve(routes);
    let runs = 0;
    const response = await client().fetch(server.get_url("/md5/produced"), {
      ...login,
      method: "POST",
      body_producer: async (write) => {
        runs++;
        await write("chunk one, ");
        await write("chunk two");
      },
    });
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, body: "chunk one, chunk two" });
    expect(runs).toBe(1);
    expect(seen.map((request) => request.body)).toEqual(["", "chunk one, chunk two"]);
  });

  test("a wrong password gets the second 401 as the answer", async () => {
    const server = await serve(routes);
    const error = await client()
      .fetch(server.get_url("/md5/x"), { ...login, auth_password: "wrong" })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HTTPClientError);
    expect((error as HTTPClientError).code).toBe(401);
    expect((error as HTTPClientError).response!.body.toString()).toBe("denied");
    expect(seen).toHaveLength(2);
  });

  test("a challenge without Digest (Basic only) is the answer, not retried", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/basic"), { ...login, raise_error: false });
    expect(response.code).toBe(401);
    expect(response.body.toString()).toBe("basic only");
    expect(seen).toEqual([{ authorization: null, body: "" }]);
  });

  test("redirects are followed, the new target answering its own challenge", async () => {
    const server = await serve(routes);
    const response = await client().fetch(server.get_url("/redirect"), login);
    expect(response.code).toBe(200);
    expect(response.effective_url).toBe(server.get_url("/md5/after?x=1"));
  });

  test("credentials in the URL are used too", async () => {
    const server = await serve(routes);
    const url = server.get_url("/md5/u").replace("http://", "http://alice:s3cret@");
    const response = await client().fetch(url, { auth_mode: "digest" });
    expect(response.code).toBe(200);
  });

  test("an unknown auth_mode still rejects", async () => {
    const server = await serve(routes);
    await expect(client().fetch(server.get_url("/md5/x"), { ...login, auth_mode: "ntlm" })).rejects.toThrow(
      "unsupported auth_mode ntlm",
    );
  });
});

describe("the challenge parser", () => {
  test("splits several challenges of one header, with quoted, escaped and bare values", () => {
    const challenges = parseChallenges(
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Digest nonce=abc, QOP="auth"',
    );
    expect(challenges.map((challenge) => challenge.scheme)).toEqual(["Newauth", "Basic", "Digest"]);
    expect(challenges[0].params.get("title")).toBe('Login to "apps"');
    expect(challenges[2].params).toEqual(
      new Map([
        ["nonce", "abc"],
        ["qop", "auth"],
      ]),
    );
  });

  test("takes linear time on a hostile header", () => {
    const hostile = `Digest ${'a="\\'.repeat(200_000)}`;
    const start = process.hrtime.bigint();
    parseChallenges(hostile);
    parseChallenges(",=".repeat(200_000));
    expect(Number(process.hrtime.bigint() - start) / 1e9).toBeLessThan(2);
  });

  test("skips Digest challenges it cannot answer (auth-int only, unknown algorithm)", async () => {
    const { digestChallenge } = await import("../src/httpclient/digest");
    const headers = new HTTPHeaders();
    headers.add("WWW-Authenticate", 'Digest realm="r", nonce="n", qop="auth-int"');
    headers.add("WWW-Authenticate", 'Digest realm="r", nonce="n", algorithm=SHA-512-256');
    expect(digestChallenge(headers)).toBeNull();
    headers.add("WWW-Authenticate", 'Digest realm="r2", nonce="n2"');
    expect(digestChallenge(headers)).toMatchObject({ realm: "r2", nonce: "n2", qop: [], algorithm: "MD5" });
  });
});

describe("the Authorization value", () => {
  const challenge: DigestChallenge = {
    realm: "testrealm@host.com",
    nonce: NONCE,
    opaque: OPAQUE,
    qop: ["auth", "auth-int"],
    algorithm: "MD5",
    stale: false,
  };

  test("is byte for byte what Python's urllib sends for the same cnonce", () => {
    const ours = digestAuthorization(challenge, {
      username: "Mufasa",
      password: "Circle Of Life",
      method: "GET",
      uri: "/dir/index.html?a=1",
      cnonce: "0a4f113b",
    });
    const python = execFileSync(
      "/usr/bin/python3",
      [
        "-c",
        `import urllib.request as u
h = u.AbstractDigestAuthHandler(u.HTTPPasswordMgr())
h.passwd.add_password("testrealm@host.com", "http://h/", "Mufasa", "Circle Of Life")
h.get_cnonce = lambda nonce: "0a4f113b"
chal = {"realm": "testrealm@host.com", "nonce": "${NONCE}", "qop": "auth,auth-int", "algorithm": "MD5", "opaque": "${OPAQUE}"}
print("Digest " + h.get_authorization(u.Request("http://h/dir/index.html?a=1"), chal), end="")`,
      ],
      { encoding: "utf8" },
    );
    expect(ours).toBe(python);
  });

  test("without qop (RFC 2069) hashes HA1:nonce:HA2 and sends no nc or cnonce", () => {
    const ours = digestAuthorization(
      { ...challenge, qop: [], opaque: null },
      { username: "u", password: "p", method: "GET", uri: "/" },
    );
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    const expected = md5(`${md5("u:testrealm@host.com:p")}:${NONCE}:${md5("GET:/")}`);
    expect(ours).toBe(
      `Digest username="u", realm="testrealm@host.com", nonce="${NONCE}", uri="/", response="${expected}", algorithm="MD5"`,
    );
  });
});
