import { readFileSync } from "node:fs";
import { Agent, ProxyAgent, type Dispatcher } from "undici";
import type { ResolvedRequest } from "./request";

/**
 * The undici dispatchers (connection pools) of one client, one per distinct set of connection
 * settings (connect timeout, certificate checks, client certificate, proxy), made on first use
 * and closed with the client.
 */
export class DispatcherCache {
  readonly #pools = new Map<string, Dispatcher>();

  /** The pool for `request`'s connection settings; throws Error for an unsupported proxy auth mode. */
  for(request: ResolvedRequest): Dispatcher {
    const key = cacheKey(request);
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = makeDispatcher(request);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Closes every pool, abandoning connections in use. Resolves when they are closed. */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
  }
}

function cacheKey(request: ResolvedRequest): string {
  return JSON.stringify([
    request.connect_timeout,
    request.validate_cert,
    pemKey(request.ca_certs),
    pemKey(request.client_key),
    pemKey(request.client_cert),
    request.proxy_host,
    request.proxy_port,
    request.proxy_username,
    request.proxy_password,
  ]);
}

function pemKey(pem: string | Buffer | null): string | null {
  return pem === null ? null : typeof pem === "string" ? pem : `pem:${pem.toString("base64")}`;
}

function makeDispatcher(request: ResolvedRequest): Dispatcher {
  const tls = tlsOptions(request);
  if (request.proxy_host) {
    if (request.proxy_auth_mode != null && request.proxy_auth_mode !== "basic") {
      throw new Error(`unsupported proxy_auth_mode ${request.proxy_auth_mode}`);
    }
    const token =
      request.proxy_username != null
        ? `Basic ${Buffer.from(`${request.proxy_username}:${request.proxy_password ?? ""}`).toString("base64")}`
        : undefined;
    return new ProxyAgent({
      uri: `http://${request.proxy_host}:${request.proxy_port ?? 80}`,
      token,
      requestTls: tls,
      proxyTls: { timeout: tls.timeout },
      // http targets go to the proxy in absolute form (as curl, which Tornado proxies through); https ones tunnel.
      proxyTunnel: false,
    });
  }
  return new Agent({ connect: tls });
}

export function tlsOptions(request: ResolvedRequest): {
  timeout: number;
  rejectUnauthorized: boolean;
  ca?: Buffer;
  key?: Buffer;
  cert?: Buffer;
} {
  return {
    timeout: request.connect_timeout * 1000,
    rejectUnauthorized: request.validate_cert,
    ...(request.ca_certs != null && { ca: pem(request.ca_certs) }),
    ...(request.client_key != null && { key: pem(request.client_key) }),
    ...(request.client_cert != null && { cert: pem(request.client_cert) }),
  };
}

/** A PEM given as a Buffer, or read from the file a string names. */
function pem(source: string | Buffer): Buffer {
  return typeof source === "string" ? readFileSync(source) : source;
}
