import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { testing } from "../../src";
import { codeBlocks, isTypeScript } from "../support/samples";
import { freePort, ProgramOutput, ROOT, startProgram, stopProgram } from "../support/process";

// Chapter 8's "Large uploads" sample, in both languages, streams what is PUT to it: a body over
// the server's 100 MiB max_body_size, and a gzip body counted decompressed.

jest.setTimeout(60_000);

const children: ChildProcess[] = [];
afterAll(() => Promise.all(children.map((child) => stopProgram(child))));

test.each(["en", "tr"])("docs/%s/08-deploying.md: the upload sample streams PUT bodies", async (language) => {
  const markdown = readFileSync(join(ROOT, "docs", language, "08-deploying.md"), "utf8");
  const sample = codeBlocks(markdown)
    .filter(isTypeScript)
    .find((block) => block.code.includes("stream_request_body"))!.code;
  const port = await freePort();
  const dir = join(ROOT, "tests", ".samples", "uploads");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${language}.ts`), sample.replaceAll("8888", String(port)));
  const child = startProgram(join("tests", ".samples", "uploads", `${language}.ts`));
  children.push(child);
  await new ProgramOutput(child).waitFor(new RegExp(`http://localhost:${port}/`), 15_000);
  const base = `http://127.0.0.1:${port}`;
  const big = 110 * 1024 * 1024;
  const plain = await testing.fetch(`${base}/upload/big.bin`, { method: "PUT", body: Buffer.alloc(big, 3) });
  expect(plain.body.toString()).toBe(`big.bin: ${big} bytes\n`);
  const zipped = await testing.fetch(`${base}/upload/z.txt`, {
    method: "PUT",
    headers: { "Content-Encoding": "gzip" },
    body: gzipSync("hello ".repeat(1000)),
  });
  expect(zipped.body.toString()).toBe("z.txt: 6000 bytes\n");
});
