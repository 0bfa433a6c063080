/**
 * tornado.iostream over real loopback sockets: the substance of Tornado's iostream_test
 * (delimited, regex, counted, partial and until-close reads; pending reads failing on close;
 * bounded reads; back-pressure) and a linear-time delimiter search.
 */
import { once } from "node:events";
import { Socket } from "node:net";
import { httputil, iostream } from "../src";
import { expectLinear } from "./support/linearity";
import { streamPair, type StreamPair } from "./support/tcp";

let pair: StreamPair;
afterEach(async () => pair?.close());

test("read_until, read_until_regex, read_bytes and read_into take what they ask for", async () => {
  pair = await streamPair();
  pair.peer.write("GET / HTTP/1.0\r\nhead: x\r\n\r\nabcdefghij0123456789tail");
  expect((await pair.stream.read_until("\r\n")).toString()).toBe("GET / HTTP/1.0\r\n");
  expect((await pair.stream.read_until_regex(/\r\n\r\n/)).toString()).toBe("head: x\r\n\r\n");
  expect((await pair.stream.read_bytes(5)).toString()).toBe("abcde");
  const target = Buffer.alloc(5);
  expect(await pair.stream.read_into(target)).toBe(5);
  expect(target.toString()).toBe("fghij");
  expect((await pair.stream.read_bytes(0)).length).toBe(0);
  pair.peer.end();
  expect((await pair.stream.read_until_close()).toString()).toBe("0123456789tail");
});

test("a read waits for bytes that come later, in pieces", async () => {
  pair = await streamPair();
  const line = pair.stream.read_until("\r\n");
  expect(pair.stream.reading()).toBe(true);
  pair.peer.write("abc\r");
  pair.peer.write("\ndef");
  expect((await line).toString()).toBe("abc\r\n");
  expect(pair.stream.reading()).toBe(false);
  const counted = pair.stream.read_bytes(6);
  pair.peer.write("ghi");
  expect((await counted).toString()).toBe("defghi");
});

test("partial reads resolve with what is there, at most what was asked", async () => {
  pair = await streamPair();
  pair.peer.write("hello");
  expect((await pair.stream.read_bytes(100, true)).toString()).toBe("hello");
  pair.peer.write("0123456789");
  expect((await pair.stream.read_bytes(4, true)).toString()).toBe("0123");
  const target = Buffer.alloc(100);
  const n = await pair.stream.read_into(target, true);
  expect(target.subarray(0, n).toString()).toBe("456789");
});

test("a second read while one is pending throws 'Already reading'", async () => {
  pair = await streamPair();
  const first = pair.stream.read_bytes(1);
  expect(() => pair.stream.read_bytes(1)).toThrow("Already reading");
  pair.peer.write("x");
  expect((await first).toString()).toBe("x");
});

test("pending reads fail with StreamClosedError when the peer closes; read_until_close gets the rest", async () => {
  pair = await streamPair();
  const pending = pair.stream.read_until("\n");
  const closed = new Promise<void>((resolve) => pair.stream.set_close_callback(resolve));
  pair.peer.end("no newline");
  await expect(pending).rejects.toBeInstanceOf(iostream.StreamClosedError);
  expect(pair.stream.closed()).toBe(true); // the end of input closes the stream, as in Tornado
  expect((await pair.stream.read_until_close()).toString()).toBe("no newline");
  await closed;
  expect(pair.stream.closed()).toBe(true);
  await expect(pair.stream.write("x")).rejects.toBeInstanceOf(iostream.StreamClosedError);
  await expect(pair.stream.read_bytes(1)).rejects.toBeInstanceOf(iostream.StreamClosedError);
});

test("close() on our side fails the pending read, with real_error when given one", async () => {
  pair = await streamPair();
  const pending = pair.stream.read_bytes(10);
  const cause = new Error("gave up");
  pair.stream.close(cause);
  const err = await pending.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(iostream.StreamClosedError);
  expect((err as iostream.StreamClosedError).real_error).toBe(cause);
  expect(pair.stream.error).toBe(cause);
});

test("StreamClosedError is one class in iostream and httputil", () => {
  expect(iostream.StreamClosedError).toBe(httputil.StreamClosedError);
});

