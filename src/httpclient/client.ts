import { performance } from "node:perf_hooks";
import { IOLoop } from "../ioloop";
import { HTTPClientError, HTTPTimeoutError } from "./response";
import { DispatcherCache } from "./dispatchers";
import { checkBody, HTTPRequest, resolveRequest, type HTTPRequestOptions, type ResolvedRequest } from "./request";
import { HTTPResponse } from "./response";
import { followsRedirect, sendOnce, type Hop } from "./transport";

/** Settings of a client: `AsyncHTTPClient.configure(null, ...)` or the constructor. */
export interface AsyncHTTPClientOptions {
  /** The most requests in flight at once; more wait in a queue. 10 by default, as Tornado. */
  max_clients?: number;
  /** Values for every request field its request leaves unset (headers are merged). */
  defaults?: HTTPRequestOptions;
}

/** `fetch`'s options: an `HTTPRequest`'s fields, and `raise_error`. */
export interface FetchOptions extends HTTPRequestOptions {
  /** When false, a non-2xx answer resolves (with `error` set) instead of rejecting. Errors without a response (599) always reject, as Tornado. True by default. */
  raise_error?: boolean;
}

/**
 * A non-blocking HTTP client, as Tornado's `AsyncHTTPClient`, built on undici's connection pools.
 * `new AsyncHTTPClient()` gives the same client each time on one IOLoop (Tornado's pseudo-singleton)
 * unless `force_instance` is true.
 *
 * ```ts
 * const response = await new AsyncHTTPClient().fetch("http://127.0.0.1:8888/");
 * console.log(response.code, response.body.toString());
 * ```
 */
export class AsyncHTTPClient {
  static #configured: AsyncHTTPClientOptions = {};
  static #instances = new WeakMap<IOLoop, AsyncHTTPClient>();

  /** The most requests in flight at once. */
  readonly max_clients!: number;
  /** Defaults for unset request fields. */
  readonly defaults!: HTTPRequestOptions;
  readonly #loop!: IOLoop;
  readonly #cached!: boolean;
  readonly #pools = new DispatcherCache();
  readonly #waiting: Array<() => void> = [];
  #active = 0;
  #closed = false;

  /**
   * The client of the current IOLoop, made on first use with `configure`'s settings overridden by
   * `options`; with `force_instance`, a new client of its own (close it when done).
   */
  constructor(options: AsyncHTTPClientOptions & { force_instance?: boolean } = {}) {
    const loop = IOLoop.current();
    const existing = options.force_instance ? undefined : AsyncHTTPClient.#instances.get(loop);
    if (existing !== undefined) return existing;
    const configured = AsyncHTTPClient.#configured;
    this.max_clients = options.max_clients ?? configured.max_clients ?? 10;
    this.defaults = { ...configured.defaults, ...options.defaults };
    this.#loop = loop;
    this.#cached = !options.force_instance;
    if (this.#cached) AsyncHTTPClient.#instances.set(loop, this);
  }

  /**
   * Sets what clients made afterwards start with (Tornado's `configure(impl, **kwargs)`). `impl`
   * must be null: there is one implementation. Throws TypeError otherwise.
   */
  static configure(impl: null, options: AsyncHTTPClientOptions = {}): void {
    if (impl !== null) throw new TypeError("AsyncHTTPClient.configure: only null (the undici client) is supported");
    AsyncHTTPClient.#configured = { ...options };
  }

  /**
   * Fetches `request` (a URL, with `options` as an `HTTPRequest`'s fields, or an `HTTPRequest`,
   * then `options` may hold only `raise_error`). Resolves to the `HTTPResponse`; rejects with
   * `HTTPClientError` for a non-2xx answer unless `raise_error` is false, with `HTTPTimeoutError`
   * (599) on a timeout, with `HTTPClientError(599)` when the connection fails, and with Error for a
   * body the method forbids or requires, or when the client is closed.
   */
  async fetch(request: string | HTTPRequest, options: FetchOptions = {}): Promise<HTTPResponse> {
    if (this.#closed) throw new Error("fetch() called on closed AsyncHTTPClient");
    const { raise_error = true, ...fields } = options;
    if (request instanceof HTTPRequest) {
      if (Object.keys(fields).length > 0) throw new Error("options can't be used if request is an HTTPRequest object");
    } else {
      request = new HTTPRequest(request, fields);
    }
    const response = await this.#fetchResolved(request);
    if (response.error && (raise_error || !(response.error instanceof HTTPClientError && response.code !== 599))) {
      throw response.error;
    }
    return response;
  }

  /** Stops the client: pools close, later fetches throw. The IOLoop's next `new AsyncHTTPClient()` makes a new one. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#cached && AsyncHTTPClient.#instances.get(this.#loop) === this)
      AsyncHTTPClient.#instances.delete(this.#loop);
    void this.#pools.close();
  }

  async #fetchResolved(original: HTTPRequest): Promise<HTTPResponse> {
    const start = performance.now();
    original.start_time = start;
    let request = resolveRequest(original, this.defaults);
    checkBody(request);
    await this.#acquire(Math.min(request.connect_timeout, request.request_timeout));
    const queued = (performance.now() - start) / 1000;
    try {
      for (;;) {
        const hop = await sendOnce(request, this.#pools.for(request));
        if (!followsRedirect(request, hop.code, hop.headers)) {
          return new HTTPResponse(original, hop.code, {
            reason: hop.reason,
            headers: hop.headers,
            buffer: hop.buffer,
            effective_url: request.url,
            request_time: (performance.now() - start) / 1000,
            time_info: { queue: queued },
            start_time: start,
          });
        }
        request = redirected(request, hop);
      }
    } finally {
      this.#release();
    }
  }

  /** Waits for a free slot under `max_clients`; rejects with `HTTPTimeoutError` after `timeout` seconds. */
  #acquire(timeout: number): Promise<void> {
    if (this.#active < this.max_clients) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const start = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(start), 1);
        reject(new HTTPTimeoutError("Timeout in request queue"));
      }, timeout * 1000);
      this.#waiting.push(start);
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }
}

/** The request to send after a redirect `hop`, as Tornado's simple client builds it. */
function redirected(request: ResolvedRequest, hop: Hop): ResolvedRequest {
  const next = resolveRequest(request, {}) as ResolvedRequest;
  next.url = new URL(hop.headers.get("Location")!, request.url).href;
  next.max_redirects = request.max_redirects - 1;
  next.headers.delete("Host");
  const becomesGet =
    ((hop.code === 301 || hop.code === 302) && request.method === "POST") ||
    (hop.code === 303 && request.method !== "HEAD");
  if (becomesGet) {
    next.method = "GET";
    next.body = null;
    next.body_producer = null;
    for (const name of ["Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding"]) {
      next.headers.delete(name);
    }
  }
  return next;
}
