/**
 * Signed cookies and XSRF tokens across implementations: each side's values are checked by both
 * sides, and both must reach the same verdict.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareCases } from "./cases";
import { expectConformance, expectDeliberateCasesCompared, responseFields } from "./compare";
import {
  cookieHeader,
  send,
  sendToBoth,
  useServerPair,
  type ConformanceRequest,
  type RawResponse,
  type Side,
} from "./runner";

const pair = useServerPair();
const signed = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "tornado-signed.json"), "utf8"))
  .signed as Record<string, string>;
const FOREVER = "max_age_days=1000000";
const form = { "Content-Type": "application/x-www-form-urlencoded" };
const VALID_LOOKING_TOKEN = "2|deadbeef|00112233445566778899aabbccddeeff|1700000000";

/** Sends `request` to both sides, compares the answers as case `id`, and returns them. */
async function compare(id: string, request: ConformanceRequest): Promise<{ python: RawResponse; ts: RawResponse }> {
  const answers = await sendToBoth(pair(), request);
  expectConformance(id, responseFields(answers.python), responseFields(answers.ts));
  return answers;
}

const sideNamed = (name: "python" | "ts"): Side => pair()[name];

describe("signed cookies", () => {
  compareCases(pair, [
    { id: "signed/set-signed-cookie", request: { path: "/signed/set?value=hello%20world" } },
    { id: "signed/session-signed-cookie", request: { path: "/signed/set?value=x&session=1" } },
    { id: "signed/create-signed-value", request: { path: "/signed/create?name=n&value=v" } },
    {
      id: "signed/fixture-v2-accepted",
      request: { path: `/signed/get?${FOREVER}`, headers: { Cookie: `session=${signed.v2}` } },
    },
    {
      id: "signed/fixture-v1-accepted",
      request: { path: `/signed/get?${FOREVER}`, headers: { Cookie: `session=${signed.v1}` } },
    },
    {
      id: "signed/fixture-binary-value",
      request: { path: `/signed/get?${FOREVER}`, headers: { Cookie: `session=${signed.v2_binary}` } },
    },
    {
      id: "signed/fixture-empty-value",
      request: { path: `/signed/get?${FOREVER}`, headers: { Cookie: `session=${signed.v2_empty}` } },
    },
    {
      id: "signed/fixture-long-name",
      request: {
        path: `/signed/get?name=nnnnnnnnnnnn&${FOREVER}`,
        headers: { Cookie: `nnnnnnnnnnnn=${signed.v2_long}` },
      },
    },
    { id: "signed/expired-refused", request: { path: "/signed/get", headers: { Cookie: `session=${signed.v2}` } } },
    {
      id: "signed/tampered-signature-refused",
      request: { path: `/signed/get?${FOREVER}`, headers: { Cookie: `session=${signed.v2.slice(0, -1)}0` } },
    },
    {
      id: "signed/other-name-refused",
      request: { path: `/signed/get?name=other&${FOREVER}`, headers: { Cookie: `other=${signed.v2}` } },
    },
    { id: "signed/garbage-refused", request: { path: "/signed/get", headers: { Cookie: "session=2|1:0|garbage" } } },
    { id: "signed/missing-cookie", request: { path: "/signed/get" } },
  ]);

  for (const issuer of ["python", "ts"] as const) {
    test(`signed/cookie-issued-by-${issuer}-verified-by-both`, async () => {
      const issued = await send(sideNamed(issuer), { path: `/signed/set?value=from%20${issuer}` });
      const { python } = await compare(`signed/cookie-issued-by-${issuer}-verified-by-both`, {
        path: "/signed/get",
        headers: { Cookie: cookieHeader(issued) },
      });
      expect(JSON.parse(python.body.toString()).value_hex).toBe(Buffer.from(`from ${issuer}`).toString("hex"));
    });

    test(`signed/value-created-by-${issuer}-decoded-by-both`, async () => {
      const created = (await send(sideNamed(issuer), { path: "/signed/create?name=n&value=created" })).body.toString();
      const { python } = await compare(`signed/value-created-by-${issuer}-decoded-by-both`, {
        path: `/signed/decode?name=n&value=${encodeURIComponent(created)}`,
      });
      expect(JSON.parse(python.body.toString()).value_hex).toBe(Buffer.from("created").toString("hex"));
    });
  }
});

