import { once } from "node:events";
import { freePort, fetchWhenUp, ProgramOutput, startProgram, stopProgram } from "../support/process";

test("examples/helloworld.ts answers Hello, world on the --port it is given and logs the request", async () => {
  const port = await freePort();
  const child = startProgram("examples/helloworld.ts", [`--port=${port}`, "--address=127.0.0.1"]);
  const output = new ProgramOutput(child);
  try {
    const response = await fetchWhenUp(`http://127.0.0.1:${port}/`);
    expect(response.code).toBe(200);
    expect(response.text).toBe("Hello, world");
    // It calls log.enable_pretty_logging(), as Tornado's helloworld.py does through parse_command_line().
    await output.waitFor(/\[I \d{6} [\d:]{8} tornado\.access\] 200 GET \/ \(127\.0\.0\.1\) [\d.]+ms/);
  } finally {
    await stopProgram(child);
  }
});

test("examples/helloworld.ts reads its flags through tornado.options: --help lists them, a bad one exits 2", async () => {
  const help = startProgram("examples/helloworld.ts", ["--help"]);
  const helpOutput = new ProgramOutput(help);
  const [helpCode] = (await once(help, "exit")) as [number | null];
  expect(helpCode).toBe(0);
  expect(helpOutput.text).toMatch(/\n {2}--port {27}run on the given port \(default 8888\)\n/);
  const bad = startProgram("examples/helloworld.ts", ["--port=http"]);
  const badOutput = new ProgramOutput(bad);
  const [badCode] = (await once(bad, "exit")) as [number | null];
  expect(badCode).toBe(2);
  expect(badOutput.text).toBe("Error: Option 'port' requires an integer, not 'http'\n");
}, 30000);
