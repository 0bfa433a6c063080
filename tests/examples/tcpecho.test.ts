/**
 * examples/tcpecho: the server is started as a program on a free port, and the client, run as
 * a program, gets its message echoed; the server logs what it received and the client leaving.
 */
import type { ChildProcess } from "node:child_process";
import { ProgramOutput, freePort, runProgram, startProgram, stopProgram } from "../support/process";

const WAIT_MS = 15000;

describe("examples/tcpecho as programs", () => {
  let server: ChildProcess | null = null;
  let serverLog: ProgramOutput;
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    server = startProgram("examples/tcpecho/server.ts", [`--port=${port}`]);
    serverLog = new ProgramOutput(server);
    await serverLog.waitFor(/Listening on TCP port \d+/, WAIT_MS);
  }, WAIT_MS + 5000);

  afterAll(async () => {
    if (server !== null) await stopProgram(server);
  });

  test(
    "the client's message comes back, and the server logs it and the client leaving",
    async () => {
      const { code, output } = await runProgram("examples/tcpecho/client.ts", [
        `--port=${port}`,
        "--host=127.0.0.1",
        "--message=hello echo",
      ]);
      expect(output).toContain("Sent to server: hello echo");
      expect(output).toContain("Response from server: hello echo");
      expect(code).toBe(0);
      await serverLog.waitFor(/Received bytes: hello echo/, WAIT_MS);
      await serverLog.waitFor(/Lost client at host 127\.0\.0\.1/, WAIT_MS);
    },
    2 * WAIT_MS,
  );
});
