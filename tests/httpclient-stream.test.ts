/**
 * A 100 MB response streamed to `streaming_callback` by a client in a child process (so the RSS
 * it reports is the client's own), from our HTTPServer writing it in 1 MiB pieces with `flush()`.
 */
import { web } from "../src";
import { serve } from "./support/serve";
import { ProgramOutput, startProgram, stopProgram } from "./support/process";

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const TOTAL = 100 * MIB;

class Big extends web.RequestHandler {
  async get() {
    this.set_header("Content-Type", "application/octet-stream");
    this.set_header("Content-Length", String(TOTAL));
    const piece = Buffer.alloc(MIB, 7);
    for (let sent = 0; sent < TOTAL; sent += MIB) {
      this.write(piece);
      await this.flush();
    }
  }
}

test("a 100 MB body streams to streaming_callback while the client's RSS stays flat", async () => {
  const server = await serve([["/big", Big]]);
  const started = process.hrtime.bigint();
  const child = startProgram("tests/fixtures/httpclient-stream-client.ts", [server.get_url("/big")]);
  const output = new ProgramOutput(child);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`client exited ${code}: ${output.text}`)),
      );
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = JSON.parse(output.text) as {
      code: number;
      body: number;
      bytes: number;
      rss_before: number;
      rss_max: number;
      js_before: number;
      js_max: number;
    };
    expect(result).toMatchObject({ code: 200, body: 0, bytes: TOTAL });
    const rssGrowth = (result.rss_max - result.rss_before) / MIB;
    const jsGrowth = (result.js_max - result.js_before) / MIB;
    process.stdout.write(
      `100 MB download: ${seconds.toFixed(2)} s with the client's start-up; client RSS +${rssGrowth.toFixed(1)} MiB ` +
        `(${(result.rss_before / MIB).toFixed(1)} before), heap + Buffers +${jsGrowth.toFixed(1)} MiB\n`,
    );
    // Buffered whole, the body alone would add 100 MiB to both (measured: +203 MiB RSS, +198 MiB
    // heap + Buffers); streamed, what grows is garbage not yet collected.
    expect(jsGrowth).toBeLessThan(64);
    expect(rssGrowth).toBeLessThan(100);
  } finally {
    await stopProgram(child);
  }
});
