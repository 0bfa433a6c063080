/**
 * The OAuth 2 mixins (OAuth2Mixin, GoogleOAuth2Mixin, FacebookGraphMixin) over real sockets,
 * against fake providers (tests/support/fake-oauth2.ts); and, byte for byte, against Tornado's
 * own mixins (tests/fixtures/auth/oauth2_reference.py, run with Debian's python3-tornado) talking
 * to the same fakes with the same inputs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { auth, log, testing, web } from "../src";
import { decode_signed_value } from "../src/web/signing";
import { PYTHON } from "./conformance/runner";
import {
  FAKE_CODE,
  FAKE_FACEBOOK_TOKEN,
  FAKE_FACEBOOK_USER,
  FAKE_GOOGLE_TOKEN,
  FAKE_GOOGLE_USER,
  FakeProviders,
  type RecordedRequest,
} from "./support/fake-oauth2";
import { fetchWhenUp, freePort, ProgramOutput, stopProgram } from "./support/process";
import { serve } from "./support/serve";
import {
  FACEBOOK_REDIRECT,
  GOOGLE_REDIRECT,
  REFERENCE_SETTINGS,
  referenceRoutes,
} from "./fixtures/auth/oauth2_reference";

let fake: FakeProviders;
let ours: testing.TestServer;
let python: ChildProcess;
let pythonOutput: ProgramOutput;
let pythonBase: string;

beforeAll(async () => {
  fake = await FakeProviders.start();
  const port = await freePort();
  python = spawn(
    PYTHON,
    [join(__dirname, "fixtures/auth/oauth2_reference.py"), `--port=${port}`, `--fake=${fake.base}`],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  pythonOutput = new ProgramOutput(python);
  pythonBase = `http://127.0.0.1:${port}`;
  await fetchWhenUp(`${pythonBase}/nowhere`);
}, 20000);

afterAll(async () => {
  await stopProgram(python);
  await fake.close();
});

beforeEach(async () => {
  fake.requests.length = 0;
  fake.tokenMode = "ok";
  ours = await serve(referenceRoutes(fake.base), REFERENCE_SETTINGS);
});

/** The code query argument as the provider sends the browser back with it. */
const CODE_QUERY = "code=" + encodeURIComponent(FAKE_CODE);

function get(base: string, path: string): Promise<testing.HTTPResponse> {
  return testing.fetch(base + path, { follow_redirects: false });
}

function only(requests: RecordedRequest[]): RecordedRequest {
  expect(requests).toHaveLength(1);
  return requests[0];
}

function queryOf(location: string): Array<[string, string]> {
  return [...new URL(location).searchParams];
}

