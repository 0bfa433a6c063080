import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { testing } from "../../src";

export const ROOT = join(__dirname, "..", "..");

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs a TypeScript program with tsx, as a user would, `env` added to ours; stop it with `stopProgram`. */
export function startProgram(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, file), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Fetches `url` until it answers, polling every 100 ms for at most `timeoutMs`. */
export async function fetchWhenUp(url: string, timeoutMs = 15000): Promise<testing.HTTPResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await testing.fetch(url, { request_timeout: 2 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Runs a program started as `startProgram` does to its end (SIGKILLed after `killAfterMs`);
 * resolves to its exit code and everything it printed.
 */
export async function runProgram(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  killAfterMs = 15000,
): Promise<{ code: number | null; output: string }> {
  const child = startProgram(file, args, env);
  const output = new ProgramOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  try {
    const code = await exited;
    // The pipes may still hold the last lines when "exit" fires; "close" comes after them.
    if (child.stdout !== null && !child.stdout.closed)
      await new Promise((resolve) => child.stdout!.once("close", resolve));
    return { code, output: output.text };
  } finally {
    clearTimeout(killer);
  }
}

/** Stops a program started by `startProgram` (SIGTERM, then SIGKILL after `killAfterMs`) and waits for it to exit. */
export async function stopProgram(child: ChildProcess, killAfterMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  await exited;
  clearTimeout(killer);
}

/** Everything a program started by `startProgram` has printed (stdout and stderr), as it arrives. */
export class ProgramOutput {
  #text = "";

  constructor(child: ChildProcess) {
    child.stdout?.on("data", (chunk: Buffer) => (this.#text += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (this.#text += chunk.toString("utf8")));
  }

  get text(): string {
    return this.#text;
  }

  /** Resolves once the output matches `pattern`, polling every 20 ms; rejects after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#text)) {
      if (Date.now() > deadline) throw new Error(`output never matched ${pattern}; got:\n${this.#text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