/** An XSRF token issued by `issuer`: its `_xsrf` cookie (as a Cookie header) and its masked token. */
async function xsrfToken(issuer: Side): Promise<{ cookie: string; token: string }> {
  const response = await send(issuer, { path: "/xsrf/token", strict: true });
  return { cookie: cookieHeader(response), token: response.body.toString() };
}

const postForm = (cookie: string, body: string, headers: Record<string, string> = {}): ConformanceRequest => ({
  method: "POST",
  path: "/xsrf/form",
  strict: true,
  headers: { ...form, Cookie: cookie, ...headers },
  body,
});

describe("XSRF", () => {
  compareCases(pair, [
    { id: "xsrf/form-field-sets-cookie", request: { path: "/xsrf/form", strict: true } },
    { id: "xsrf/token-sets-cookie", request: { path: "/xsrf/token", strict: true } },
    {
      id: "xsrf/existing-cookie-kept",
      request: { path: "/xsrf/form", strict: true, headers: { Cookie: `_xsrf=${VALID_LOOKING_TOKEN}` } },
    },
    {
      id: "xsrf/post-without-token-is-403",
      request: { method: "POST", path: "/xsrf/form", strict: true, headers: form, body: "" },
    },
    {
      id: "xsrf/token-without-cookie-is-403",
      request: postForm("", `_xsrf=${encodeURIComponent(VALID_LOOKING_TOKEN)}`),
    },
    { id: "xsrf/cookie-without-token-is-403", request: postForm(`_xsrf=${VALID_LOOKING_TOKEN}`, "") },
    { id: "xsrf/malformed-token-is-403", request: postForm(`_xsrf=${VALID_LOOKING_TOKEN}`, "_xsrf=2%7Czz") },
    { id: "xsrf/legacy-hex-token-accepted", request: postForm("_xsrf=deadbeef", "_xsrf=deadbeef") },
    {
      id: "xsrf/error-handler-answers-before-check",
      request: { method: "POST", path: "/xsrf/error", strict: true, body: "" },
    },
    {
      id: "xsrf/unknown-url-is-404-before-check",
      request: { method: "POST", path: "/nowhere", strict: true, body: "" },
    },
  ]);

  for (const issuer of ["python", "ts"] as const) {
    test(`xsrf/form-token-from-${issuer}-accepted-by-both`, async () => {
      const { cookie, token } = await xsrfToken(sideNamed(issuer));
      const { python } = await compare(
        `xsrf/form-token-from-${issuer}-accepted-by-both`,
        postForm(cookie, `_xsrf=${encodeURIComponent(token)}`),
      );
      expect(python.status).toBe(200);
    });
  }

  test("xsrf/header-token-from-python-accepted-by-both", async () => {
    const { cookie, token } = await xsrfToken(sideNamed("python"));
    await compare("xsrf/header-token-from-python-accepted-by-both", postForm(cookie, "", { "X-Xsrftoken": token }));
  });

  test("xsrf/csrf-header-token-from-ts-accepted-by-both", async () => {
    const { cookie, token } = await xsrfToken(sideNamed("ts"));
    await compare("xsrf/csrf-header-token-from-ts-accepted-by-both", postForm(cookie, "", { "X-Csrftoken": token }));
  });

  test("xsrf/query-token-from-ts-accepted-by-both", async () => {
    const { cookie, token } = await xsrfToken(sideNamed("ts"));
    await compare("xsrf/query-token-from-ts-accepted-by-both", {
      ...postForm(cookie, ""),
      path: `/xsrf/form?_xsrf=${encodeURIComponent(token)}`,
    });
  });

  test("xsrf/cookie-from-python-with-token-from-ts-is-403", async () => {
    const [fromPython, fromTs] = await Promise.all([xsrfToken(sideNamed("python")), xsrfToken(sideNamed("ts"))]);
    const { python } = await compare(
      "xsrf/cookie-from-python-with-token-from-ts-is-403",
      postForm(fromPython.cookie, `_xsrf=${encodeURIComponent(fromTs.token)}`),
    );
    expect(python.status).toBe(403);
  });
});

test("every deliberate difference listed under signed/ and xsrf/ names a compared case", () => {
  expectDeliberateCasesCompared("signed/");
  expectDeliberateCasesCompared("xsrf/");
});
