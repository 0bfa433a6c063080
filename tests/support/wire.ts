import { connect, type Socket } from "node:net";

/** Opens a raw TCP connection to 127.0.0.1:port. */
export async function openSocket(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** Sends raw bytes and resolves with everything the server sends until it closes the connection. */
export async function exchangeUntilClose(port: number, data: string | Buffer, timeoutMs = 5000): Promise<string> {
  const socket = await openSocket(port);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `server did not close within ${timeoutMs}ms; got ${JSON.stringify(Buffer.concat(chunks).toString("latin1"))}`,
        ),
      );
    }, timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(data);
  });
}

/** Reads from a socket until `predicate` holds for everything received so far. */
export function readUntil(socket: Socket, predicate: (received: string) => boolean, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (predicate(received)) finish(null);
    };
    const onClose = () => finish(new Error(`socket closed; got ${JSON.stringify(received)}`));
    const timer = setTimeout(() => finish(new Error(`timed out; got ${JSON.stringify(received)}`)), timeoutMs);
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve(received);
    };
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

/** Resolves when the socket is closed by the peer (reading and dropping what is left), or rejects after `timeoutMs`. */
export function waitForClose(socket: Socket, timeoutMs = 5000): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  socket.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs}ms`)), timeoutMs);
    socket.on("error", () => undefined);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Splits a raw HTTP response into its status line, header lines and body. */
export function splitResponse(raw: string): { statusLine: string; headerLines: string[]; body: string } {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  const [statusLine, ...headerLines] = head.split("\r\n");
  return { statusLine, headerLines, body: end < 0 ? "" : raw.slice(end + 4) };
}
