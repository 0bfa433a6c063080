/**
 * examples/s3server: the server is started as a program on a free port with a fresh root
 * directory, and driven over real sockets with tornado-ts/httpclient as an S3 client would:
 * buckets created, listed and deleted, objects stored, listed (prefix, marker, max-keys, terse),
 * read (body, ETag as MD5) and deleted, and names that would leave the root refused.
 */
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsyncHTTPClient, type FetchOptions, type HTTPResponse } from "../../src/httpclient";
import { ProgramOutput, fetchWhenUp, freePort, startProgram, stopProgram } from "../support/process";

const WAIT_MS = 15000;
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS = ' xmlns="http://doc.s3.amazonaws.com/2006-03-01"';

function md5(data: string): string {
  return createHash("md5").update(data).digest("hex");
}

/** The `<Key>`s of a ListBucketResult, in order. */
function keys(xml: string): string[] {
  return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]);
}

describe.each([0, 2])("examples/s3server/s3server.ts as a program, --bucket_depth=%d", (depth) => {
  let server: ChildProcess | null = null;
  let output: ProgramOutput;
  let root = "";
  let base = "";
  const client = new AsyncHTTPClient({ force_instance: true });

  /** One request to the server; non-2xx answers resolve too. */
  function s3(method: string, path: string, options: FetchOptions = {}): Promise<HTTPResponse> {
    return client.fetch(base + path, { method, raise_error: false, allow_nonstandard_methods: true, ...options });
  }

  beforeAll(async () => {
    const parent = mkdtempSync(join(tmpdir(), "tornado-ts-s3-"));
    root = join(parent, "root");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startProgram("examples/s3server/s3server.ts", [
      `--port=${port}`,
      `--root_directory=${root}`,
      `--bucket_depth=${depth}`,
    ]);
    output = new ProgramOutput(server);
    await fetchWhenUp(`${base}/`);
  }, WAIT_MS + 5000);

  afterAll(async () => {
    client.close();
    if (server !== null) await stopProgram(server);
    rmSync(join(root, ".."), { recursive: true, force: true });
  });

  test("the root directory is created, and lists no buckets", async () => {
    expect(existsSync(root)).toBe(true);
    const response = await s3("GET", "/");
    expect(response.code).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/xml; charset=UTF-8");
    expect(response.body.toString()).toBe(
      `${XML_HEAD}<ListAllMyBucketsResult${NS}><Buckets></Buckets></ListAllMyBucketsResult>`,
    );
    expect(output.text).toContain("S3 server on port");
  });

  test("a bucket is created once, objects go in and come out with their MD5 as ETag", async () => {
    expect((await s3("PUT", "/photos/", { body: "" })).code).toBe(200);
    expect((await s3("PUT", "/photos/", { body: "" })).code).toBe(403);
    const buckets = (await s3("GET", "/")).body.toString();
    expect(buckets).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ListAllMyBucketsResult[^>]*><Buckets><Bucket><Name>photos<\/Name><CreationDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z<\/CreationDate><\/Bucket><\/Buckets><\/ListAllMyBucketsResult>$/,
    );

    const objects: Record<string, string> = {
      "2009/cat.jpg": "meow",
      "2009/dog & bone.jpg": "woof woof",
      "2010/bird.jpg": "tweet",
    };
    for (const [name, body] of Object.entries(objects)) {
      const put = await s3("PUT", `/photos/${encodeURIComponent(name)}`, { body });
      expect(put.code).toBe(200);
      expect(put.headers.get("ETag")).toBe(`"${md5(body)}"`);
    }
    // The file sits under --bucket_depth directories named after the MD5 of the key.
    const hash = md5("2009/cat.jpg");
    const hashed = [hash.slice(0, 2), hash.slice(0, 4)].slice(0, depth);
    expect(readFileSync(join(root, "photos", ...hashed, "2009", "cat.jpg"), "utf8")).toBe("meow");
    const got = await s3("GET", `/photos/${encodeURIComponent("2009/dog & bone.jpg")}`);
    expect(got.code).toBe(200);
    expect(got.body.toString()).toBe("woof woof");
    expect(got.headers.get("Etag")).toBe(`"${md5("woof woof")}"`);
    expect(got.headers.get("Content-Type")).toBe("application/unknown");
    expect(got.headers.get("Last-Modified")).toMatch(/ GMT$/);
    // The ETag is S3's: a client holding it gets 304.
    const again = await s3("GET", "/photos/2010%2Fbird.jpg", { headers: { "If-None-Match": `"${md5("tweet")}"` } });
    expect(again.code).toBe(304);
    expect((await s3("GET", "/photos/2010%2Fnone.jpg")).code).toBe(404);
    if (depth === 0) {
      // Keys are files side by side: one cannot be the directory of another, either way round
      // (with hashed directories they lie apart).
      expect((await s3("PUT", "/photos/2009%2Fcat.jpg%2Fwhiskers", { body: "x" })).code).toBe(403);
      expect((await s3("GET", "/photos/2009%2Fcat.jpg%2Fwhiskers")).code).toBe(404);
      expect((await s3("PUT", "/photos/2009", { body: "x" })).code).toBe(403);
    }
  });

  test("a bucket lists its objects in order, with prefix, marker, max-keys and terse", async () => {
    const all = (await s3("GET", "/photos/")).body.toString();
    expect(keys(all)).toEqual(["2009/cat.jpg", "2009/dog &amp; bone.jpg", "2010/bird.jpg"]);
    expect(all).toContain(
      `${XML_HEAD}<ListBucketResult${NS}><Name>photos</Name><Prefix></Prefix><Marker>2010/bird.jpg</Marker><MaxKeys>50000</MaxKeys><IsTruncated>False</IsTruncated><Contents><Key>2009/cat.jpg</Key><LastModified>`,
    );
    expect(all).toMatch(/<Key>2009\/cat\.jpg<\/Key><LastModified>[\d-]+T[\d:]+\.000Z<\/LastModified><Size>4<\/Size>/);

    const first = (await s3("GET", "/photos/?prefix=2009/&max-keys=1")).body.toString();
    expect(keys(first)).toEqual(["2009/cat.jpg"]);
    expect(first).toContain(
      "<Prefix>2009/</Prefix><Marker>2009/cat.jpg</Marker><MaxKeys>1</MaxKeys><IsTruncated>True</IsTruncated>",
    );
    const next = (await s3("GET", "/photos/?prefix=2009/&marker=2009/cat.jpg&max-keys=1")).body.toString();
    expect(keys(next)).toEqual(["2009/dog &amp; bone.jpg"]);
    expect(next).toContain("<IsTruncated>False</IsTruncated>");

    const terse = (await s3("GET", "/photos/?prefix=2010&terse=1")).body.toString();
    expect(terse).toContain("<Contents><Key>2010/bird.jpg</Key></Contents></ListBucketResult>");
    expect((await s3("GET", "/photos/?max-keys=many")).code).toBe(400);
    expect((await s3("GET", "/nobucket/")).code).toBe(404);
  });

  test("names that would leave the root or the bucket are refused, and nothing is written outside", async () => {
    const outside = readdirSync(join(root, ".."));
    // Encoded so that neither the client nor the server's URL parsing removes the dots.
    expect((await s3("PUT", "/photos/..%2F..%2Fescaped.txt", { body: "x" })).code).toBe(403);
    expect((await s3("PUT", "/photos/..%2Fother%2Fescaped.txt", { body: "x" })).code).toBe(403);
    expect((await s3("GET", "/photos/..%2F..%2F..%2Fetc%2Fpasswd")).code).toBe(403);
    // Inside the bucket once resolved, but not a plain key: it would alias 2010/bird.jpg.
    expect((await s3("DELETE", "/photos/..%2Fphotos%2F2010%2Fbird.jpg")).code).toBe(403);
    expect((await s3("PUT", "/photos/%2Fetc%2Fescaped.txt", { body: "x" })).code).toBe(403);
    expect((await s3("PUT", "/photos/2010%2F.%2Fbird.jpg", { body: "x" })).code).toBe(403);
    expect((await s3("PUT", "/..%2Fbucket/", { body: "" })).code).toBe(400);
    expect((await s3("GET", "/..%2F..%2Ftmp/")).code).toBe(400);
    expect((await s3("PUT", "/a%2Fb/key", { body: "x" })).code).toBe(400);
    expect(readdirSync(join(root, ".."))).toEqual(outside);
    expect(readdirSync(root)).toEqual(["photos"]);
  });

  test("objects are deleted; a bucket is deleted only once empty", async () => {
    expect((await s3("DELETE", "/photos/2009%2Fcat.jpg")).code).toBe(204);
    expect((await s3("DELETE", "/photos/2009%2Fcat.jpg")).code).toBe(404);
    expect(keys((await s3("GET", "/photos/")).body.toString())).toEqual(["2009/dog &amp; bone.jpg", "2010/bird.jpg"]);
    expect((await s3("DELETE", "/photos/")).code).toBe(403);
    expect((await s3("DELETE", "/nobucket/")).code).toBe(404);
    if (depth === 0) {
      // With no hashed directories in the way, emptying the bucket lets it go.
      for (const key of ["2009/dog & bone.jpg", "2010/bird.jpg"])
        expect((await s3("DELETE", `/photos/${encodeURIComponent(key)}`)).code).toBe(204);
      rmSync(join(root, "photos", "2009"), { recursive: true });
      rmSync(join(root, "photos", "2010"), { recursive: true });
      expect((await s3("DELETE", "/photos/")).code).toBe(204);
      expect(readdirSync(root)).toEqual([]);
    }
  });
});
