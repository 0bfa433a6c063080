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
