/**
 * How a message travels through Redis: one Buffer, `[kind][origin][payload]`. The kind byte
 * says how to read the payload back (a string, a Buffer, JSON), so a Buffer comes back a Buffer
 * and JSON comes back parsed; the origin (ORIGIN_BYTES random bytes, one per bus) lets a bus skip
 * the copies of its own messages, which it has delivered locally already.
 */
import { randomBytes } from "node:crypto";

/** The length of an origin id, in bytes. */
export const ORIGIN_BYTES = 16;

const KIND_STRING = 0x73; // "s"
const KIND_BUFFER = 0x62; // "b"
const KIND_JSON = 0x6a; // "j"
const HEADER_BYTES = 1 + ORIGIN_BYTES;

/** A new origin id: random, so unique to one bus in one process (two buses in one process differ too). */
export function new_origin(): Buffer {
  return randomBytes(ORIGIN_BYTES);
}

/**
 * Encodes `message` with its kind and `origin`.
 * @throws TypeError when `message` is neither a string, a Buffer nor something `JSON.stringify` turns into text.
 */
export function encode_message(message: unknown, origin: Buffer): Buffer {
  let kind: number;
  let payload: Buffer;
  if (typeof message === "string") {
    kind = KIND_STRING;
    payload = Buffer.from(message, "utf8");
  } else if (Buffer.isBuffer(message)) {
    kind = KIND_BUFFER;
    payload = message;
  } else {
    const text = JSON.stringify(message) as string | undefined;
    if (text === undefined) throw new TypeError(`A pub/sub message must be JSON-able, not ${typeof message}`);
    kind = KIND_JSON;
    payload = Buffer.from(text, "utf8");
  }
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame[0] = kind;
  origin.copy(frame, 1);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** A message read back from Redis: its value and the origin that sent it. */
export interface DecodedMessage {
  readonly origin: Buffer;
  readonly message: unknown;
}

/**
 * Decodes a frame made by `encode_message`.
 * @throws Error for a frame too short or of an unknown kind (one not sent by a tornado-ts bus); SyntaxError for bad JSON.
 */
export function decode_message(frame: Buffer): DecodedMessage {
  if (frame.length < HEADER_BYTES) throw new Error(`pub/sub frame of ${frame.length} bytes is too short`);
  const origin = frame.subarray(1, HEADER_BYTES);
  const payload = frame.subarray(HEADER_BYTES);
  switch (frame[0]) {
    case KIND_STRING:
      return { origin, message: payload.toString("utf8") };
    case KIND_BUFFER:
      return { origin, message: Buffer.from(payload) };
    case KIND_JSON:
      return { origin, message: JSON.parse(payload.toString("utf8")) };
    default:
      throw new Error(`pub/sub frame of unknown kind 0x${frame[0].toString(16)}`);
  }
}
