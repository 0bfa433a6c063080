import type { PerMessageDeflateOptions } from "ws";
import { json_encode } from "../escape";
import { isPlainObject } from "../util";

/** What `write_message` sends: text, bytes, or a plain object sent as JSON text. */
export type WebSocketMessage = string | Buffer | Uint8Array | object;

/** permessage-deflate settings, as Tornado's `compression_options`. */
export interface CompressionOptions {
  /** zlib compression level, 0-9. */
  compression_level?: number;
  /** zlib memory level, 1-9. */
  mem_level?: number;
}

/** Largest message accepted by default, in bytes (10 MiB), on both sides. */
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

/** What `ws` sends for a message: a plain object becomes JSON text. @throws TypeError for other types. */
export function encodeMessage(message: WebSocketMessage): string | Uint8Array {
  if (typeof message === "string" || message instanceof Uint8Array) return message;
  if (isPlainObject(message)) return json_encode(message);
  throw new TypeError("write_message() accepts a string, bytes or a plain object");
}

/** `ws`'s permessage-deflate option for Tornado's compression options: off for null; every message compressed otherwise. */
export function deflateOptions(compression: CompressionOptions | null | undefined): PerMessageDeflateOptions | false {
  if (compression === null || compression === undefined) return false;
  const zlib: { level?: number; memLevel?: number } = {};
  if (compression.compression_level !== undefined) zlib.level = compression.compression_level;
  if (compression.mem_level !== undefined) zlib.memLevel = compression.mem_level;
  return { threshold: 0, zlibDeflateOptions: zlib };
}

/**
 * Most output buffered for one connection by default, in bytes (16 MiB): above the largest
 * message accepted by default (10 MiB), so echoing one never trips it, and small enough that
 * a few hundred clients that stop reading cannot exhaust the heap.
 */
export const DEFAULT_MAX_WRITE_BUFFER_SIZE = 16 * 1024 * 1024;