describe("Google", () => {
  test("GET /login redirects to the authorize URL with every parameter, in Tornado's order", async () => {
    const response = await get(ours.get_url(""), "/google/login");
    expect(response.code).toBe(302);
    const location = response.headers.get("Location")!;
    expect(location.startsWith(fake.base + "/google/auth?")).toBe(true);
    expect(queryOf(location)).toEqual([
      ["response_type", "code"],
      ["redirect_uri", GOOGLE_REDIRECT],
      ["client_id", "google client/id"],
      ["approval_prompt", "auto"],
      ["state", "a/b c+d~e"],
      ["scope", "profile email"],
    ]);
    expect(location).toContain("scope=profile+email");
  });

  test("the code is exchanged with a form POST, then the user is fetched and kept in a signed cookie", async () => {
    const response = await get(ours.get_url(""), "/google/login?" + CODE_QUERY);
    expect(response.code).toBe(200);
    expect(response.json()).toEqual(FAKE_GOOGLE_USER);

    const token = only(fake.requestsTo("/google/token"));
    expect(token.method).toBe("POST");
    expect(token.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect([...new URLSearchParams(token.body)]).toEqual([
      ["redirect_uri", GOOGLE_REDIRECT],
      ["code", FAKE_CODE],
      ["client_id", "google client/id"],
      ["client_secret", "google s3cret+="],
      ["grant_type", "authorization_code"],
    ]);
    const userinfo = only(fake.requestsTo("/google/userinfo"));
    expect(userinfo.url).toBe("/google/userinfo?access_token=" + "ya29.fake+google%2Ftoken");
    expect(FAKE_GOOGLE_TOKEN).toBe("ya29.fake google/token");

    const cookie = response.headers.get("Set-Cookie")!;
    const value = /^user="?([^";]+)"?/.exec(cookie)![1];
    const decoded = decode_signed_value(REFERENCE_SETTINGS.cookie_secret, "user", value);
    expect(JSON.parse(decoded!.toString())).toEqual(FAKE_GOOGLE_USER);
  });

  test("client_id and client_secret given to get_authenticated_user win over the settings", async () => {
    class Login extends auth.GoogleOAuth2Mixin(web.RequestHandler) {
      static override _OAUTH_ACCESS_TOKEN_URL = fake.base + "/google/token";
      async get() {
        this.write(
          await this.get_authenticated_user({ redirect_uri: "r", code: FAKE_CODE, client_id: "i", client_secret: "s" }),
        );
      }
    }
    const server = await serve([["/", Login]]);
    expect((await server.fetch("/")).json().access_token).toBe(FAKE_GOOGLE_TOKEN);
    expect(only(fake.requestsTo("/google/token")).body).toBe(
      `redirect_uri=r&code=${encodeURIComponent(FAKE_CODE).replace(/%20/g, "+")}&client_id=i&client_secret=s&grant_type=authorization_code`,
    );
  });

  test("without credentials in the arguments or the settings, the handler fails with a 500", async () => {
    class Login extends auth.GoogleOAuth2Mixin(web.RequestHandler) {
      async get() {
        await this.get_authenticated_user({ redirect_uri: "r", code: "c" });
      }
    }
    const server = await serve([["/", Login]]);
    const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception GET \//, () => server.fetch("/"));
    expect(response.code).toBe(500);
    expect(fake.requests).toHaveLength(0);
  });

  test.each([
    ["status400", "a 400 answer"],
    ["badjson", "an answer that is not JSON"],
  ] as const)(
    "a token endpoint giving %s (%s) makes an AuthError, a logged 500 without a stack trace",
    async (mode, _what) => {
      fake.tokenMode = mode;
      const response = await testing.ExpectLog.around(log.app_log, /Uncaught exception GET \/google\/login/, () =>
        get(ours.get_url(""), "/google/login?" + CODE_QUERY),
      );
      expect(response.code).toBe(500);
      expect(response.text).not.toMatch(/AuthError|\n\s+at |google s3cret/);
      expect(response.headers.get("Set-Cookie")).toBeUndefined();
      expect(fake.requestsTo("/google/userinfo")).toHaveLength(0);
    },
  );

  test.each([
    ["status400", /^Error response HTTP 400: Bad Request fetching http:\/\/127\.0\.0\.1:\d+\/google\/token$/],
    ["badjson", /^Invalid JSON in the response from http:\/\/127\.0\.0\.1:\d+\/google\/token$/],
  ] as const)("the error for %s is an AuthError whose cause is the original error", async (mode, message) => {
    fake.tokenMode = mode;
    let caught: unknown = null;
    class Login extends auth.GoogleOAuth2Mixin(web.RequestHandler) {
      static override _OAUTH_ACCESS_TOKEN_URL = fake.base + "/google/token";
      async get() {
        try {
          await this.get_authenticated_user({ redirect_uri: "r", code: FAKE_CODE, client_id: "i", client_secret: "s" });
        } catch (error) {
          caught = error;
        }
        this.write("done");
      }
    }
    const server = await serve([["/", Login]]);
    await server.fetch("/");
    expect(caught).toBeInstanceOf(auth.AuthError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).cause).toBeInstanceOf(mode === "status400" ? Error : SyntaxError);
  });
});

