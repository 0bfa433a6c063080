/**
 * The server side of the upgrade, through `ws` in `noServer` mode: one `ws` server per
 * combination of the options `ws` takes server-wide, and the 101 response's headers.
 */
import type { IncomingMessage } from "node:http";
import type WebSocket from "ws";
import { WebSocketServer, type ServerOptions } from "ws";
import type { UpgradeConnection } from "../httpserver";
import type { HTTPHeaders } from "../httputil/headers";
import { deflateOptions, type CompressionOptions } from "./common";
import { checkSubprotocol } from "./handshake";

/** Seconds a closing handshake may take before the connection is dropped, as Tornado's hard-coded 5. */
export const CLOSE_TIMEOUT_SECONDS = 5;

/** Where a request, a `ws` socket and its TCP stream point back at their handler. */
export const kHandler = Symbol("tornado.websocket.handler");

/** What the upgrade needs from a handler. */
export interface UpgradingHandler {
  readonly request: { readonly headers: HTTPHeaders };
  readonly selected_subprotocol: string | null;
  readonly _headers: HTTPHeaders;
  readonly _new_cookie: Map<string, string> | null;
}

type TaggedRequest = IncomingMessage & { [kHandler]?: UpgradingHandler };

const servers = new Map<string, WebSocketServer>();

/**
 * The shared `ws` server for a message limit (bytes) and compression. `ws` drops a connection
 * whose closing handshake has not completed within the close timeout, and clears that timer
 * when the connection closes in time.
 */
export function serverFor(maxPayload: number, compression: CompressionOptions | null): WebSocketServer {
  const key = `${maxPayload}|${compression === null ? "-" : JSON.stringify(compression)}`;
  let server = servers.get(key);
  if (server === undefined) {
    // `closeTimeout` (milliseconds) is a `ws` option its type definitions do not list yet.
    // `autoPong: false`: the handler answers pings itself, every one as Tornado does, under
    // its write-buffer limit (ws's own answer drops a client 60 unflushed pongs behind, unlogged).
    const options: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      autoPong: false,
      allowSynchronousEvents: false,
      clientTracking: false,
      maxPayload,
      closeTimeout: CLOSE_TIMEOUT_SECONDS * 1000,
      perMessageDeflate: deflateOptions(compression),
      handleProtocols: chooseProtocol,
    };
    server = new WebSocketServer(options);
    server.on("headers", addHandlerHeaders);
    servers.set(key, server);
  }
  return server;
}

function chooseProtocol(offered: Set<string>, req: IncomingMessage): string | false {
  const chosen = (req as TaggedRequest)[kHandler]?.selected_subprotocol ?? null;
  return chosen !== null && offered.has(chosen) ? chosen : false;
}

/**
 * Puts the handler's own headers (Server, Date, set_default_headers, prepare) and the cookies
 * it set before the upgrade (the XSRF cookie among them) on the 101 response, as Tornado does.
 * Not checked again here: `HTTPHeaders` checked each header when it was stored (header-check.ts)
 * and `set_cookie` each cookie when it was formatted.
 */
function addHandlerHeaders(lines: string[], req: IncomingMessage): void {
  const handler = (req as TaggedRequest)[kHandler];
  if (handler === undefined) return;
  for (const [name, value] of handler._headers.get_all()) {
    if (name !== "Content-Type" && name !== "Content-Length") lines.push(`${name}: ${value}`);
  }
  if (handler._new_cookie !== null) {
    for (const cookie of handler._new_cookie.values()) lines.push(`Set-Cookie: ${cookie}`);
  }
}

/**
 * Completes the upgrade with `ws`'s public `handleUpgrade`, calling `attach` at once with the
 * new `ws` socket, before any frame that came with the handshake is read, so its listeners see
 * everything; resolves false when `ws` refused the handshake (it has answered 400 itself). The
 * TCP stream under the `ws` socket stays `connection.socket` (ours: we hand it to `ws`, so no
 * reading of its private `_socket`).
 * @throws Error or HTTPError 400 (`checkSubprotocol`), before the socket is handed over, when the
 * handler chose a subprotocol the 101 cannot name: the handler then answers with its error page.
 */
export function upgrade(
  server: WebSocketServer,
  connection: UpgradeConnection,
  handler: UpgradingHandler,
  attach: (socket: WebSocket) => void,
): Promise<boolean> {
  checkSubprotocol(handler.selected_subprotocol, handler.request.headers.get("Sec-WebSocket-Protocol") ?? "");
  return new Promise((resolve) => {
    // `ws` refuses by closing the socket (after its 400), without calling back.
    const { node_request, head } = connection.hand_over(() => resolve(false));
    const req = node_request as TaggedRequest;
    req[kHandler] = handler;
    server.handleUpgrade(req, connection.socket, head, (socket) => {
      req[kHandler] = undefined;
      attach(socket);
      resolve(true);
    });
  });
}
