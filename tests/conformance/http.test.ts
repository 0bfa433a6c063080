/** The HTTP surface, answered by Python Tornado and by tornado-ts: arguments, errors, redirects, cookies, ETags, flush. */
import { compareCases } from "./cases";
import { expectDeliberateCasesCompared } from "./compare";
import { useServerPair } from "./runner";

const pair = useServerPair();
const form = { "Content-Type": "application/x-www-form-urlencoded" };
const BOUNDARY = "conformanceboundary";
const MULTIPART_BODY = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="foo"',
  "",
  "field value",
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="upload"; filename="notes.txt"',
  "Content-Type: text/plain",
  "",
  "file body",
  `--${BOUNDARY}--`,
  "",
].join("\r\n");

const MULTIPART_UTF8_FILENAME = [
  `--${BOUNDARY}`,
  "Content-Disposition: form-data; name=\"upload\"; filename*=UTF-8''%C3%A9t%C3%A9.txt",
  "Content-Type: text/plain",
  "",
  "summer",
  `--${BOUNDARY}--`,
  "",
].join("\r\n");
const MULTIPART_NO_TYPE = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="upload"; filename="a.bin"',
  "",
  "bytes",
  `--${BOUNDARY}--`,
  "",
].join("\r\n");

describe("arguments", () => {
  compareCases(pair, [
    { id: "http/query-argument", request: { path: "/args?foo=bar" } },
    { id: "http/repeated-query-argument-last-wins", request: { path: "/args?foo=1&foo=2" } },
    { id: "http/empty-query-argument", request: { path: "/args?foo=" } },
    { id: "http/argument-stripped-and-control-chars", request: { path: "/args?foo=%20a%01b%20" } },
    { id: "http/plus-in-query-is-space", request: { path: "/args?foo=a+b%2Bc" } },
    {
      id: "http/body-argument-wins-over-query",
      request: { method: "POST", path: "/args?foo=bar", headers: form, body: "foo=hello" },
    },
    { id: "http/form-body-on-get", request: { path: "/args", headers: form, body: "foo=in-get-body" } },
    { id: "http/query-name-without-value", request: { path: "/args?foo&bar=" } },
    { id: "http/query-semicolon-not-a-separator", request: { path: "/args?foo=1;foo=2" } },
    { id: "http/query-bad-percent-kept", request: { path: "/args?foo=%zz%4" } },
    { id: "http/query-utf8", request: { path: "/args?foo=%C3%A9%E2%98%83" } },
    {
      id: "http/form-body-with-charset",
      request: {
        method: "POST",
        path: "/args",
        headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" },
        body: "foo=%C3%A9&foo=+x+",
      },
    },
    {
      id: "http/json-body-not-parsed",
      request: {
        method: "POST",
        path: "/args",
        headers: { "Content-Type": "application/json" },
        body: '{"foo": "bar"}',
      },
    },
    {
      id: "http/multipart-quoted-boundary-and-utf8-filename",
      request: {
        method: "POST",
        path: "/multipart",
        headers: { "Content-Type": `multipart/form-data; boundary="${BOUNDARY}"` },
        body: MULTIPART_UTF8_FILENAME,
      },
    },
    {
      id: "http/multipart-without-part-content-type",
      request: {
        method: "POST",
        path: "/multipart",
        headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
        body: MULTIPART_NO_TYPE,
      },
    },
    {
      id: "http/multipart-without-final-boundary",
      request: {
        method: "POST",
        path: "/multipart",
        headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
        body: MULTIPART_BODY.replace(`--${BOUNDARY}--`, ""),
      },
    },
    {
      id: "http/multipart-without-boundary-is-400",
      request: {
        method: "POST",
        path: "/multipart",
        headers: { "Content-Type": "multipart/form-data" },
        body: MULTIPART_BODY,
      },
    },
    {
      id: "http/multipart-fields-and-files",
      request: {
        method: "POST",
        path: "/multipart",
        headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
        body: MULTIPART_BODY,
      },
    },
    { id: "http/missing-required-argument-is-400", request: { path: "/required" } },
    { id: "http/positional-path-arguments", request: { path: "/path/one/two" } },
    { id: "http/path-arguments-percent-decoded-plus-kept", request: { path: "/path/a%2Fb/1+1%20x" } },
    { id: "http/named-path-arguments", request: { path: "/named/2024/hello-world" } },
    { id: "http/unmatched-optional-group-is-null", request: { path: "/optional/" } },
    { id: "http/matched-optional-group", request: { path: "/optional/42" } },
    { id: "http/question-mark-in-path-and-query", request: { path: "/decode/%3F?q=%3F" } },
    { id: "http/invalid-utf8-in-path-is-400", request: { path: "/decode/%FF" } },
    { id: "http/invalid-utf8-in-query-is-400", request: { path: "/decode/x?q=%FF" } },
    { id: "http/echo-raw-body", request: { method: "POST", path: "/echo", body: "raw \u00e9 body" } },
  ]);
});