describe("Facebook", () => {
  test("GET /login redirects to the dialog with Tornado's parameters", async () => {
    const location = (await get(ours.get_url(""), "/facebook/login")).headers.get("Location")!;
    expect(location.startsWith(fake.base + "/facebook/dialog/oauth?response_type=")).toBe(true);
    expect(queryOf(location)).toEqual([
      ["response_type", "code"],
      ["redirect_uri", FACEBOOK_REDIRECT],
      ["client_id", "fb app id"],
      ["scope", "user_posts,email"],
    ]);
  });

  test("the code is exchanged by GET, then /me is asked with appsecret_proof and the fields", async () => {
    const response = await get(ours.get_url(""), "/facebook/login?" + CODE_QUERY);
    expect(response.code).toBe(200);
    expect(response.json()).toEqual({
      id: "5678",
      name: "Grace Hopper",
      first_name: "Grace",
      last_name: "Hopper",
      locale: null,
      picture: null,
      link: null,
      email: null,
      access_token: FAKE_FACEBOOK_TOKEN,
      session_expires: "3599",
    });
    const token = only(fake.requestsTo("/graph/oauth/access_token"));
    expect(token.method).toBe("GET");
    expect([...new URL(token.url, fake.base).searchParams]).toEqual([
      ["redirect_uri", FACEBOOK_REDIRECT],
      ["code", FAKE_CODE],
      ["client_id", "fb app id"],
      ["client_secret", "fb s3cret/+"],
    ]);
    const me = only(fake.requestsTo("/graph/me"));
    const proof = createHmac("sha256", "fb s3cret/+").update(FAKE_FACEBOOK_TOKEN).digest("hex");
    expect([...new URL(me.url, fake.base).searchParams]).toEqual([
      ["access_token", FAKE_FACEBOOK_TOKEN],
      ["appsecret_proof", proof],
      ["fields", "id,name,first_name,last_name,locale,picture,link,email"],
    ]);
    expect(FAKE_FACEBOOK_USER.id).toBe("5678");
  });

  test("a token answer without access_token is an AuthError", async () => {
    fake.tokenMode = "notoken";
    let caught: unknown = null;
    class Login extends auth.FacebookGraphMixin(web.RequestHandler) {
      static override _OAUTH_ACCESS_TOKEN_URL = fake.base + "/graph/oauth/access_token?";
      async get() {
        try {
          await this.get_authenticated_user({ redirect_uri: "r", client_id: "i", client_secret: "s", code: FAKE_CODE });
        } catch (error) {
          caught = error;
        }
        this.write("done");
      }
    }
    const server = await serve([["/", Login]]);
    await server.fetch("/");
    expect(caught).toBeInstanceOf(auth.AuthError);
    expect(String(caught)).toBe("AuthError: Facebook's token response has no access_token");
    expect(fake.requestsTo("/graph/me")).toHaveLength(0);
  });

  test('a token answer without expires_in gives session_expires "None", as Python\'s str(None)', async () => {
    fake.tokenMode = "noexpiry";
    const user = (await get(ours.get_url(""), "/facebook/login?" + CODE_QUERY)).json();
    expect(user.access_token).toBe(FAKE_FACEBOOK_TOKEN);
    expect(user.session_expires).toBe("None");
  });

  test("facebook_request POSTs post_args form-encoded, the query arguments after the token", async () => {
    const token = encodeURIComponent(FAKE_FACEBOOK_TOKEN);
    const response = await get(ours.get_url(""), "/facebook/post?token=" + token);
    expect(response.json()).toEqual({ id: "5678_1" });
    const post = only(fake.requestsTo("/graph/me/feed"));
    expect(post.method).toBe("POST");
    expect(post.url).toBe("/graph/me/feed?access_token=EAAfake%2Bfacebook+token&privacy=SELF");
    expect(post.body).toBe("message=I+am+posting+from+my+Tornado+application%21+%C3%A7%2Fok");
  });
});

