import { auth, log, testing, web } from "../src";
import type { LogRecord } from "../src/log";
import { CONSUMER, FakeOAuthProvider, FakeOpenIdProvider } from "./support/fake-oauth1";
import { serve } from "./support/serve";

// Whole OAuth 1.0a (Twitter) and OpenID logins over real sockets: a tornado-ts app on one
// ephemeral port, a fake provider (tests/support/fake-oauth1.ts, which checks the HMAC-SHA1
// signature of every request on its own) on another, and the test as the user's browser.

let twitter: FakeOAuthProvider;
let openid: FakeOpenIdProvider;

beforeEach(async () => {
  twitter = await new FakeOAuthProvider().start();
  openid = await new FakeOpenIdProvider().start();
});

afterEach(async () => {
  await twitter.close();
  await openid.close();
});

/** The Twitter mixin pointed at the fake provider. */
function fakeTwitter() {
  return class extends auth.TwitterMixin(web.RequestHandler) {
    static override _OAUTH_REQUEST_TOKEN_URL = twitter.url("/oauth/request_token");
    static override _OAUTH_ACCESS_TOKEN_URL = twitter.url("/oauth/access_token");
    static override _OAUTH_AUTHORIZE_URL = twitter.url("/oauth/authorize");
    static override _OAUTH_AUTHENTICATE_URL = twitter.url("/oauth/authenticate");
    static override _TWITTER_BASE_URL = twitter.url("/1.1");
  };
}

function twitterApp(): web.Route[] {
  const Provider = fakeTwitter();
  class Login extends Provider {
    async get() {
      if (this.get_argument("oauth_token", null)) this.write(await this.get_authenticated_user());
      else await this.authorize_redirect("/twitter/login?next=%2Fhome");
    }
  }
  class Tweet extends Provider {
    async post() {
      const access_token = { key: this.get_argument("key"), secret: this.get_argument("secret") };
      const status = this.get_argument("status");
      this.write(
        await this.twitter_request("/statuses/update", { access_token, post_args: { status }, trim_user: "t" }),
      );
    }
  }
  class Me extends Provider {
    async get() {
      const access_token = { key: this.get_argument("key"), secret: this.get_argument("secret") };
      this.write(
        await this.twitter_request("/account/verify_credentials", { access_token, include_entities: "true ~" }),
      );
    }
  }
  class Sign extends Provider {
    get() {
      const access_token = { key: this.get_argument("key"), secret: this.get_argument("secret") };
      this.write(this._oauth_request_parameters(twitter.url("/1.1/account/verify_credentials.json"), access_token));
    }
  }
  return [
    ["/twitter/login", Login],
    ["/tweet", Tweet],
    ["/sign", Sign],
    ["/me", Me],
  ];
}

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const SETTINGS = { twitter_consumer_key: CONSUMER.key, twitter_consumer_secret: CONSUMER.secret };

/** The value the response sets for cookie `name` (the last Set-Cookie for it), or undefined. */
function setCookie(response: testing.HTTPResponse, name: string): string | undefined {
  const headers = response.headers.get_list("Set-Cookie").filter((h) => h.startsWith(`${name}=`));
  return headers
    .at(-1)
    ?.slice(name.length + 1)
    .split(";")[0];
}

/** Records of app_log while `fn` runs, then stops recording. */
async function appLogDuring(fn: () => Promise<void>): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const filter = (record: LogRecord) => {
    records.push(record);
    return false;
  };
  log.app_log.addFilter(filter);
  try {
    await fn();
  } finally {
    log.app_log.removeFilter(filter);
  }
  return records;
}

