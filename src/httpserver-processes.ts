/**
 * `HTTPServer.bind` and `HTTPServer.start`: Tornado's `TCPServer` way of serving from several
 * processes, on `node:cluster` (see process.ts).
 *
 * Unlike Tornado, the listening socket is not made by `bind` before forking, to be inherited by
 * the children: Node cannot fork. Each worker calls `listen` itself, and `node:cluster` makes
 * the socket in the primary and shares it: by default (round-robin, every platform but
 * Windows) the primary accepts each connection and hands it to the next worker; with
 * `cluster.schedulingPolicy = cluster.SCHED_NONE` the workers accept on the shared handle
 * themselves. Either way the workers serve one port without `SO_REUSEPORT`.
 */
import type { ListenOptions } from "node:net";
import { fork_processes } from "./process";

/** Options of `HTTPServer.bind` and `HTTPServer.listen`, as Tornado's `bind_sockets`. */
export interface BindOptions {
  /** Most pending connections the kernel queues (`listen(2)`'s backlog); Tornado's default is 128, Node's 511. */
  backlog?: number;
  /**
   * Sets `SO_REUSEPORT`, so that several unrelated processes can listen on the same port.
   * Node has it (`reusePort`) from 22.12 and 23.1 on, on Linux and a few BSDs; on an older
   * Node, asking for it throws. With `start(n)` it is not needed: cluster shares the socket.
   */
  reuse_port?: boolean;
}

/** What `bind` recorded for `start` to listen on. */
export interface PendingBind {
  port: number;
  address: string | undefined;
  options: BindOptions;
  /** Set by `start`, which may be called once. */
  started: boolean;
}

/** Whether this Node's `net.Server.listen` takes `reusePort` (22.12 and later, or 23.1 and later). */
export function node_has_reuse_port(version: string = process.versions.node): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * The options for Node's `server.listen` that bind `port` at `address` (every interface when
 * omitted) with `options`.
 * @throws Error when `reuse_port` is asked for on a Node that lacks it (Node 20 does).
 */
export function listen_options(port: number, address: string | undefined, options: BindOptions): ListenOptions {
  const listen: ListenOptions & { reusePort?: boolean } = { port, host: address, backlog: options.backlog };
  if (options.reuse_port === true) {
    if (!node_has_reuse_port()) {
      throw new Error(
        `reuse_port needs Node 22.12 or later (net.Server.listen's reusePort); this is Node ${process.versions.node}. ` +
          "Several processes can share a port without it: HTTPServer.start(n) on node:cluster",
      );
    }
    listen.reusePort = true;
  }
  return listen;
}

/**
 * Records what `bind` asked for, checking it now as Tornado's `bind` would fail now.
 * @throws Error on a second `bind` (a Node server listens on one address: make another
 * `HTTPServer`), or `reuse_port` on a Node that lacks it.
 */
export function record_bind(
  pending: PendingBind | null,
  port: number,
  address: string | undefined,
  options: BindOptions,
): PendingBind {
  if (pending !== null) {
    throw new Error("HTTPServer.bind() was already called: a server listens on one address, make another HTTPServer");
  }
  listen_options(port, address, options);
  return { port, address, options, started: false };
}

/**
 * `start(num_processes, max_restarts)`: with 1, listens on `pending` in this process; with
 * anything else, forks (see `fork_processes`), and each worker listens while the primary does
 * not. Returns whether this process listens.
 * @throws Error when `bind` was not called, or `start` was already.
 */
export function start_bound(
  pending: PendingBind | null,
  num_processes: number | null,
  max_restarts: number | null | undefined,
  listen: (bind: PendingBind) => void,
): boolean {
  if (pending === null) throw new Error("HTTPServer.start() called before bind()");
  if (pending.started) throw new Error("HTTPServer.start() was already called");
  pending.started = true;
  if (num_processes !== 1 && fork_processes(num_processes, max_restarts) === null) return false;
  listen(pending);
  return true;
}
