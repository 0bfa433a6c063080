/**
 * Publish/subscribe for WebSocket handlers and anything else (a tornado-ts addition: Python
 * Tornado has none). `publish(channel, message)` sends a string, a Buffer or a JSON-able value
 * to every `subscribe(channel, callback)`, in publish order per channel; `subscribe` returns the
 * function that ends the subscription.
 *
 * An `Application` has its bus as `app.pubsub` (`this.application.pubsub` in a handler), chosen
 * by its `pubsub_url` setting: none for the in-process bus, `redis://127.0.0.1:6379/0` for one
 * through Redis that reaches every process and machine using that Redis. `WebSocketHandler`'s
 * `this.subscribe(channel, callback)` subscribes for the connection's lifetime.
 *
 * ```ts
 * const stop = app.pubsub.subscribe("news", (message) => console.log(message));
 * app.pubsub.publish("news", { title: "Hello" });
 * stop();
 * ```
 *
 * The module-level `publish` and `subscribe` use the process's in-process bus, `default_pubsub()`:
 * the one applications without `pubsub_url` share.
 */
import { default_pubsub } from "./registry";
import type { PubSubCallback, PubSubMessage, Unsubscribe } from "./types";

export type { PubSub, PubSubCallback, PubSubMessage, JSONValue, Unsubscribe } from "./types";
export { InProcessPubSub } from "./local";
export { RedisPubSub, retry_delay } from "./redis";
export { default_pubsub, open_pubsub, close_all } from "./registry";

/**
 * Publishes `message` on `channel` of the process's in-process bus (`default_pubsub()`).
 * @throws TypeError when `message` is not a string, a Buffer or a JSON-able value.
 */
export function publish(channel: string, message: PubSubMessage): void {
  default_pubsub().publish(channel, message);
}

/** Subscribes `callback` to `channel` of the process's in-process bus (`default_pubsub()`); returns the function that ends it. */
export function subscribe(channel: string, callback: PubSubCallback): Unsubscribe {
  return default_pubsub().subscribe(channel, callback);
}
