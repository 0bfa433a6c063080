import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import { request as undiciRequest, type Dispatcher } from "undici";
import { HTTPHeaders } from "../httputil/headers";
import { version } from "../version";
import { producedBody } from "./body-producer";
import { sendExpectingContinue, type Outgoing, type RawResponse } from "./continue";
import { digestAuthorization, digestChallenge, type DigestChallenge } from "./digest";
import { HTTPClientError, HTTPStreamClosedError, HTTPTimeoutError } from "./response";
import type { ResolvedRequest } from "./request";

/** One response, before redirects are considered. */
export interface Hop {
  code: number;
  reason: string;
  headers: HTTPHeaders;
  /** The body, or an empty Buffer when it was streamed to `streaming_callback` or skipped for a redirect. */
  buffer: Buffer;
}

/** Marks an error thrown by the caller's own callback, to be rethrown as it is. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** undici's and Node's codes for a connection that closed (or was closed by `close()`) mid-request. */
const STREAM_CLOSED = new Set(["UND_ERR_SOCKET", "UND_ERR_DESTROYED", "UND_ERR_CLOSED", "ECONNRESET", "EPIPE"]);

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** True when `code` answers with a redirect `request` will follow. */
export function followsRedirect(request: ResolvedRequest, code: number, headers: HTTPHeaders): boolean {
  return request.follow_redirects && request.max_redirects > 0 && REDIRECT_CODES.has(code) && headers.has("Location");
}

/**
 * Sends `request` once through `dispatcher` and reads the answer (Tornado's `_HTTPConnection`);
 * with `auth_mode: "digest"`, a 401 offering a Digest challenge is answered once more with its
 * `Authorization` (a second 401 is the answer). Rejects with `HTTPTimeoutError` (599) past
 * `connect_timeout` or `request_timeout`, with an `HTTPClientError(599)` or
 * `HTTPStreamClosedError` when the connection fails, and with what a `streaming_callback` or
 * `header_callback` throws, unchanged.
 */
export async function sendOnce(request: ResolvedRequest, dispatcher: Dispatcher): Promise<Hop> {
  const url = new URL(request.url);
  const headers = requestHeaders(request, url);
  const digest = request.auth_mode === "digest" ? credentials(request, url) : null;
  url.username = url.password = "";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), request.request_timeout * 1000);
  try {
    const send: Attempt = { request, dispatcher, url, signal: abort.signal, headers, challengeable: false };
    if (digest === null) return (await attempt(send)) as Hop;
    const first = await attempt({ ...send, headers: firstDigestHeaders(request, headers), challengeable: true });
    if (!("nonce" in first)) return first;
    const target = url.pathname + url.search;
    headers.set("Authorization", digestAuthorization(first, { ...digest, method: request.method, uri: target }));
    return (await attempt(send)) as Hop;
  } catch (err) {
    throw translate(err, abort.signal.aborted);
  } finally {
    clearTimeout(timer);
  }
}

/** One request on the wire; `challengeable` when a Digest challenge is to be answered by sending it again. */
interface Attempt {
  request: ResolvedRequest;
  dispatcher: Dispatcher;
  url: URL;
  signal: AbortSignal;
  headers: HTTPHeaders;
  challengeable: boolean;
}

/**
 * Sends one attempt and reads its answer; a `challengeable` attempt answered with a 401 that
 * offers a usable Digest challenge resolves with that challenge instead (its body skipped, no
 * callback called).
 */
async function attempt(send: Attempt): Promise<Hop | DigestChallenge> {
  const { request } = send;
  const outgoing: Outgoing = {
    request,
    url: send.url,
    headers: send.headers,
    // A body_producer runs once: a first digest attempt goes without it, as curl's (Content-Length: 0).
    body: request.body_producer ? (send.challengeable ? Buffer.alloc(0) : request.body_producer) : request.body,
    signal: send.signal,
  };
  const res = request.expect_100_continue
    ? await sendExpectingContinue(outgoing)
    : await sendWithUndici(outgoing, send.dispatcher);
  if (send.challengeable && res.code === 401) {
    const challenge = digestChallenge(res.headers);
    if (challenge !== null) {
      await res.discard();
      return challenge;
    }
  }
  return readResponse(request, res);
}

/** Sends `outgoing` through `dispatcher` (an undici pool); resolves once its status and headers came. */
async function sendWithUndici(outgoing: Outgoing, dispatcher: Dispatcher): Promise<RawResponse> {
  const { request, body } = outgoing;
  const res = await undiciRequest(outgoing.url, {
    dispatcher,
    method: request.method,
    headers: outgoing.headers._flat(),
    // undici takes an async iterable body (Dispatcher.md, `body`); its types list only Readable.
    body: typeof body === "function" ? (producedBody(body) as unknown as Readable) : body,
    signal: outgoing.signal,
  });
  return {
    code: res.statusCode,
    reason: res.statusText,
    headers: responseHeaders(res.headers),
    body: res.body,
    discard: () => res.body.dump().then(() => undefined),
  };
}

