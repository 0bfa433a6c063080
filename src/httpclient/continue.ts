/**
 * Requests with `expect_100_continue`, sent with node:http / node:https (undici refuses an
 * `Expect` header): the headers go with `Expect: 100-continue`, and the body only once the
 * server answers `100 Continue`; a final status first is the answer and the body is never sent,
 * as Tornado's simple_httpclient.
 */
import { once } from "node:events";
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { HTTPHeaders } from "../httputil/headers";
import { producedBody } from "./body-producer";
import { tlsOptions } from "./dispatchers";
import { HTTPTimeoutError } from "./response";
import type { BodyWriter, ResolvedRequest } from "./request";

/** An answer's status and headers, with its body still to read (or to discard). */
export interface RawResponse {
  code: number;
  reason: string;
  headers: HTTPHeaders;
  body: NodeJS.ReadableStream & AsyncIterable<Buffer>;
  /** Reads the body to its end, keeping nothing. */
  discard(): Promise<void>;
}

/** What to send: a Buffer, nothing, or a producer's chunks. */
export type OutgoingBody = Buffer | null | ((write: BodyWriter) => Promise<void>);

/** One request on the wire: the URL without credentials, the headers to send, and the body. */
export interface Outgoing {
  request: ResolvedRequest;
  url: URL;
  headers: HTTPHeaders;
  body: OutgoingBody;
  /** Aborts the request (`request_timeout`). */
  signal: AbortSignal;
}

/**
 * Sends `outgoing` with `Expect: 100-continue` over a connection of its
 * own, writing `body` after the server's `100 Continue`. Resolves with the final answer; rejects
 * with `HTTPTimeoutError` when the connection takes over `connect_timeout`, with the error the
 * socket or TLS gives, with what a body producer throws, and with an AbortError on `signal`.
 * Throws Error when `request` goes through a proxy (`proxy_host`), which this path does not do.
 */
export function sendExpectingContinue(outgoing: Outgoing): Promise<RawResponse> {
  const { request, url, body } = outgoing;
  if (request.proxy_host) throw new Error("expect_100_continue is not supported with proxy_host");
  const headers = outgoingHeaders(outgoing.headers, body);
  const { timeout: _idle, ...tls } = tlsOptions(request);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const req = send(url, { method: request.method, headers, agent: false, signal: outgoing.signal, ...tls });
  limitConnect(req, url.protocol === "https:", request.connect_timeout);
  return new Promise<RawResponse>((resolve, reject) => {
    req.on("error", reject);
    req.once("continue", () => writeBody(req, body));
    req.once("response", (res: IncomingMessage) => {
      // The connection is ours alone, and the body may be unsent: it closes with the answer.
      const close = (): void => void req.destroy();
      res.once("end", close);
      res.once("close", close);
      resolve(rawResponse(res));
    });
    req.flushHeaders();
  });
}

function outgoingHeaders(headers: HTTPHeaders, body: OutgoingBody): OutgoingHttpHeaders {
  const outgoing: Record<string, string | string[]> = {};
  for (const [name, value] of headers.get_all()) {
    const previous = outgoing[name];
    outgoing[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  if (Buffer.isBuffer(body)) outgoing["Content-Length"] = String(body.length);
  outgoing["Expect"] = "100-continue";
  return outgoing;
}

/** Destroys `req` with an `HTTPTimeoutError` unless its connection (and TLS handshake) is up within `seconds`. */
function limitConnect(req: ClientRequest, secure: boolean, seconds: number): void {
  req.once("socket", (socket: Socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(() => req.destroy(new HTTPTimeoutError("Timeout while connecting")), seconds * 1000);
    const connected = (): void => clearTimeout(timer);
    socket.once(secure ? "secureConnect" : "connect", connected);
    socket.once("close", connected);
  });
}

/** Writes `body` to `req` and ends it; a producer's failure destroys `req` with that error. */
function writeBody(req: ClientRequest, body: OutgoingBody): void {
  if (typeof body !== "function") {
    req.end(body ?? undefined);
    return;
  }
  void (async () => {
    try {
      for await (const chunk of producedBody(body)) {
        if (!req.write(chunk)) await once(req, "drain");
      }
      req.end();
    } catch (err) {
      req.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
}

function rawResponse(res: IncomingMessage): RawResponse {
  const headers = new HTTPHeaders();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.add(res.rawHeaders[i], res.rawHeaders[i + 1]);
  return {
    code: res.statusCode ?? 0,
    reason: res.statusMessage ?? "",
    headers,
    body: res,
    discard: async () => {
      res.resume();
      if (!res.readableEnded) await once(res, "end");
    },
  };
}