describe("errors and statuses", () => {
  compareCases(pair, [
    { id: "http/hello", request: { path: "/hello" } },
    { id: "http/unknown-route-is-404", request: { path: "/no/such/route" } },
    { id: "http/http-error-503", request: { path: "/status/503" } },
    { id: "http/http-error-without-phrase", request: { path: "/status/435" } },
    { id: "http/http-error-custom-reason", request: { path: "/reason" } },
    { id: "http/set-status-unknown-code", request: { path: "/unknown-status" } },
    { id: "http/uncaught-exception-is-500", request: { path: "/crash" } },
    { id: "http/custom-write-error", request: { path: "/custom-error" } },
    { id: "http/finish-keeps-status-and-headers", request: { path: "/finish" } },
    { id: "http/finish-in-prepare-skips-get", request: { path: "/finish-in-prepare?stop=1" } },
    { id: "http/write-list-refused", request: { path: "/json/list" } },
    { id: "http/post-to-get-only-is-405", request: { method: "POST", path: "/only-get" } },
    { id: "http/delete-to-get-only-is-405", request: { method: "DELETE", path: "/only-get" } },
    { id: "http/head-not-mapped-to-get", request: { method: "HEAD", path: "/only-get" } },
    { id: "http/no-methods-get-is-405", request: { path: "/no-methods" } },
    { id: "http/no-methods-patch-is-405", request: { method: "PATCH", path: "/no-methods", body: "x" } },
    { id: "http/unsupported-method-is-405", request: { method: "PROPFIND", path: "/hello" } },
    { id: "http/head-handler", request: { method: "HEAD", path: "/head-and-get" } },
    { id: "http/options-handler", request: { method: "OPTIONS", path: "/options" } },
    { id: "http/no-content", request: { path: "/no-content" } },
    {
      id: "http/body-over-max-body-size",
      request: { method: "POST", path: "/echo", strict: true, declaredLength: 100000 },
    },
  ]);
});

describe("output", () => {
  compareCases(pair, [
    { id: "http/json-object", request: { path: "/json" } },
    { id: "http/unicode-text", request: { path: "/unicode" } },
    { id: "http/headers-set-added-cleared", request: { path: "/headers" } },
    { id: "http/content-type-override", request: { path: "/content-type" } },
    { id: "http/flush-then-write", request: { path: "/flush" } },
    { id: "http/escape-functions", request: { path: "/escape" } },
    { id: "http/static-url", request: { path: "/static-url" } },
    { id: "http/reverse-url", request: { path: "/reverse-url" } },
    {
      id: "http/gzip-long-text",
      request: { path: "/gzip/long", strict: true, headers: { "Accept-Encoding": "gzip" } },
    },
    { id: "http/gzip-not-accepted-still-varies", request: { path: "/gzip/long", strict: true } },
    {
      id: "http/gzip-short-body-not-compressed",
      request: { path: "/gzip/short", strict: true, headers: { "Accept-Encoding": "gzip" } },
    },
    {
      id: "http/gzip-appends-to-vary",
      request: { path: "/gzip/vary", strict: true, headers: { "Accept-Encoding": "gzip" } },
    },
    { id: "http/gzip-json", request: { path: "/gzip/json", strict: true, headers: { "Accept-Encoding": "gzip" } } },
  ]);
});