/** The user name and password for authentication: `auth_username`'s, else the URL's; null when neither. */
function credentials(request: ResolvedRequest, url: URL): { username: string; password: string } | null {
  if (request.auth_username !== null) return { username: request.auth_username, password: request.auth_password ?? "" };
  if (!url.username) return null;
  return { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** The headers of a first digest attempt: a body_producer's body is not sent yet. */
function firstDigestHeaders(request: ResolvedRequest, headers: HTTPHeaders): HTTPHeaders {
  if (!request.body_producer) return headers;
  const first = headers.copy();
  first.delete("Transfer-Encoding");
  first.set("Content-Length", "0");
  return first;
}

function requestHeaders(request: ResolvedRequest, url: URL): HTTPHeaders {
  const headers = request.headers.copy();
  // As Tornado's simple_httpclient: a POST without a Content-Type is a form.
  if (request.method === "POST" && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/x-www-form-urlencoded");
  }
  if (request.decompress_response) headers.set("Accept-Encoding", "gzip");
  if (request.user_agent) headers.set("User-Agent", request.user_agent);
  else if (!headers.has("User-Agent")) headers.set("User-Agent", `Tornado/${version}`);
  const login = credentials(request, url);
  if (login !== null) {
    if (request.auth_mode === "digest") return headers;
    if (request.auth_mode != null && request.auth_mode !== "basic") {
      throw new Error(`unsupported auth_mode ${request.auth_mode}`);
    }
    headers.set("Authorization", `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`);
  }
  return headers;
}

async function readResponse(request: ResolvedRequest, res: RawResponse): Promise<Hop> {
  const { code, reason, headers } = res;
  if (followsRedirect(request, code, headers)) {
    await res.discard();
    return { code, reason, headers, buffer: Buffer.alloc(0) };
  }
  callHeaderCallback(request, code, reason, headers);
  const source = decoded(request, res.body, headers);
  const chunks: Buffer[] = [];
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (request.streaming_callback) await callStreamingCallback(request, chunk);
    else chunks.push(chunk);
  }
  return { code, reason, headers, buffer: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) };
}

function responseHeaders(raw: Dispatcher.ResponseData["headers"]): HTTPHeaders {
  const headers = new HTTPHeaders();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.add(name, item);
  }
  return headers;
}

/** The body, gunzipped when asked for and gzip came; Content-Encoding then moves to X-Consumed-Content-Encoding, as Tornado. */
function decoded(request: ResolvedRequest, body: RawResponse["body"], headers: HTTPHeaders): RawResponse["body"] {
  if (!request.decompress_response || headers.get("Content-Encoding")?.toLowerCase() !== "gzip") return body;
  headers.add("X-Consumed-Content-Encoding", headers.get("Content-Encoding")!);
  headers.delete("Content-Encoding");
  const gunzip = createGunzip();
  body.on("error", (err) => gunzip.destroy(err));
  return body.pipe(gunzip);
}

function callHeaderCallback(request: ResolvedRequest, code: number, reason: string, headers: HTTPHeaders): void {
  const callback = request.header_callback;
  if (!callback) return;
  try {
    callback(`HTTP/1.1 ${code} ${reason}\r\n`);
    for (const [name, value] of headers) callback(`${name}: ${value}\r\n`);
    callback("\r\n");
  } catch (err) {
    throw new CallbackFailure(err);
  }
}

async function callStreamingCallback(request: ResolvedRequest, chunk: Buffer): Promise<void> {
  try {
    await request.streaming_callback!(chunk);
  } catch (err) {
    throw new CallbackFailure(err);
  }
}

function translate(err: unknown, timedOut: boolean): unknown {
  if (err instanceof CallbackFailure) return err.error;
  if (err instanceof HTTPClientError) return err;
  if (timedOut) return new HTTPTimeoutError("Timeout during request", { cause: err });
  const code = (err as { code?: string } | null)?.code;
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new HTTPTimeoutError("Timeout while connecting", { cause: err });
  if (code !== undefined && STREAM_CLOSED.has(code)) return new HTTPStreamClosedError("Stream closed", { cause: err });
  // A system error (ECONNREFUSED, EHOSTUNREACH...) or a TLS one (a certificate that fails the
  // checks); told by its code: `instanceof Error` fails across realms.
  if (code !== undefined && (/^E[A-Z]+$/.test(code) || /CERT|SSL|TLS/.test(code))) {
    return new HTTPClientError(599, String((err as { message?: unknown }).message), null, { cause: err });
  }
  return err;
}
