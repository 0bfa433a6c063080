/**
 * Tornado's `tornado.tcpclient`: `new TCPClient().connect(host, port)` resolves to an
 * `IOStream` (an `SSLIOStream` with `ssl_options`). The host is resolved with the client's
 * `Resolver`; when it has both IPv4 and IPv6 addresses, Node's own "happy eyeballs"
 * (`autoSelectFamily`) tries them as Tornado's `_Connector` does.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { with_timeout, type Timeout } from "./gen";
import { IOLoop } from "./ioloop";
import { IOStream, SSLIOStream } from "./iostream";
import { StreamClosedError } from "./iostream-errors";
import { Resolver, type AddressFamily } from "./netutil";

/** Options of `TCPClient.connect`. */
export interface ConnectOptions {
  /** Only addresses of this family (0, the default, takes both). */
  af?: AddressFamily;
  /** Connect with TLS, with these `node:tls` options (`ca`, `rejectUnauthorized`, ...). */
  ssl_options?: ConnectionOptions | null;
  /** The stream's `max_buffer_size` (default 100 MiB). */
  max_buffer_size?: number;
  /** The local address to connect from. */
  source_ip?: string;
  /** The local port to connect from. */
  source_port?: number;
  /** Seconds to give up after (a number, relative as in Tornado's `connect`), or a `TimeDelta`. */
  timeout?: number | { seconds: number } | null;
}

function deadlineOf(timeout: number | { seconds: number }): Timeout {
  const seconds = typeof timeout === "number" ? timeout : timeout.seconds;
  return IOLoop.current().time() + seconds;
}

function openSocket(host: string, ip: string, port: number, options: ConnectOptions): Promise<Socket> {
  const base = { host: ip, port, localAddress: options.source_ip, localPort: options.source_port };
  return new Promise((resolve, reject) => {
    const tls = options.ssl_options;
    const socket =
      tls != null
        ? tlsConnect({ servername: host, ...tls, ...base })
        : netConnect({ ...base, autoSelectFamily: false });
    const ready = tls != null ? "secureConnect" : "connect";
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once("error", onError);
    socket.once(ready, () => {
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

async function connectFirst(host: string, port: number, options: ConnectOptions, resolver: Resolver): Promise<Socket> {
  const addresses = await resolver.resolve(host, port, options.af ?? 0);
  let lastError: unknown = new Error(`no address for ${host}`);
  for (const [, [ip]] of addresses) {
    try {
      return await openSocket(host, ip, port, options);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Opens TCP connections; see the module comment. */
export class TCPClient {
  /** Looks host names up for `connect`. */
  readonly resolver: Resolver;

  /** @param resolver how host names are looked up (default: a new `Resolver`). */
  constructor(resolver: Resolver | null = null) {
    this.resolver = resolver ?? new Resolver();
  }

  /**
   * Connects to `host`:`port` (trying each address it resolves to, in order) and resolves to a
   * stream on the connection; with `ssl_options`, once the TLS handshake is done.
   * @throws gen.TimeoutError (rejects) when `timeout` passes first.
   * @throws Error (rejects) when no address accepts (`ECONNREFUSED`, a failed handshake, ...).
   */
  async connect(host: string, port: number, options: ConnectOptions = {}): Promise<IOStream> {
    const attempt = connectFirst(host, port, options, this.resolver);
    let socket: Socket;
    if (options.timeout != null) {
      let timedOut = false;
      attempt.then(
        (late) => (timedOut ? late.destroy() : undefined),
        () => undefined,
      );
      try {
        socket = await with_timeout(deadlineOf(options.timeout), attempt);
      } catch (err) {
        timedOut = true;
        throw err;
      }
    } else {
      socket = await attempt;
    }
    const streamOptions = { max_buffer_size: options.max_buffer_size };
    if (socket.destroyed) throw new StreamClosedError();
    return options.ssl_options != null
      ? new SSLIOStream(socket as never, streamOptions)
      : new IOStream(socket, streamOptions);
  }

  /** Releases the resolver. Never throws. */
  close(): void {
    this.resolver.close();
  }
}
