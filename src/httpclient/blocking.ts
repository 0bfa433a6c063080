/**
 * Tornado's blocking `HTTPClient`: `fetch` returns the `HTTPResponse` itself, not a promise, and
 * the calling thread waits until it is there.
 *
 * Node cannot run its event loop while a function blocks, so the requests run on another
 * thread: each `HTTPClient` starts a `worker_threads` Worker with an `AsyncHTTPClient` of its
 * own (blocking-worker.ts). `fetch` posts the request on a MessageChannel, sleeps in
 * `Atomics.wait` on a SharedArrayBuffer until the worker sets it, and takes the answer with
 * `receiveMessageOnPort`. Requests and answers cross as plain data (the structured clone
 * algorithm), so fields holding functions (`body_producer`, `streaming_callback`,
 * `header_callback`) are refused.
 *
 * While `fetch` waits, nothing else runs on the calling thread: no timer, no callback, no
 * server. A server on the same thread cannot answer: fetching from it waits until the
 * request times out (599). Use it in scripts and command-line tools; in a program that serves,
 * use `AsyncHTTPClient`.
 */
import { extname, join } from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { HTTPHeaders } from "../httputil/headers";
import type { BlockingWorkerData, WireError, WireReply, WireRequest, WireResponse } from "./blocking-worker";
import { AsyncHTTPClient, type AsyncHTTPClientOptions, type FetchOptions } from "./client";
import { HTTPRequest, type HTTPRequestOptions } from "./request";
import { HTTPClientError, HTTPResponse, HTTPStreamClosedError, HTTPTimeoutError } from "./response";

/**
 * The worker's first code: loads blocking-worker (through tsx when it is TypeScript, as under
 * jest or tsx); when that fails, every request is answered with the failure.
 */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
try {
  if (workerData.loader !== null) require(workerData.loader).register();
  require(workerData.entry);
} catch (err) {
  const reply = {
    ok: false,
    error: { name: "Error", message: "HTTPClient's thread could not start: " + String((err && err.message) || err) },
  };
  workerData.data.port.on("message", () => {
    workerData.data.port.postMessage(reply);
    Atomics.store(workerData.data.flag, 0, 1);
    Atomics.notify(workerData.data.flag, 0);
  });
}
`;

/** Request fields that hold functions, which cannot be sent to another thread. */
const FUNCTION_FIELDS = ["body_producer", "streaming_callback", "header_callback"] as const;

/**
 * A blocking HTTP client, as Tornado's `HTTPClient`: `fetch` returns the response once it has
 * arrived, holding up the calling thread meanwhile.
 *
 * ```ts
 * const client = new HTTPClient();
 * try {
 *   console.log(client.fetch("http://127.0.0.1:8888/").body.toString());
 * } finally {
 *   client.close();
 * }
 * ```
 */
export class HTTPClient {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  #closed = false;

  /**
   * Starts the client's thread with an `AsyncHTTPClient` made from `options` (`max_clients`,
   * `defaults`). `async_client_class` is Tornado's first argument: null or `AsyncHTTPClient`.
   * @throws TypeError for another class, or `defaults` holding a function-valued field.
   */
  constructor(async_client_class: typeof AsyncHTTPClient | null = null, options: AsyncHTTPClientOptions = {}) {
    if (async_client_class !== null && async_client_class !== AsyncHTTPClient) {
      throw new TypeError("HTTPClient: async_client_class must be null or AsyncHTTPClient (the one implementation)");
    }
    const plain = plainOptions(options);
    const channel = new MessageChannel();
    const data: BlockingWorkerData = { port: channel.port2, flag: this.#flag, options: plain };
    const entry = join(__dirname, `blocking-worker${extname(__filename)}`);
    const loader = entry.endsWith(".ts") ? require.resolve("tsx/cjs/api") : null;
    this.#worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry, loader, data },
      transferList: [channel.port2],
    });
    this.#worker.unref();
    // A failure reaches the caller as an answer (see BOOTSTRAP); an "error" event nobody
    // listens to would end the process.
    this.#worker.on("error", () => {});
    this.#port = channel.port1;
  }

  /**
   * Fetches `request` (a URL, with `options` as an `HTTPRequest`'s fields, or an `HTTPRequest`,
   * then `options` may hold only `raise_error`) and returns the `HTTPResponse`, blocking the
   * calling thread until it has arrived. Throws as `AsyncHTTPClient.fetch` rejects:
   * `HTTPClientError` for a non-2xx answer unless `raise_error` is false, `HTTPTimeoutError` or
   * `HTTPClientError(599)` when no answer came, Error when the client is closed; and TypeError
   * for a function-valued field (`body_producer`, `streaming_callback`, `header_callback`).
   */
  fetch(request: string | HTTPRequest, options: FetchOptions = {}): HTTPResponse {
    if (this.#closed) throw new Error("fetch() called on closed HTTPClient");
    const { raise_error = true, ...fields } = options;
    if (request instanceof HTTPRequest) {
      if (Object.keys(fields).length > 0) throw new Error("options can't be used if request is an HTTPRequest object");
    } else {
      request = new HTTPRequest(request, fields);
    }
    const reply = this.#exchange(toWire(request));
    if (!reply.ok) throw rebuildError(reply.error);
    const response = rebuildResponse(request, reply.response);
    if (raise_error && response.error) throw response.error;
    return response;
  }

  /** Stops the client's thread; later fetches throw. Safe to call twice. Never throws. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    void this.#worker.terminate();
  }

  /** Sends `wire` to the worker and sleeps until its answer is posted. */
  #exchange(wire: WireRequest): WireReply {
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage(wire);
    while (Atomics.load(this.#flag, 0) === 0) Atomics.wait(this.#flag, 0, 0);
    const received = receiveMessageOnPort(this.#port);
    if (received === undefined) throw new Error("HTTPClient's thread woke the caller without an answer");
    return received.message as WireReply;
  }
}

/** Throws TypeError when `fields` holds a function in one of `FUNCTION_FIELDS`; `where` names the place. */
function refuseFunctions(fields: object, where: string): void {
  for (const name of FUNCTION_FIELDS) {
    if (typeof (fields as Record<string, unknown>)[name] === "function") {
      throw new TypeError(
        `HTTPClient: ${where}${name} is a function, which cannot be sent to the client's thread (use AsyncHTTPClient)`,
      );
    }
  }
}

