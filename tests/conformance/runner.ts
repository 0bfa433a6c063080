/**
 * Starts the conformance apps twice, once in Python Tornado (apps/app.py) and once in tornado-ts
 * (apps/app.ts), and sends the same request to both over plain node:http, so that a test can
 * compare the two answers (see compare.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { fetchWhenUp, freePort, ProgramOutput, ROOT, startProgram, stopProgram } from "../support/process";

/** Debian's Python, which has python3-tornado (the `python3` on PATH may be another one). */
export const PYTHON = "/usr/bin/python3";
const APPS = join(__dirname, "apps");
const START_TIMEOUT_MS = 30000;
const REQUEST_TIMEOUT_MS = 5000;

/** One implementation's two servers: the main app and the strict app (XSRF, gzip, small limits). */
export interface Side {
  name: "python" | "ts";
  port: number;
  strictPort: number;
}

/** Both implementations, started for one test file. */
export interface ServerPair {
  python: Side;
  ts: Side;
}

/** A request to send to both sides. */
export interface ConformanceRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sends to the strict app instead of the main one. */
  strict?: boolean;
  /** Declares this Content-Length and sends only the headers (for size limits). */
  declaredLength?: number;
}

/** A response as it came off the wire: status line, header pairs in order, decoded (unchunked) body. */
export interface RawResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

interface RunningPair extends ServerPair {
  processes: ChildProcess[];
  outputs: ProgramOutput[];
}

/**
 * Starts both implementations once for the calling test file (beforeAll) and stops them after it
 * (afterAll); returns a getter for the running pair.
 */
export function useServerPair(): () => ServerPair {
  let running: RunningPair | null = null;
  beforeAll(async () => {
    running = await startServerPair();
  }, START_TIMEOUT_MS + 5000);
  afterAll(async () => {
    if (running) await Promise.all(running.processes.map((child) => stopProgram(child)));
  });
  return () => {
    if (!running) throw new Error("the server pair did not start");
    return running;
  };
}

async function startServerPair(): Promise<RunningPair> {
  const [pyPort, pyStrict, tsPort, tsStrict] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const ports = (port: number, strict: number) => [`--port=${port}`, `--strict-port=${strict}`];
  const python = spawn(PYTHON, [join(APPS, "app.py"), ...ports(pyPort, pyStrict)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ts = startProgram(join("tests", "conformance", "apps", "app.ts"), ports(tsPort, tsStrict));
  const pair: RunningPair = {
    python: { name: "python", port: pyPort, strictPort: pyStrict },
    ts: { name: "ts", port: tsPort, strictPort: tsStrict },
    processes: [python, ts],
    outputs: [new ProgramOutput(python), new ProgramOutput(ts)],
  };
  try {
    await Promise.all(
      [pyPort, pyStrict, tsPort, tsStrict].map((port) =>
        fetchWhenUp(`http://127.0.0.1:${port}/hello`, START_TIMEOUT_MS),
      ),
    );
  } catch (error) {
    await Promise.all(pair.processes.map((child) => stopProgram(child)));
    throw new Error(
      `conformance apps did not start: ${String(error)}\npython:\n${pair.outputs[0].text}\nts:\n${pair.outputs[1].text}`,
    );
  }
  return pair;
}

/** Sends `request` to one side and resolves with the raw response (a 101 ends the exchange at once). */
export function send(side: Side, request: ConformanceRequest): Promise<RawResponse> {
  const port = request.strict ? side.strictPort : side.port;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({
      host: "127.0.0.1",
      port,
      method: request.method ?? "GET",
      path: request.path,
      headers: request.headers ?? {},
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
    });
    outgoing.on("timeout", () =>
      outgoing.destroy(new Error(`${side.name}: no answer to ${request.path} in ${REQUEST_TIMEOUT_MS}ms`)),
    );
    outgoing.on("error", reject);
    outgoing.on("upgrade", (response: IncomingMessage, socket: Socket) => {
      socket.destroy();
      resolve(rawResponse(response, Buffer.alloc(0)));
    });
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        resolve(rawResponse(response, Buffer.concat(chunks)));
        outgoing.destroy();
      });
      response.on("error", reject);
    });
    if (request.declaredLength !== undefined) {
      outgoing.setHeader("Content-Length", request.declaredLength);
      outgoing.flushHeaders();
    } else {
      // Node sends a GET's body without declaring its length unless told: say it, as any client would.
      if (request.body !== undefined) outgoing.setHeader("Content-Length", Buffer.byteLength(request.body));
      outgoing.end(request.body);
    }
  });
}

function rawResponse(response: IncomingMessage, body: Buffer): RawResponse {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2)
    headers.push([response.rawHeaders[i], response.rawHeaders[i + 1]]);
  return { status: response.statusCode ?? 0, reason: response.statusMessage ?? "", headers, body };
}

/** Sends `request` to both sides at once; resolves with both raw responses. */
export async function sendToBoth(
  pair: ServerPair,
  request: ConformanceRequest,
): Promise<{ python: RawResponse; ts: RawResponse }> {
  const [python, ts] = await Promise.all([send(pair.python, request), send(pair.ts, request)]);
  return { python, ts };
}

/** Every `Set-Cookie` of a response as a `Cookie` request header value: `name=value; name2=value2`. */
export function cookieHeader(response: RawResponse): string {
  return response.headers
    .filter(([key]) => key.toLowerCase() === "set-cookie")
    .map(([, value]) => value.split(";")[0])
    .join("; ");
}