describe("OAuth2Mixin", () => {
  test("_oauth_request_token_url and authorize_redirect keep the URL's own query; extra_params replace in place", async () => {
    const response = await get(ours.get_url(""), "/plain/login");
    expect(response.headers.get("Location")).toBe(
      fake.base +
        "/plain/authorize?existing=1&blank=&response_type=token&client_id=plain+id&include_granted_scopes=True&max_age=0",
    );
    expect(response.headers.get("X-Token-Url")).toBe(
      fake.base +
        "/plain/token?redirect_uri=http%3A%2F%2Fx%2Fcb&code=replaced&client_id=id+1&client_secret=s%2F2&grant_type=authorization_code",
    );
  });

  test("oauth2_request drops query arguments when there is no access token, as Tornado", async () => {
    class Api extends auth.OAuth2Mixin(web.RequestHandler) {
      async get() {
        try {
          await this.oauth2_request(fake.base + "/google/userinfo", { alt: "json" });
        } catch (error) {
          this.write(String(error));
        }
      }
    }
    const server = await serve([["/", Api]]);
    expect((await server.fetch("/")).text).toMatch(/^AuthError: Error response HTTP 401/);
    expect(only(fake.requestsTo("/google/userinfo")).url).toBe("/google/userinfo");
  });

  test("a class without _OAUTH_AUTHORIZE_URL fails the request with a TypeError naming it", async () => {
    let caught: unknown = null;
    class Bare extends auth.OAuth2Mixin(web.RequestHandler) {
      get() {
        try {
          this.authorize_redirect({ client_id: "x" });
        } catch (error) {
          caught = error;
          this.write("no");
        }
      }
    }
    const server = await serve([["/", Bare]]);
    await server.fetch("/");
    expect(caught).toBeInstanceOf(TypeError);
    expect(String(caught)).toBe("TypeError: Bare must define static _OAUTH_AUTHORIZE_URL");
  });

  test("a subclass may hand the mixin another HTTP client (get_auth_http_client)", async () => {
    const { AsyncHTTPClient } = await import("../src/httpclient");
    const own = new AsyncHTTPClient({ force_instance: true });
    let used = 0;
    class Api extends auth.OAuth2Mixin(web.RequestHandler) {
      override get_auth_http_client() {
        used++;
        return own;
      }
      async get() {
        this.write(await this.oauth2_request(fake.base + "/google/userinfo", { access_token: FAKE_GOOGLE_TOKEN }));
      }
    }
    const server = await serve([["/", Api]]);
    expect((await server.fetch("/")).json()).toEqual(FAKE_GOOGLE_USER);
    expect(used).toBe(1);
    own.close();
  });
});

/** What one implementation sent to the fakes for every flow, with Facebook's `fields` sorted (Tornado sends a Python set). */
async function wireOf(base: string): Promise<Record<string, string>> {
  fake.requests.length = 0;
  const wire: Record<string, string> = {};
  wire.googleLocation = (await get(base, "/google/login")).headers.get("Location")!;
  expect((await get(base, "/google/login?" + CODE_QUERY)).code).toBe(200);
  const token = only(fake.requestsTo("/google/token"));
  wire.googleTokenBody = token.body;
  wire.googleTokenType = String(token.headers["content-type"]);
  wire.googleUserinfo = only(fake.requestsTo("/google/userinfo")).url;
  wire.facebookLocation = (await get(base, "/facebook/login")).headers.get("Location")!;
  expect((await get(base, "/facebook/login?" + CODE_QUERY)).code).toBe(200);
  wire.facebookToken = only(fake.requestsTo("/graph/oauth/access_token")).url;
  wire.facebookMe = sortFields(only(fake.requestsTo("/graph/me")).url);
  expect((await get(base, "/facebook/post?token=" + encodeURIComponent(FAKE_FACEBOOK_TOKEN))).code).toBe(200);
  const post = only(fake.requestsTo("/graph/me/feed"));
  wire.facebookPost = `${post.url}\n${post.body}`;
  const plain = await get(base, "/plain/login");
  wire.plainLocation = plain.headers.get("Location")!;
  wire.plainTokenUrl = plain.headers.get("X-Token-Url")!;
  return wire;
}

function sortFields(url: string): string {
  return url.replace(/fields=([^&]*)/, (_, list: string) => "fields=" + list.split("%2C").sort().join("%2C"));
}

test("byte for byte, we send what Tornado 6.2's mixins send for the same inputs", async () => {
  const theirs = await wireOf(pythonBase);
  const mine = await wireOf(ours.get_url(""));
  expect(mine).toEqual(theirs);
  expect(mine.facebookMe).toContain("appsecret_proof=");
  expect(pythonOutput.text).not.toMatch(/Traceback/);
});