/** `options` as plain data for the worker: the defaults' headers as pairs. @throws TypeError for a function field. */
function plainOptions(options: AsyncHTTPClientOptions): AsyncHTTPClientOptions {
  if (options.defaults === undefined) return { ...options };
  refuseFunctions(options.defaults, "defaults.");
  const defaults: HTTPRequestOptions = { ...options.defaults };
  if (defaults.headers != null) defaults.headers = [...new HTTPHeaders(defaults.headers).get_all()];
  return { ...options, defaults };
}

/** `request` as plain data for the worker. @throws TypeError for a function-valued field. */
function toWire(request: HTTPRequest): WireRequest {
  refuseFunctions(request, "");
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (name !== "url" && name !== "headers" && name !== "start_time" && value !== null) fields[name] = value;
  }
  return { url: request.url, headers: [...request.headers.get_all()], fields };
}

/** The `HTTPResponse` the worker described, for the caller's own `request` (its `start_time` set, as the async client sets it). */
function rebuildResponse(request: HTTPRequest, wire: WireResponse): HTTPResponse {
  const body = Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength);
  // Node's worker threads share the process's performance.timeOrigin: the worker's clock is ours.
  const start_time = wire.start_time;
  request.start_time = start_time;
  return new HTTPResponse(request, wire.code, {
    reason: wire.reason,
    headers: new HTTPHeaders(wire.headers),
    buffer: body,
    effective_url: wire.effective_url,
    request_time: wire.request_time,
    time_info: wire.time_info,
    start_time,
  });
}

/** The error the worker described, as the class it had there (`HTTPClientError` and its 599 kinds kept). */
function rebuildError(wire: WireError): Error {
  const options = wire.cause ? { cause: Object.assign(new Error(wire.cause.message), { name: wire.cause.name }) } : {};
  if (wire.code !== undefined) {
    if (wire.name === "HTTPTimeoutError") return new HTTPTimeoutError(wire.reason!, options);
    if (wire.name === "HTTPStreamClosedError") return new HTTPStreamClosedError(wire.reason!, options);
    return new HTTPClientError(wire.code, wire.reason, null, options);
  }
  const Kind = wire.name === "TypeError" ? TypeError : wire.name === "RangeError" ? RangeError : Error;
  const error = new Kind(wire.message, options);
  if (error.name !== wire.name) error.name = wire.name;
  return error;
}