test("write resolves once flushed and the peer gets the bytes in order", async () => {
  pair = await streamPair();
  let received = "";
  pair.peer.on("data", (chunk: Buffer) => (received += chunk.toString()));
  await pair.stream.write("one ");
  await pair.stream.write(Buffer.from("two"));
  pair.stream.set_nodelay(true);
  await Promise.all([pair.stream.write(" three"), pair.stream.write(" four")]);
  pair.stream.socket.end();
  await once(pair.peer, "end");
  expect(received).toBe("one two three four");
});

describe("bounded reads", () => {
  test("read_until with max_bytes fails with UnsatisfiableReadError and closes the stream", async () => {
    pair = await streamPair();
    pair.peer.write("0123456789abcdef");
    await expect(pair.stream.read_until("\n", 8)).rejects.toBeInstanceOf(iostream.UnsatisfiableReadError);
    expect(pair.stream.closed()).toBe(true);
  });

  test("a delimiter found past max_bytes is unsatisfiable too; within it, it is read", async () => {
    pair = await streamPair();
    pair.peer.write("abcd\nabcdefghij\n");
    expect((await pair.stream.read_until("\n", 5)).toString()).toBe("abcd\n");
    await expect(pair.stream.read_until_regex(/\n/, 5)).rejects.toBeInstanceOf(iostream.UnsatisfiableReadError);
  });

  test("a delimiter that never comes stops at max_buffer_size, memory bounded", async () => {
    const max = 1 << 20;
    pair = await streamPair({ max_buffer_size: max });
    let received = 0;
    pair.stream.socket.on("data", (chunk: Buffer) => (received += chunk.length));
    const line = pair.stream.read_until("\n");
    const peerClosed = new Promise((resolve) => pair.peer.once("close", resolve));
    pair.peer.write(Buffer.alloc(10 * max, "a"));
    const err = await line.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(iostream.UnsatisfiableReadError);
    await peerClosed; // the stream closed the connection rather than read on
    // Node hands over at most 64 KiB per chunk: the stream stopped within one chunk of its limit.
    expect(received).toBeLessThan(max + 65536);
    expect(received).toBeGreaterThanOrEqual(max);
  });

  test("with no read pending, the socket is paused when the buffer is full, and resumed by reads", async () => {
    const max = 1 << 20;
    pair = await streamPair({ max_buffer_size: max });
    const total = 10 * max;
    const paused = once(pair.stream.socket, "pause");
    let flushed = false;
    pair.peer.write(Buffer.alloc(total, "b"), () => (flushed = true));
    await paused;
    expect(pair.stream.read_buffer_size).toBeGreaterThanOrEqual(max);
    expect(pair.stream.read_buffer_size).toBeLessThan(max + 65536);
    expect(flushed).toBe(false);
    let read = 0;
    while (read < total) read += (await pair.stream.read_bytes(256 * 1024, true)).length;
    expect(read).toBe(total);
  });

  test("read_bytes past max_buffer_size closes the stream with StreamBufferFullError", async () => {
    pair = await streamPair({ max_buffer_size: 65536 });
    const pending = pair.stream.read_bytes(1 << 20);
    pair.peer.write(Buffer.alloc(1 << 20));
    const err = (await pending.catch((e: unknown) => e)) as iostream.StreamClosedError;
    expect(err).toBeInstanceOf(iostream.StreamClosedError);
    expect(err.real_error).toBeInstanceOf(iostream.StreamBufferFullError);
  });
});

test("the delimiter search is linear: a 10 MB stream fed in 1 KiB chunks is searched once", () => {
  const chunk = 1024;
  const build = (size: number): Buffer[] => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < size / chunk; i++) chunks.push(Buffer.alloc(chunk, "\r\n\r"));
    chunks.push(Buffer.from("\r\n\r\n"));
    return chunks;
  };
  const feed = (chunks: Buffer[]): void => {
    const stream = new iostream.IOStream(new Socket());
    void stream.read_until("\r\n\r\n");
    for (const piece of chunks) stream._received(piece);
    if (stream.reading()) throw new Error("delimiter not found");
  };
  expectLinear(build, feed, { small: 640 * 1024, large: 10 * 1024 * 1024, rounds: 2 });
});
