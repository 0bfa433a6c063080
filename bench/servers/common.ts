/** Shared bits for the benchmark servers: argument parsing and the /stats payload. */
export interface ServerArgs {
  port: number;
  /** Routing scenario: the app holds only this many regex routes `/route<i>/([0-9]+)`. */
  routes: number;
  /** Directory served under /static/ (the static-file scenario). */
  staticDir: string;
}

export function parseArgs(argv: string[] = process.argv.slice(2)): ServerArgs {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = Number(get("port") ?? "8888");
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bad --port ${String(get("port"))}`);
  return { port, routes: Number(get("routes") ?? "0"), staticDir: get("static") ?? "" };
}

/** Process memory after a forced GC when the process runs with --expose-gc. */
export function stats(): string {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
  const m = process.memoryUsage();
  return JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
}

/** The form scenario's answer, the same small text from every server: `ok <name> <email>`. */
export function formReply(name: unknown, email: unknown): string {
  return `ok ${String(name)} ${String(email)}`;
}

export const JSON_BODY = { message: "Hello, world", framework: "bench", items: [1, 2, 3], nested: { ok: true } };

/** Ends the process on SIGTERM/SIGINT (the runner also SIGKILLs stragglers). */
export function exitOnSignal(): void {
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => process.exit(0));
}
