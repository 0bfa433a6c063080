import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./process";

const REDIS_SERVER = "/usr/bin/redis-server";

/**
 * A throwaway redis-server for tests: on a free loopback port, persisting nothing, in a
 * directory of its own. `start()` resolves once it accepts connections; `stop()` ends it (and
 * `start()` again brings it back on the same port, as after an outage); `remove()` stops it and
 * deletes its directory.
 */
export class TestRedis {
  #child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), "tornado-ts-redis-"));

  private constructor(readonly port: number) {}

  /** Starts a Redis on a port that was free a moment ago; resolves once it is ready. */
  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** The URL to give as `pubsub_url`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /**
   * Starts redis-server (again) on `port`; resolves when it prints "Ready to accept connections".
   * @throws Error when it exits first (a port taken meanwhile, say), with what it printed.
   */
  async start(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    const child = spawn(REDIS_SERVER, [...args, "--dir", this.dir], { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        if (!output.includes("Ready to accept connections")) return;
        child.stdout!.off("data", onData);
        child.off("exit", onExit);
        child.stdout!.resume();
        resolve();
      };
      const onExit = (): void => reject(new Error(`redis-server exited before it was ready:\n${output}`));
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.once("exit", onExit);
      child.once("error", reject);
    });
  }

  /** Stops redis-server (SIGKILL: an outage, not a shutdown) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Stops it and deletes its directory. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once `condition()` is true, checking every 10 ms; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
