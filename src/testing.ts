/**
 * Testing support, as Tornado's `tornado.testing`, in jest's shape: start an application on a
 * free loopback port, fetch from it (non-2xx responses are returned, not thrown), close it.
 *
 * ```ts
 * let server: testing.TestServer;
 * beforeEach(async () => { server = await testing.start_server(makeApp()); });
 * afterEach(() => server.close());
 * test("hello", async () => {
 *   const response = await server.fetch("/");
 *   expect(response.code).toBe(200);
 * });
 * ```
 */
import * as http from "node:http";
import * as https from "node:https";
import { HTTPServer, type HTTPServerOptions, type RequestCallback } from "./httpserver";
import { HTTPHeaders } from "./httputil/headers";
import type { Logger, LogRecord } from "./log";

/** Options of `fetch` (Python's keyword arguments). Times in seconds. */
export interface FetchOptions {
  method?: string;
  headers?: Record<string, string | string[]> | HTTPHeaders;
  body?: string | Buffer | null;
  /** Follow 3xx responses with a `Location` (default true, as Tornado's client). */
  follow_redirects?: boolean;
  /** Most redirects followed (default 5). */
  max_redirects?: number;
  /** Seconds before the request is abandoned with an error (default 20). */
  request_timeout?: number;
  /** Verify the server's TLS certificate (default true). */
  validate_cert?: boolean;
}

/** A response: status code and reason, headers, body bytes (`text` decodes them as UTF-8). */
export class HTTPResponse {
  constructor(
    /** The HTTP status code: 200, 404, ... */
    readonly code: number,
    /** The reason phrase of the status line: "OK", "Not Found", ... */
    readonly reason: string,
    /** The response headers. */
    readonly headers: HTTPHeaders,
    /** The response body, as bytes. */
    readonly body: Buffer,
    /** The URL that gave this response: the last one, when redirects were followed. */
    readonly effective_url: string,
  ) {}

  /** The body decoded as UTF-8. */
  get text(): string {
    return this.body.toString("utf8");
  }

  /** The body parsed as JSON. @throws SyntaxError when it is not JSON. */
  json(): any {
    return JSON.parse(this.text);
  }
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches `url` over HTTP(S) on a fresh connection. Resolves with the response whatever its
 * status; rejects only when no response arrives (refused, reset, timed out).
 */
export async function fetch(url: string, options: FetchOptions = {}): Promise<HTTPResponse> {
  let current = url;
  let method = (options.method ?? "GET").toUpperCase();
  let body = options.body ?? null;
  const follow = options.follow_redirects ?? true;
  for (let redirects = 0; ; redirects++) {
    const response = await fetchOnce(current, method, body, options);
    const location = response.headers.get("Location");
    if (
      !follow ||
      location === undefined ||
      !REDIRECT_CODES.has(response.code) ||
      redirects >= (options.max_redirects ?? 5)
    ) {
      return response;
    }
    current = new URL(location, current).toString();
    if (response.code === 303 || ((response.code === 301 || response.code === 302) && method === "POST")) {
      method = "GET";
      body = null;
    }
  }
}

function fetchOnce(
  url: string,
  method: string,
  body: string | Buffer | null,
  options: FetchOptions,
): Promise<HTTPResponse> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const headers =
    options.headers instanceof HTTPHeaders ? Object.fromEntries(options.headers) : (options.headers ?? {});
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      { method, headers, agent: false, rejectUnauthorized: options.validate_cert ?? true },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          resolve(
            new HTTPResponse(
              res.statusCode ?? 0,
              res.statusMessage ?? "",
              HTTPHeaders.from_raw(res.rawHeaders),
              Buffer.concat(chunks),
              url,
            ),
          );
        });
      },
    );
    request.setTimeout((options.request_timeout ?? 20) * 1000, () =>
      request.destroy(new Error(`Timeout fetching ${url}`)),
    );
    request.on("error", reject);
    request.end(body ?? undefined);
  });
}

/** A server started for a test on a free loopback port. */
export class TestServer {
  // Taken at start: after `shutdown()` the server's `close` event has already fired. Not
  // `events.once`, which rejects on `error`: this promise may never be awaited.
  readonly #closed: Promise<void>;

  constructor(
    /** The server, listening on 127.0.0.1; `close()` stops it. */
    readonly http_server: HTTPServer,
  ) {
    this.#closed = new Promise((resolve) => http_server.server.once("close", () => resolve()));
  }

  /** The port it listens on. */
  get port(): number {
    return this.http_server.port!;
  }

