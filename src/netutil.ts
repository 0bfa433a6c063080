/**
 * Tornado's `tornado.netutil`: `bind_sockets` opens listening sockets for a `TCPServer` (or an
 * `HTTPServer`), `Resolver` looks host names up through the system resolver (`dns.lookup`),
 * `is_valid_ip` tells an IP address from a host name.
 *
 * Node's listening socket is a `net.Server`, so `bind_sockets` resolves to `net.Server`s that
 * are already listening; `TCPServer.add_sockets` takes them.
 */
import { lookup } from "node:dns/promises";
import { createServer, isIP, type Server } from "node:net";

/** Tornado's default listen backlog. */
export const DEFAULT_BACKLOG = 128;

/** Address families as `Resolver.resolve` and `bind_sockets` take them: 0 is either, 4 IPv4, 6 IPv6. */
export type AddressFamily = 0 | 4 | 6;

/** Options of `bind_sockets`. */
export interface BindOptions {
  /** Only addresses of this family (0, the default, takes both). */
  family?: AddressFamily;
  /** The listen backlog (default 128). */
  backlog?: number;
  /** Lets several processes listen on the same port (`SO_REUSEPORT`; Node 22.12 and later). */
  reuse_port?: boolean;
}

function supportsReusePort(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

function listenOn(port: number, host: string | undefined, options: BindOptions): Promise<Server> {
  const server = createServer({ pauseOnConnect: false });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const listenOptions = { port, host, backlog: options.backlog ?? DEFAULT_BACKLOG, reusePort: options.reuse_port };
    if (host !== undefined && isIP(host) === 6) Object.assign(listenOptions, { ipv6Only: true });
    server.listen(listenOptions, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

const NO_IPV6 = new Set(["EAFNOSUPPORT", "EADDRNOTAVAIL", "EPROTONOSUPPORT"]);

/** The wildcard addresses of `family`: IPv4's and IPv6's for 0, each socket one family only. */
function wildcards(family: AddressFamily): Array<{ address: string }> {
  if (family === 4) return [{ address: "0.0.0.0" }];
  if (family === 6) return [{ address: "::" }];
  return [{ address: "0.0.0.0" }, { address: "::" }];
}

/**
 * Opens listening sockets on `port` at every address `address` resolves to (all interfaces,
 * one IPv4 and one IPv6-only socket, when `address` is null or empty, as Tornado). With port 0, the first socket picks a free port and the
 * others take the same one.
 * @throws Error (rejects) when a port cannot be bound (`EADDRINUSE`, `EACCES`), or
 *   `reuse_port` is asked for on a Node without it.
 */
export async function bind_sockets(
  port: number,
  address: string | null = null,
  options: BindOptions = {},
): Promise<Server[]> {
  if (options.reuse_port && !supportsReusePort()) {
    throw new Error("reuse_port needs SO_REUSEPORT, which Node supports from 22.12 on");
  }
  const found = address
    ? await lookup(address, { all: true, family: options.family ?? 0 })
    : wildcards(options.family ?? 0);
  const servers: Server[] = [];
  try {
    for (const { address: ip } of found) {
      const server = await listenOn(port, ip, options).catch((err: NodeJS.ErrnoException) => {
        // A machine without IPv6 still serves IPv4 on the wildcard address, as Tornado does.
        if (!address && ip === "::" && servers.length > 0 && NO_IPV6.has(err.code ?? "")) return null;
        throw err;
      });
      if (server === null) continue;
      servers.push(server);
      if (port === 0) port = (server.address() as { port: number }).port;
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw err;
  }
  return servers;
}

/** True when `ip` is an IPv4 or IPv6 address (not a host name, not empty). */
export function is_valid_ip(ip: string): boolean {
  if (!ip || ip.includes("\x00")) return false;
  return isIP(ip) !== 0;
}

/** One answer of `Resolver.resolve`: the family and the `[address, port]` to connect to. */
export type ResolvedAddress = [family: 4 | 6, address: [host: string, port: number]];

/** Looks host names up (Tornado's `Resolver`, here the `DefaultLoopResolver` over `dns.lookup`). */
export class Resolver {
  /**
   * Resolves `host` to its addresses, each with `port`; `family` 4 or 6 keeps only that family.
   * @throws Error (rejects) when the name does not resolve (`ENOTFOUND`).
   */
  async resolve(host: string, port: number, family: AddressFamily = 0): Promise<ResolvedAddress[]> {
    const found = await lookup(host, { all: true, family });
    return found.map(({ address, family: af }): ResolvedAddress => [af === 6 ? 6 : 4, [address, port]]);
  }

  /** Releases what the resolver holds (nothing, for this one). Never throws. */
  close(): void {}
}