test("Twitter login: redirect with the request-token cookie, callback, access token, user", async () => {
  const app = await serve(twitterApp(), SETTINGS);
  const first = await app.fetch("/twitter/login", { follow_redirects: false });
  expect(first.code).toBe(302);
  const authorize = new URL(first.headers.get("Location")!);
  expect(authorize.origin + authorize.pathname).toBe(twitter.url("/oauth/authorize"));
  const requestToken = authorize.searchParams.get("oauth_token")!;
  expect(authorize.searchParams.get("oauth_callback")).toBe(app.get_url("/twitter/login?next=%2Fhome"));
  const cookie = setCookie(first, "_oauth_request_token")!;
  // Tornado's format, quoted by the cookie encoder only when needed: base64(key)|base64(secret).
  const [key, secret] = cookie.replace(/^"|"$/g, "").split("|");
  expect(Buffer.from(key, "base64").toString()).toBe(requestToken);
  expect(Buffer.from(secret, "base64").toString()).toBe(twitter.secrets.get(requestToken));
  expect(twitter.received[0]).toMatchObject({ path: "/oauth/request_token", verdict: "ok" });
  expect(twitter.received[0].params.oauth_callback).toBe(app.get_url("/twitter/login?next=%2Fhome"));

  // The browser at the provider, sent back with oauth_token and oauth_verifier.
  const consent = await testing.fetch(first.headers.get("Location")!, { follow_redirects: false });
  const callback = new URL(consent.headers.get("Location")!);
  expect(callback.searchParams.get("oauth_verifier")).toMatch(/^verifier /);

  const done = await app.fetch(callback.pathname + callback.search, {
    headers: { Cookie: `_oauth_request_token=${cookie}` },
  });
  expect(done.code).toBe(200);
  const user = done.json();
  expect(user).toMatchObject({ screen_name: "ayse_dev", username: "ayse_dev", name: "Ayşe Yılmaz", id: 42 });
  expect(user.access_token).toEqual({
    key: "access 2/é",
    secret: "access secret 2+~",
    user_id: "42",
    screen_name: "ayse_dev",
  });
  expect(setCookie(done, "_oauth_request_token")).toBe('""'); // cleared
  expect(twitter.received.map((r) => [r.path, r.verdict])).toEqual([
    ["/oauth/request_token", "ok"],
    ["/oauth/authorize", "ok"],
    ["/oauth/access_token", "ok"],
    ["/1.1/account/verify_credentials.json", "ok"],
  ]);
  expect(twitter.received[2].params.oauth_verifier).toBe(callback.searchParams.get("oauth_verifier"));
});

test("authenticate_redirect: to the authenticate page, the callback given with the request token only", async () => {
  class SignIn extends fakeTwitter() {
    async get() {
      if (this.get_argument("oauth_token", null)) this.write(await this.get_authenticated_user());
      else await this.authenticate_redirect("/signin");
    }
  }
  const app = await serve([["/signin", SignIn]], SETTINGS);
  const first = await app.fetch("/signin", { follow_redirects: false });
  const authenticate = new URL(first.headers.get("Location")!);
  expect(authenticate.origin + authenticate.pathname).toBe(twitter.url("/oauth/authenticate"));
  expect([...authenticate.searchParams.keys()]).toEqual(["oauth_token"]);
  expect(twitter.received[0].params.oauth_callback).toBe(app.get_url("/signin"));
  const cookie = setCookie(first, "_oauth_request_token")!;
  const back = new URL(
    (await testing.fetch(authenticate.toString(), { follow_redirects: false })).headers.get("Location")!,
  );
  const done = await app.fetch(back.pathname + back.search, { headers: { Cookie: `_oauth_request_token=${cookie}` } });
  expect(done.json()).toMatchObject({ username: "ayse_dev", access_token: { screen_name: "ayse_dev" } });
  expect(twitter.received.map((r) => r.verdict)).toEqual(["ok", "ok", "ok", "ok"]);
});

test("twitter_request POSTs signed form arguments and the provider accepts the signature", async () => {
  twitter.secrets.set("user token", "user secret /+");
  const app = await serve(twitterApp(), SETTINGS);
  const body = new URLSearchParams({ key: "user token", secret: "user secret /+", status: "Merhaba + ü ~ dünya!" });
  const response = await app.fetch("/tweet", { method: "POST", body: body.toString(), headers: FORM });
  expect(response.code).toBe(200);
  expect(response.json()).toEqual({ id: 7, text: "Merhaba + ü ~ dünya!", query: "t" });
  expect(twitter.received).toHaveLength(1);
  expect(twitter.received[0]).toMatchObject({ method: "POST", path: "/1.1/statuses/update.json", verdict: "ok" });
  expect(twitter.received[0].params.oauth_token).toBe("user token");
});

