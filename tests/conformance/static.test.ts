/** Static files, answered by Python Tornado and by tornado-ts: types, ranges, conditional requests, traversal. */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { compareCases } from "./cases";
import { expectDeliberateCasesCompared } from "./compare";
import { useServerPair } from "./runner";

const pair = useServerPair();
const ROBOTS = join(__dirname, "..", "fixtures", "static", "root", "robots.txt");
const ROBOTS_ETAG = `"${createHash("sha512").update(readFileSync(ROBOTS)).digest("hex")}"`;
const ROBOTS_MODIFIED = new Date(Math.floor(statSync(ROBOTS).mtimeMs / 1000) * 1000);
const LAST_MODIFIED = ROBOTS_MODIFIED.toUTCString();
const BEFORE_MODIFIED = new Date(ROBOTS_MODIFIED.getTime() - 86400000).toUTCString();
const robots = (headers: Record<string, string>, method = "GET") => ({ method, path: "/static/robots.txt", headers });

describe("files and types", () => {
  compareCases(pair, [
    { id: "static/file", request: { path: "/static/robots.txt" } },
    { id: "static/robots-txt-at-root", request: { path: "/robots.txt" } },
    { id: "static/favicon-at-root", request: { path: "/favicon.ico" } },
    { id: "static/versioned-url-is-cached", request: { path: "/static/robots.txt?v=abc" } },
    { id: "static/head-same-headers-no-body", request: { method: "HEAD", path: "/static/robots.txt" } },
    { id: "static/xml-type", request: { path: "/static/sample.xml" } },
    { id: "static/gzip-file-type", request: { path: "/static/sample.xml.gz" } },
    { id: "static/bzip2-file-type", request: { path: "/static/sample.xml.bz2" } },
    { id: "static/empty-file", request: { path: "/static/empty.txt" } },
    { id: "static/default-filename-in-directory", request: { path: "/static/dir/" } },
    { id: "static/directory-without-slash-redirects", request: { path: "/static/dir" } },
    { id: "static/missing-file-is-404", request: { path: "/static/blarg" } },
    { id: "static/post-is-405", request: { method: "POST", path: "/static/robots.txt", body: "" } },
  ]);
});

describe("traversal", () => {
  compareCases(pair, [
    { id: "static/dot-dot-outside-root-is-403", request: { path: "/static/../static_foo.txt" } },
    { id: "static/encoded-dot-dot-outside-root-is-403", request: { path: "/static/%2e%2e/static_foo.txt" } },
    { id: "static/dot-dot-inside-root", request: { path: "/static/dir/../robots.txt" } },
    { id: "static/absolute-path-is-403", request: { path: `/static/${ROBOTS}` } },
    {
      id: "static/protocol-relative-directory-is-403",
      request: { path: `/static//evil.com/../${join(__dirname, "..", "fixtures", "static", "root")}/dir` },
    },
  ]);
});

describe("ranges", () => {
  compareCases(pair, [
    { id: "static/range-first-bytes-206", request: robots({ Range: "bytes=0-9" }) },
    { id: "static/range-open-end-whole-file-200", request: robots({ Range: "bytes=0-" }) },
    { id: "static/range-end-past-eof-whole-file-200", request: robots({ Range: "bytes=0-10000000" }) },
    { id: "static/range-middle-clipped-206", request: robots({ Range: "bytes=5-10000000" }) },
    { id: "static/range-suffix-206", request: robots({ Range: "bytes=-4" }) },
    { id: "static/range-from-offset-206", request: robots({ Range: "bytes=22-" }) },
    { id: "static/range-suffix-longer-than-file-200", request: robots({ Range: "bytes=-100" }) },
    { id: "static/range-suffix-zero-416", request: robots({ Range: "bytes=-0" }) },
    { id: "static/range-start-at-size-416", request: robots({ Range: "bytes=26-" }) },
    { id: "static/range-end-before-start-416", request: robots({ Range: "bytes=10-3" }) },
    { id: "static/range-not-bytes-ignored", request: robots({ Range: "asdf" }) },
    { id: "static/range-several-ignored", request: robots({ Range: "bytes=0-1,3-4" }) },
    { id: "static/range-on-head", request: robots({ Range: "bytes=0-9" }, "HEAD") },
    { id: "static/range-single-byte-206", request: robots({ Range: "bytes=0-0" }) },
    { id: "static/range-last-byte-206", request: robots({ Range: "bytes=25-25" }) },
    { id: "static/range-empty-spec-ignored", request: robots({ Range: "bytes=-" }) },
    { id: "static/range-with-spaces", request: robots({ Range: "bytes= 1-2" }) },
    { id: "static/range-unit-uppercase", request: robots({ Range: "Bytes=1-2" }) },
    { id: "static/range-three-numbers-ignored", request: robots({ Range: "bytes=1-2-3" }) },
    { id: "static/range-on-empty-file", request: { path: "/static/empty.txt", headers: { Range: "bytes=0-" } } },
  ]);
});

describe("conditional requests", () => {
  compareCases(pair, [
    { id: "static/if-none-match-is-304", request: robots({ "If-None-Match": ROBOTS_ETAG }) },
    { id: "static/if-none-match-star-is-304", request: robots({ "If-None-Match": "*" }) },
    { id: "static/if-none-match-other-is-200", request: robots({ "If-None-Match": '"other"' }) },
    { id: "static/if-modified-since-equal-is-304", request: robots({ "If-Modified-Since": LAST_MODIFIED }) },
    { id: "static/if-modified-since-earlier-is-200", request: robots({ "If-Modified-Since": BEFORE_MODIFIED }) },
    { id: "static/if-modified-since-invalid-is-200", request: robots({ "If-Modified-Since": "not a date" }) },
    {
      id: "static/if-none-match-decides-over-if-modified-since",
      request: robots({ "If-None-Match": '"other"', "If-Modified-Since": LAST_MODIFIED }),
    },
    {
      id: "static/if-modified-since-later-is-304",
      request: robots({ "If-Modified-Since": new Date(ROBOTS_MODIFIED.getTime() + 86400000).toUTCString() }),
    },
    { id: "static/if-modified-since-on-head-is-304", request: robots({ "If-Modified-Since": LAST_MODIFIED }, "HEAD") },
    { id: "static/weak-if-none-match-is-304", request: robots({ "If-None-Match": `W/${ROBOTS_ETAG}` }) },
    { id: "static/if-none-match-list-is-304", request: robots({ "If-None-Match": `"a", ${ROBOTS_ETAG}` }) },
    { id: "static/304-wins-over-range", request: robots({ "If-None-Match": ROBOTS_ETAG, Range: "bytes=0-9" }) },
  ]);
});

test("every deliberate difference listed under static/ names a compared case", () => {
  expectDeliberateCasesCompared("static/");
});
