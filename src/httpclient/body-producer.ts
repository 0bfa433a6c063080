import type { BodyWriter, HTTPRequestOptions } from "./request";

type Producer = NonNullable<HTTPRequestOptions["body_producer"]>;

/**
 * The chunks a `body_producer` writes, as an async iterable the transport sends. Each `write`
 * resolves once the transport, having sent that chunk, asks for the next one: a producer that
 * awaits its writes never runs ahead of the socket by more than one chunk.
 */
export async function* producedBody(producer: Producer): AsyncGenerator<Buffer> {
  const channel = new ProducerChannel();
  producer(channel.write).then(
    () => channel.finish(null),
    (err: unknown) => channel.finish(err instanceof Error ? err : new Error(String(err))),
  );
  for (;;) {
    const next = channel.chunks.shift();
    if (next !== undefined) {
      yield next.chunk;
      next.taken();
      continue;
    }
    if (channel.done) {
      if (channel.failure) throw channel.failure;
      return;
    }
    await channel.change();
  }
}

interface Pending {
  chunk: Buffer;
  taken: () => void;
}

class ProducerChannel {
  readonly chunks: Pending[] = [];
  done = false;
  failure: Error | null = null;
  #wake: (() => void) | null = null;

  readonly write: BodyWriter = (chunk) =>
    new Promise<void>((taken) => {
      if (this.done) throw new Error("body_producer wrote after it finished");
      const bytes =
        typeof chunk === "string"
          ? Buffer.from(chunk, "utf8")
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.chunks.push({ chunk: bytes, taken });
      this.#notify();
    });

  finish(failure: Error | null): void {
    this.done = true;
    this.failure = failure;
    this.#notify();
  }

  change(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
