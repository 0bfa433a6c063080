/**
 * The types the pub/sub modules share: what a message may be, what a subscriber is, and what a
 * bus offers. They live here, in a module that imports none of the others.
 */

/** A value JSON can carry: what `publish` accepts besides strings and Buffers. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/**
 * A message: a string, a Buffer, or a JSON-able value (object, array, number, boolean, null).
 * Subscribers get a string back as a string, a Buffer as a Buffer and anything else as the
 * parsed JSON (in-process: the very value published; treat it as read-only).
 */
export type PubSubMessage = string | Buffer | JSONValue;

/** Called with each message published on the channel it subscribed to, and the channel's name. */
export type PubSubCallback = (message: any, channel: string) => unknown;

/** Calling it ends the subscription it came from; calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * A publish/subscribe bus: `InProcessPubSub` within one process, `RedisPubSub` across
 * processes and machines. An `Application` has one as `app.pubsub`, chosen by its
 * `pubsub_url` setting.
 */
export interface PubSub {
  /**
   * Sends `message` to every subscriber of `channel`, in publish order per channel. Never
   * re-entrant: published from inside a callback, it is delivered after the current delivery.
   * @throws TypeError when `message` is not a string, a Buffer or a JSON-able value.
   */
  publish(channel: string, message: PubSubMessage): void;
  /** Calls `callback` with each message published on `channel` from now on; returns the function that ends it. */
  subscribe(channel: string, callback: PubSubCallback): Unsubscribe;
  /** How many subscriptions are open in this process: on `channel`, or on all channels when omitted. */
  subscription_count(channel?: string): number;
  /** How many messages reached local subscribers only, because the bus to other processes was down (0 in-process). */
  readonly dropped: number;
  /** Ends the connections to other processes (if any); resolves once they are closed. Local delivery goes on. */
  close(): Promise<void>;
}
