/**
 * WebSockets driven by Tornado's own client: clients/ws_client.py (`websocket_connect`) runs every
 * scenario against Python Tornado and against tornado-ts, and what it saw is compared scenario by scenario.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expectConformance, expectDeliberateCasesCompared, type Fields } from "./compare";
import { PYTHON, useServerPair, type Side } from "./runner";

const pair = useServerPair();
const CLIENT = join(__dirname, "clients", "ws_client.py");
const CLIENT_TIMEOUT_MS = 30000;
const SCENARIOS = [
  "echo-text",
  "echo-unicode",
  "echo-binary",
  "json-from-open",
  "path-argument-decoded",
  "subprotocol-chosen",
  "subprotocol-none-offered",
  "server-close-code-and-reason",
  "server-close-without-code",
  "client-close-code-seen-by-server",
  "exception-in-on-message",
  "largest-message-echoed",
  "oversize-message-closes",
  "headers-on-101",
  "not-found-is-404",
  "plain-page-refused",
  "prepare-refusal-401",
  "foreign-origin-is-403",
];

/** Runs the Python client against one side; resolves with what it saw, by scenario. */
async function runPythonClient(side: Side): Promise<Record<string, Fields>> {
  const { stdout } = await promisify(execFile)(
    PYTHON,
    [CLIENT, `--port=${side.port}`, `--strict-port=${side.strictPort}`],
    { timeout: CLIENT_TIMEOUT_MS },
  );
  return JSON.parse(stdout);
}

let seen: { python: Record<string, Fields>; ts: Record<string, Fields> };
beforeAll(async () => {
  const [python, ts] = await Promise.all([runPythonClient(pair().python), runPythonClient(pair().ts)]);
  seen = { python, ts };
}, CLIENT_TIMEOUT_MS + 5000);

test("the Python client ran exactly the scenarios compared here", () => {
  expect(Object.keys(seen.python).sort()).toEqual([...SCENARIOS].sort());
  expect(Object.keys(seen.ts).sort()).toEqual([...SCENARIOS].sort());
});

for (const scenario of SCENARIOS) {
  test(`ws-py/${scenario} (websocket_connect)`, () => {
    expectConformance(`ws-py/${scenario}`, seen.python[scenario], seen.ts[scenario]);
  });
}

test("every deliberate difference listed under ws-py/ names a compared case", () => {
  expectDeliberateCasesCompared("ws-py/");
});