test("twitter_request GETs with signed query arguments", async () => {
  twitter.secrets.set("user token", "user secret");
  const app = await serve(twitterApp(), SETTINGS);
  const response = await app.fetch("/me?key=user+token&secret=user+secret");
  expect(response.json()).toEqual({ id: 42, screen_name: "ayse_dev", name: "Ayşe Yılmaz" });
  expect(twitter.received[0]).toMatchObject({
    method: "GET",
    path: "/1.1/account/verify_credentials.json",
    verdict: "ok",
  });
  expect(twitter.received[0].params.include_entities).toBe("true ~");
});

test("the provider rejects a tampered signature, or a signed parameter changed, with 401", async () => {
  twitter.secrets.set("user token", "user secret");
  const app = await serve(twitterApp(), SETTINGS);
  const signed: Record<string, string> = (await app.fetch("/sign?key=user+token&secret=user+secret")).json();
  const endpoint = twitter.url("/1.1/account/verify_credentials.json");
  const good = await testing.fetch(`${endpoint}?${new URLSearchParams(signed)}`);
  expect(good.code).toBe(200);
  const flipped = signed.oauth_signature.startsWith("A") ? "B" : "A";
  const tampered = { ...signed, oauth_signature: flipped + signed.oauth_signature.slice(1) };
  expect((await testing.fetch(`${endpoint}?${new URLSearchParams(tampered)}`)).code).toBe(401);
  const replayed = { ...signed, oauth_nonce: "another nonce" };
  expect((await testing.fetch(`${endpoint}?${new URLSearchParams(replayed)}`)).code).toBe(401);
  expect(twitter.received.map((r) => r.verdict)).toEqual(["ok", "bad signature", "bad signature"]);
});

test.each([
  ["missing", undefined, "Missing OAuth request token cookie"],
  [
    "mismatched",
    `${Buffer.from("another token").toString("base64")}|${Buffer.from("s").toString("base64")}`,
    "Request token does not match cookie",
  ],
])("a %s request-token cookie is an AuthError: a 500, logged, no trace to the client", async (_, cookie, message) => {
  const app = await serve(twitterApp(), SETTINGS);
  let response!: testing.HTTPResponse;
  const records = await appLogDuring(async () => {
    const headers: Record<string, string> = cookie ? { Cookie: `_oauth_request_token=${cookie}` } : {};
    response = await app.fetch("/twitter/login?oauth_token=request+1&oauth_verifier=v", { headers });
  });
  expect(response.code).toBe(500);
  expect(response.text).not.toMatch(/AuthError|Traceback|at .*\.ts|request token/i);
  const uncaught = records.filter((r) => r.message.startsWith("Uncaught exception GET /twitter/login"));
  expect(uncaught).toHaveLength(1);
  expect(uncaught[0].exc_info).toBeInstanceOf(auth.AuthError);
  expect((uncaught[0].exc_info as Error).message).toBe(message);
  expect(twitter.received).toEqual([]);
});

test("a provider that refuses the request token (bad consumer secret) fails the login with a 500", async () => {
  const app = await serve(twitterApp(), { ...SETTINGS, twitter_consumer_secret: "wrong secret" });
  let response!: testing.HTTPResponse;
  const records = await appLogDuring(async () => {
    response = await app.fetch("/twitter/login", { follow_redirects: false });
  });
  expect(response.code).toBe(500);
  expect(records.some((r) => r.message.startsWith("Uncaught exception GET /twitter/login"))).toBe(true);
  expect(twitter.received.map((r) => r.verdict)).toEqual(["bad signature"]);
});

function openidApp(): web.Route[] {
  class Login extends auth.OpenIdMixin(web.RequestHandler) {
    static override _OPENID_ENDPOINT = openid.url("/openid");
    async get() {
      if (this.get_argument("openid.mode", null)) this.write(await this.get_authenticated_user());
      else this.authenticate_redirect();
    }
  }
  return [["/openid/login", Login]];
}

