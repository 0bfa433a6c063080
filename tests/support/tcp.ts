import { once } from "node:events";
import { connect, type Server, type Socket } from "node:net";
import { iostream, netutil } from "../../src";

/** Two ends of one loopback connection: `server` is an IOStream, `peer` the raw client socket. */
export interface StreamPair {
  stream: iostream.IOStream;
  peer: Socket;
  listener: Server;
  close(): Promise<void>;
}

/** Opens a loopback connection and wraps the accepted end in an `IOStream` with `options`. */
export async function streamPair(options: iostream.IOStreamOptions = {}): Promise<StreamPair> {
  const [listener] = await netutil.bind_sockets(0, "127.0.0.1");
  const { port } = listener.address() as { port: number };
  const accepted = once(listener, "connection") as Promise<[Socket]>;
  const peer = connect(port, "127.0.0.1");
  peer.on("error", () => undefined);
  const [socket] = await accepted;
  const stream = new iostream.IOStream(socket, options);
  return {
    stream,
    peer,
    listener,
    async close() {
      stream.close();
      peer.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}
