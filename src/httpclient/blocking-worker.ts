/**
 * The thread behind `HTTPClient` (blocking.ts): one `AsyncHTTPClient` of its own, fed requests
 * through a MessagePort. Each answer is posted back on the port, then the shared flag is set
 * and notified, which wakes the calling thread from its `Atomics.wait`.
 */
import { isMainThread, workerData, type MessagePort } from "node:worker_threads";
import { AsyncHTTPClient, type AsyncHTTPClientOptions } from "./client";
import { HTTPRequest } from "./request";
import { HTTPClientError, type HTTPResponse } from "./response";

/** What the calling thread hands the worker at its start. */
export interface BlockingWorkerData {
  /** The worker's end of the channel: requests come in on it, answers go out. */
  port: MessagePort;
  /** One Int32 over a SharedArrayBuffer: 0 while a request runs, 1 once its answer is posted. */
  flag: Int32Array;
  /** The `AsyncHTTPClient`'s options (`force_instance` is added). */
  options: AsyncHTTPClientOptions;
}

/** A request as it crosses the threads: the URL, the headers as pairs, the other plain fields. */
export interface WireRequest {
  url: string;
  headers: Array<[string, string]>;
  fields: Record<string, unknown>;
}

/** An error as it crosses the threads; `code` and `reason` are set for an `HTTPClientError`. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: number;
  reason?: string;
  cause?: { name: string; message: string };
}

/** A response as it crosses the threads (its `error`, if any, is rebuilt from its code). */
export interface WireResponse {
  code: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  effective_url: string;
  request_time: number | null;
  time_info: Record<string, number>;
  start_time: number | null;
}

/** The worker's answer to one request: a response, or the error the fetch rejected with. */
export type WireReply = { ok: true; response: WireResponse } | { ok: false; error: WireError };

/** `err` as plain data, with the code and reason of an `HTTPClientError` and its cause's name and message. */
export function describeError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const described: WireError = { name: err.name, message: err.message, stack: err.stack };
  if (err instanceof HTTPClientError) {
    described.code = err.code;
    described.reason = err.reason;
  }
  if (err.cause instanceof Error) described.cause = { name: err.cause.name, message: err.cause.message };
  return described;
}

/** `response` as plain data (the body's bytes are copied). */
function describeResponse(response: HTTPResponse): WireResponse {
  return {
    code: response.code,
    reason: response.reason,
    headers: [...response.headers.get_all()],
    body: new Uint8Array(response.body),
    effective_url: response.effective_url,
    request_time: response.request_time,
    time_info: response.time_info,
    start_time: response.start_time,
  };
}

/** `fields` with the byte arrays the structured clone made of Buffers (body, PEMs) as Buffers again. */
function asBuffers(fields: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields))
    copy[name] = value instanceof Uint8Array ? Buffer.from(value) : value;
  return copy;
}

/** Runs one request; non-2xx answers come back as responses (the caller applies `raise_error`). */
async function answer(client: AsyncHTTPClient, wire: WireRequest): Promise<WireReply> {
  try {
    const request = new HTTPRequest(wire.url, { ...asBuffers(wire.fields), headers: wire.headers });
    const response = await client.fetch(request, { raise_error: false });
    return { ok: true, response: describeResponse(response) };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

/** Posts `reply`, then wakes the calling thread. */
function send(data: BlockingWorkerData, reply: WireReply): void {
  data.port.postMessage(reply);
  Atomics.store(data.flag, 0, 1);
  Atomics.notify(data.flag, 0);
}

/** Starts serving requests on the port given in `workerData`. */
function serve(data: BlockingWorkerData): void {
  const client = new AsyncHTTPClient({ ...data.options, force_instance: true });
  data.port.on("message", (wire: WireRequest) => {
    void answer(client, wire).then((reply) => send(data, reply));
  });
}

if (!isMainThread) serve((workerData as { data: BlockingWorkerData }).data);
