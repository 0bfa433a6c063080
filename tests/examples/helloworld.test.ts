import { freePort, fetchWhenUp, startProgram, stopProgram } from "../support/process";

test("examples/helloworld.ts answers Hello, world on the --port it is given", async () => {
  const port = await freePort();
  const child = startProgram("examples/helloworld.ts", [`--port=${port}`, "--address=127.0.0.1"]);
  try {
    const response = await fetchWhenUp(`http://127.0.0.1:${port}/`);
    expect(response.code).toBe(200);
    expect(response.text).toBe("Hello, world");
  } finally {
    await stopProgram(child);
  }
});
