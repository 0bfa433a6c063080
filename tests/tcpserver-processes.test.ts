/**
 * `TCPServer.bind` + `start(n)` on node:cluster: a real program (tests/fixtures/tcp-process-app.ts)
 * whose two workers serve one 127.0.0.1 port, each answering with its task id and pid.
 */
import { readFileSync } from "node:fs";
import { tcpclient } from "../src";
import { ProgramOutput, startProgram, stopProgram } from "./support/process";

const FIXTURE = "tests/fixtures/tcp-process-app.ts";
jest.setTimeout(120_000);

let output: ProgramOutput | null = null;
let child: ReturnType<typeof startProgram> | null = null;

afterEach(async () => {
  if (child !== null) await stopProgram(child);
  // The workers (and the primary, tsx's child) go with a SIGTERM; kill what a failed test left.
  for (const m of output?.text.matchAll(/^(?:primary|worker \S+) (\d+)/gm) ?? []) {
    try {
      if (readFileSync(`/proc/${m[1]}/cmdline`, "utf8").includes(FIXTURE)) process.kill(Number(m[1]), "SIGKILL");
    } catch {
      // already gone
    }
  }
  child = null;
  output = null;
});

test("start(2) forks two workers that serve the port bind() named; the primary serves nothing", async () => {
  child = startProgram(FIXTURE);
  output = new ProgramOutput(child);
  await output.waitFor(/^primary \d+$/m, 40_000);
  await output.waitFor(/(^worker .*\n[^]*){2}/m, 40_000);
  const announced = [...output.text.matchAll(/^worker (\S+) (\d+) (\d+)$/gm)];
  expect(announced.map((m) => m[1]).sort()).toEqual(["0", "1"]);
  const port = Number(announced[0][3]);
  expect(Number(announced[1][3])).toBe(port);
  const answeredBy = new Set<string>();
  // The primary hands connections to the workers in turn: a few connections reach both.
  for (let i = 0; i < 40 && answeredBy.size < 2; i++) {
    const stream = await new tcpclient.TCPClient().connect("127.0.0.1", port);
    await stream.write(`hello ${i}\n`);
    const [task, pid] = (await stream.read_until("\n")).toString().trimEnd().split(" ").slice(-2);
    expect(announced.some((m) => m[1] === task && m[2] === pid)).toBe(true);
    answeredBy.add(task);
    stream.close();
  }
  expect([...answeredBy].sort()).toEqual(["0", "1"]);
});