test("OpenID login: redirect parameters, check_authentication POST, user from AX", async () => {
  const app = await serve(openidApp());
  const first = await app.fetch("/openid/login", { follow_redirects: false });
  expect(first.code).toBe(302);
  const redirect = new URL(first.headers.get("Location")!);
  expect(redirect.origin + redirect.pathname).toBe(openid.url("/openid"));
  expect(Object.fromEntries(redirect.searchParams)).toEqual({
    "openid.ns": "http://specs.openid.net/auth/2.0",
    "openid.claimed_id": "http://specs.openid.net/auth/2.0/identifier_select",
    "openid.identity": "http://specs.openid.net/auth/2.0/identifier_select",
    "openid.return_to": app.get_url("/openid/login"),
    "openid.realm": app.get_url("/"),
    "openid.mode": "checkid_setup",
    "openid.ns.ax": "http://openid.net/srv/ax/1.0",
    "openid.ax.mode": "fetch_request",
    "openid.ax.type.firstname": "http://axschema.org/namePerson/first",
    "openid.ax.type.fullname": "http://axschema.org/namePerson",
    "openid.ax.type.lastname": "http://axschema.org/namePerson/last",
    "openid.ax.type.email": "http://axschema.org/contact/email",
    "openid.ax.type.language": "http://axschema.org/pref/language",
    "openid.ax.type.username": "http://axschema.org/namePerson/friendly",
    "openid.ax.required": "firstname,fullname,lastname,email,language,username",
  });
  const back = await testing.fetch(first.headers.get("Location")!, { follow_redirects: false });
  const callback = new URL(back.headers.get("Location")!);
  const done = await app.fetch(callback.pathname + callback.search);
  expect(done.code).toBe(200);
  expect(done.json()).toEqual({
    first_name: "Ayşe",
    last_name: "Yılmaz",
    name: "Ayşe Yılmaz",
    email: "ayse@example.com",
    locale: "tr-tr",
    claimed_id: "https://id.example/ayse",
  });
  const check = openid.received.find((r) => r.method === "POST")!;
  expect(check.params["openid.mode"]).toBe("check_authentication");
  expect(check.params["openid.sig"]).toBe("sig+/=ü");
  expect(check.params["openid.ext1.value.firstname"]).toBe("Ayşe");
});

test("OpenID: an answer the provider does not confirm (is_valid:false) is an AuthError, a 500", async () => {
  const app = await serve(openidApp());
  let response!: testing.HTTPResponse;
  const records = await appLogDuring(async () => {
    response = await app.fetch("/openid/login?openid.mode=id_res&openid.sig=forged");
  });
  expect(response.code).toBe(500);
  const uncaught = records.find((r) => r.message.startsWith("Uncaught exception GET /openid/login"))!;
  expect(uncaught.exc_info).toBeInstanceOf(auth.AuthError);
  expect((uncaught.exc_info as Error).message).toBe(
    "Invalid OpenID response: b'ns:http://specs.openid.net/auth/2.0\\nis_valid:false\\n'",
  );
  expect(openid.received.map((r) => [r.method, r.params["openid.mode"]])).toEqual([["POST", "check_authentication"]]);
});

test("_OAUTH_NO_CALLBACKS refuses a callback_uri before any request", async () => {
  const Provider = fakeTwitter();
  class Login extends Provider {
    static override _OAUTH_NO_CALLBACKS = true;
    async get() {
      await this.authorize_redirect("/back");
    }
  }
  const app = await serve([["/login", Login]], SETTINGS);
  let response!: testing.HTTPResponse;
  const records = await appLogDuring(async () => {
    response = await app.fetch("/login");
  });
  expect(response.code).toBe(500);
  const uncaught = records.find((r) => r.message.startsWith("Uncaught exception GET /login"))!;
  expect((uncaught.exc_info as Error).message).toBe("This service does not support oauth_callback");
  expect(twitter.received).toEqual([]);
});
