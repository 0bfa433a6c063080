import { createServer, type AddressInfo } from "node:net";

/** A port free on 127.0.0.1 now (the OS picks it; closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}