  /** `http://127.0.0.1:<port><path>` (https when the server has `ssl_options`). */
  get_url(path: string): string {
    const scheme = this.http_server.server instanceof https.Server ? "https" : "http";
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  /** Fetches `path` from this server (see `fetch`). */
  fetch(path: string, options?: FetchOptions): Promise<HTTPResponse> {
    return fetch(this.get_url(path), options);
  }

  /**
   * Stops the server and closes its connections; resolves once it is closed, also when
   * `shutdown()` closed it first.
   */
  async close(): Promise<void> {
    this.http_server.stop();
    await this.http_server.close_all_connections();
    await this.#closed;
  }
}

/** Starts `app` (an Application or request callback) on 127.0.0.1 at a free port. */
export async function start_server(app: RequestCallback, options: HTTPServerOptions = {}): Promise<TestServer> {
  const server = new HTTPServer(app, options);
  await server.listen(0, "127.0.0.1").ready();
  return new TestServer(server);
}

/**
 * Tornado's `AsyncHTTPTestCase`: override `get_app()`, call `setUp()` in `beforeEach` and
 * `tearDown()` in `afterEach`, then `fetch(path)` in tests.
 */
export abstract class AsyncHTTPTestCase {
  #server: TestServer | null = null;

  /** The application under test. */
  abstract get_app(): RequestCallback;

  /** Options for the test's `HTTPServer`. */
  get_httpserver_options(): HTTPServerOptions {
    return {};
  }

  /** Starts the application on a free port. */
  async setUp(): Promise<void> {
    this.#server = await start_server(this.get_app(), this.get_httpserver_options());
  }

  /** Stops the server. */
  async tearDown(): Promise<void> {
    await this.#server?.close();
    this.#server = null;
  }

  /** The running test server. @throws Error before `setUp()`. */
  get server(): TestServer {
    if (this.#server === null) throw new Error("AsyncHTTPTestCase.setUp() has not run");
    return this.#server;
  }

  /** The port of this test's server. */
  get_http_port(): number {
    return this.server.port;
  }

  /** The absolute URL of `path` on this test's server. */
  get_url(path: string): string {
    return this.server.get_url(path);
  }

  /** Fetches `path` from this test's server; non-2xx responses are returned, not thrown. */
  fetch(path: string, options?: FetchOptions): Promise<HTTPResponse> {
    return this.server.fetch(path, options);
  }
}

/** Options of `ExpectLog`. */
export interface ExpectLogOptions {
  /** Fail in `finish()` when nothing matched (default true). */
  required?: boolean;
  /**
   * Only records at this level count. When the logger's threshold is above it, the logger's
   * level is lowered to it until `finish()`, as in Tornado, so that the record is made at all.
   */
  level?: number;
}

/**
 * Expects (and silences) log records matching `regex` on `logger`, as Tornado's `ExpectLog`.
 * Call `finish()` at the end, or use `ExpectLog.around(...)`.
 */
export class ExpectLog {
  /** How many records matched. */
  matched = 0;
  readonly #logger: Logger;
  readonly #filter: (record: LogRecord) => boolean;
  readonly #required: boolean;
  readonly #regex: RegExp;
  readonly #originalLevel: number | null = null;

  /** Starts watching `logger` for records whose message matches `regex`; see `ExpectLogOptions`. */
  constructor(logger: Logger, regex: RegExp | string, options: ExpectLogOptions = {}) {
    this.#logger = logger;
    if (options.level !== undefined && options.level < logger.getEffectiveLevel()) {
      this.#originalLevel = logger.level;
      logger.setLevel(options.level);
    }
    this.#regex = typeof regex === "string" ? new RegExp(regex) : regex;
    this.#required = options.required ?? true;
    this.#filter = (record) => {
      if ((options.level === undefined || record.levelno === options.level) && this.#regex.test(record.message)) {
        this.matched++;
        return false;
      }
      return true;
    };
    logger.addFilter(this.#filter);
  }

  /**
   * Stops watching the logger.
   * @throws Error when a match was required and none came.
   */
  finish(): void {
    this.#logger.removeFilter(this.#filter);
    if (this.#originalLevel !== null) this.#logger.setLevel(this.#originalLevel);
    if (this.#required && this.matched === 0) {
      throw new Error(`did not get expected log message matching ${this.#regex} on ${this.#logger.name}`);
    }
  }

  /** Runs `fn` while expecting a matching record; resolves with its result. */
  static async around<T>(
    logger: Logger,
    regex: RegExp | string,
    fn: () => T | Promise<T>,
    options?: ExpectLogOptions,
  ): Promise<T> {
    const expectation = new ExpectLog(logger, regex, options);
    try {
      return await fn();
    } finally {
      expectation.finish();
    }
  }
}
