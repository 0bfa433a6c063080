/**
 * The graceful drain of an `HTTPServer` (`HTTPServer.shutdown`): what happens to each kind of
 * connection once the server stops accepting.
 *
 * - idle keep-alive connections are closed at once;
 * - a request in flight finishes, its response says `Connection: close` (or, when its headers
 *   already went out, the connection is closed right after it);
 * - a connection part-way through sending a request head is left to finish it: the server
 *   answers that request with `Connection: close`;
 * - an upgraded connection is asked to close itself (`UpgradeConnection.go_away`: a WebSocket
 *   sends 1001, Going Away).
 */
import type * as http from "node:http";
import type { Duplex } from "node:stream";
import { gen_log } from "./log";

/** One connection in Node's private list: its socket, and the response in progress on it, if any. */
type NodeConnection = { socket: (Duplex & { _httpMessage?: NodeResponse | null }) | null };
type NodeResponse = http.ServerResponse & { _last?: boolean };
interface ConnectionsList {
  all(): NodeConnection[];
  idle(): NodeConnection[];
}

/**
 * Node's list of a server's HTTP connections (a private field, found by its symbol's name), or
 * null on a Node that no longer has it. Its `idle()` are the connections not part-way through
 * reading a request: exactly those a drain may close, unless a response is still going out.
 */
function connectionsOf(server: http.Server): ConnectionsList | null {
  const symbol = Object.getOwnPropertySymbols(server).find((s) => s.description === "http.server.connections");
  return symbol === undefined
    ? null
    : ((server as unknown as Record<symbol, ConnectionsList | undefined>)[symbol] ?? null);
}

/** Makes the response close its connection once it is sent: `Connection: close` if its headers have not gone out yet. */
export function close_after_response(res: http.ServerResponse): void {
  res.shouldKeepAlive = false;
  // Node's own flag for "the last response on this connection": once the response is finished
  // the socket is ended, headers already sent with keep-alive or not.
  (res as NodeResponse)._last = true;
}

/**
 * Starts draining the HTTP connections of a server that has stopped accepting: idle ones are
 * closed now, each busy one after its current response. Node's `closeIdleConnections` is not
 * used: it also destroys a connection whose response is finished but still being flushed.
 */
export function drain_http_connections(server: http.Server): void {
  const list = connectionsOf(server);
  if (list === null) {
    server.closeIdleConnections();
    return;
  }
  const idle = new Set(list.idle());
  for (const connection of list.all()) {
    const socket = connection.socket;
    if (socket === null) continue;
    const res = socket._httpMessage;
    if (res) close_after_response(res);
    else if (idle.has(connection)) socket.destroy();
  }
}

/** Asks each upgraded connection to close itself (a WebSocket with 1001), or to have its handler do so once it takes the socket over. */
export function drain_upgraded_sockets(connections: Iterable<{ go_away(): void }>): void {
  for (const connection of connections) connection.go_away();
}

/**
 * Logs what the end of the grace period is about to cut: the requests still in flight (method
 * and URI), how many other HTTP connections and how many upgraded sockets are still open.
 */
export function log_cut(server: http.Server, upgraded: number, grace_period: number): void {
  const list = connectionsOf(server);
  const requests: string[] = [];
  let open = 0;
  for (const connection of list?.all() ?? []) {
    const req = connection.socket?._httpMessage?.req;
    if (req) requests.push(`${req.method} ${req.url}`);
    else open++;
  }
  if (requests.length === 0 && open === 0 && upgraded === 0) return;
  gen_log.warning(
    "Shutdown grace period (%s s) is over: closing %d request(s) in flight [%s], %d other connection(s), %d upgraded (WebSocket) connection(s)",
    grace_period,
    requests.length,
    requests.join(", "),
    open,
    upgraded,
  );
}
