/**
 * The buses of this process, one per URL: every `Application` with the same `pubsub_url` (and
 * every call of `open_pubsub` with it) shares one bus, hence one subscriber connection per
 * process, however many applications and WebSockets use it.
 */
import { InProcessPubSub } from "./local";
import { RedisPubSub } from "./redis";
import type { PubSub } from "./types";

const buses = new Map<string, PubSub>();
let inProcess: InProcessPubSub | null = null;

/** The process's in-process bus: what an `Application` without `pubsub_url` uses, and what `pubsub.publish` publishes on. */
export function default_pubsub(): InProcessPubSub {
  return (inProcess ??= new InProcessPubSub());
}

/**
 * The process's bus for `url`, made on first use: `redis://` or `rediss://` URLs get a
 * `RedisPubSub`; null, undefined or "" the in-process bus. Closing a Redis bus (`close()`)
 * takes it out of the registry; the next call makes a new one.
 * @throws Error for a URL of another scheme.
 */
export function open_pubsub(url?: string | null): PubSub {
  if (!url) return default_pubsub();
  if (!/^rediss?:\/\//i.test(url)) throw new Error(`pubsub_url must be a redis:// or rediss:// URL, got ${url}`);
  let bus = buses.get(url);
  if (bus === undefined) {
    const redis: RedisPubSub = new RedisPubSub(url, () => {
      if (buses.get(url) === redis) buses.delete(url);
    });
    buses.set(url, (bus = redis));
  }
  return bus;
}

/** Closes every bus `open_pubsub` made (for shutdown, and between tests); resolves once all are closed. */
export async function close_all(): Promise<void> {
  const open = [...buses.values()];
  buses.clear();
  await Promise.all(open.map((bus) => bus.close()));
}