describe("redirects", () => {
  compareCases(pair, [
    { id: "http/redirect-302", request: { path: "/redirect?to=/target" } },
    { id: "http/redirect-permanent-301", request: { path: "/redirect?to=/target&permanent=1" } },
    { id: "http/redirect-status-307", request: { path: "/redirect?to=/target&status=307" } },
    { id: "http/redirect-absolute-url", request: { path: "/redirect?to=http%3A%2F%2Fexample.com%2Fx%3Fy%3D1" } },
    { id: "http/redirect-handler-format-groups", request: { path: "/redirect-handler/a/b" } },
    { id: "http/redirect-handler-keeps-query", request: { path: "/src?foo=bar" } },
    { id: "http/redirect-handler-temporary", request: { path: "/temporary" } },
    { id: "http/addslash", request: { path: "/addslash?x=1" } },
    { id: "http/removeslash", request: { path: "/removeslash/?foo=bar" } },
    {
      id: "http/removeslash-post-without-post-method-is-405",
      request: { method: "POST", path: "/removeslash/", body: "" },
    },
    { id: "http/authenticated-get-redirects-to-login", request: { path: "/login-required?x=1" } },
    { id: "http/authenticated-post-is-403", request: { method: "POST", path: "/login-required", body: "" } },
    { id: "http/authenticated-with-user", request: { path: "/login-required", headers: { Cookie: "user=ann" } } },
  ]);
});

describe("cookies", () => {
  compareCases(pair, [
    { id: "http/set-cookie-attributes", request: { path: "/cookies/set" } },
    {
      id: "http/request-cookie-without-equals",
      request: { path: "/cookies/echo", headers: { Cookie: "novalue; a=1" } },
    },
    {
      id: "http/request-cookie-reserved-names-dropped",
      request: { path: "/cookies/echo", headers: { Cookie: "path=1; Domain=x; a=1" } },
    },
    {
      id: "http/request-cookie-repeated-last-wins",
      request: { path: "/cookies/echo", headers: { Cookie: "a=1; a=2" } },
    },
    {
      id: "http/request-cookie-octal-escapes",
      request: { path: "/cookies/echo", headers: { Cookie: 'a="x\\073y\\"z"' } },
    },
    {
      id: "http/request-cookies-parsed",
      request: { path: "/cookies/echo", headers: { Cookie: 'foo="bar"; a=1; b=x y; c="a\\"b"' } },
    },
    { id: "http/cookie-value-with-space-refused", request: { path: "/cookies/invalid" } },
    { id: "http/clear-cookie", request: { path: "/cookies/clear" } },
  ]);
});

describe("ETags and 304", () => {
  compareCases(pair, [
    { id: "http/automatic-etag", request: { path: "/etag" } },
    {
      id: "http/matching-etag-is-304",
      request: { path: "/etag", headers: { "If-None-Match": '"7c3d5163b89d71e9813b68219d97064c4ae9c2f3"' } },
    },
    { id: "http/etag-star-is-304", request: { path: "/etag/fixed", headers: { "If-None-Match": "*" } } },
    { id: "http/etag-exact-is-304", request: { path: "/etag/fixed", headers: { "If-None-Match": '"xyzzy"' } } },
    { id: "http/etag-weak-is-304", request: { path: "/etag/fixed", headers: { "If-None-Match": 'W/"xyzzy"' } } },
    {
      id: "http/etag-list-including-match-is-304",
      request: { path: "/etag/fixed", headers: { "If-None-Match": '"a", "xyzzy"' } },
    },
    {
      id: "http/etag-mismatch-is-200",
      request: { path: "/etag/fixed", headers: { "If-None-Match": '"xyzzy1", "xyzzy2"' } },
    },
    {
      id: "http/no-etag-on-post",
      request: { method: "POST", path: "/echo", body: "x", headers: { "If-None-Match": "*" } },
    },
  ]);
});

test("every deliberate difference listed under http/ names a compared case", () => {
  expectDeliberateCasesCompared("http/");
});
