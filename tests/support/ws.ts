import WebSocket from "ws";

/** A plain `ws` client that records what it receives, for tests. */
export class RecordingClient {
  readonly messages: Array<{ data: string | Buffer; binary: boolean }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer, binary: boolean) => {
      this.messages.push({ data: binary ? data : data.toString("utf8"), binary });
      this.#waiters.splice(0).forEach((wake) => wake());
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    socket.on("error", () => undefined);
  }

  /** Resolves with the n-th message (1-based) once it has arrived; rejects after `timeoutMs`. */
  async nth(n: number, timeoutMs = 5000): Promise<string | Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`only ${this.messages.length} of ${n} messages arrived`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages[n - 1].data;
  }

  /** Waits for the close and returns its code and reason; rejects after `timeoutMs`. */
  async closeInfo(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error("not closed in time")), timeoutMs)),
    );
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Opens a `ws` client and waits for the handshake; resolves with a recorder. */
export function connect(
  url: string,
  protocols?: string[],
  options: WebSocket.ClientOptions = {},
): Promise<RecordingClient> {
  const socket = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
  const client = new RecordingClient(socket);
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(client));
    socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once("error", reject);
  });
}

/** Has `promise` settled within a turn of the event loop? */
export async function settles(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

/**
 * Writes 1 MiB messages (at most 64) through `handler` until one is left waiting for a client
 * that does not read; returns it wrapped, so that awaiting this does not await it.
 */
export async function floodUntilPending(handler: {
  write_message(m: Buffer, binary: boolean): Promise<void>;
}): Promise<{ pending: Promise<void> }> {
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < 64; i++) {
    const sent = handler.write_message(big, true);
    if (!(await settles(sent))) return { pending: sent };
  }
  throw new Error("64 MiB went out to a client that reads nothing");
}
