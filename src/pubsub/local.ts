/**
 * The in-process bus: subscribers in a map of channels, deliveries in one queue. A publish made
 * while a delivery runs (from inside a callback) waits in the queue until that delivery is done,
 * so callbacks never run inside one another and every channel sees its messages in publish order.
 */
import { app_log, exc_info } from "../log";
import type { PubSub, PubSubCallback, PubSubMessage, Unsubscribe } from "./types";

/** One subscription: its callback, and whether it is still on (a delivery in progress checks it). */
interface Subscription {
  readonly callback: PubSubCallback;
  active: boolean;
}

/** A message waiting to be delivered, with its channel. */
interface Delivery {
  readonly channel: string;
  readonly message: unknown;
}

/**
 * Checks that `message` is a string, a Buffer or a JSON-able value (deep checks are left to
 * `JSON.stringify`, which a bus that serialises runs anyway).
 * @throws TypeError for undefined, a function, a symbol or a bigint.
 */
export function check_message(message: unknown): void {
  const type = typeof message;
  if (type === "undefined" || type === "function" || type === "symbol" || type === "bigint") {
    throw new TypeError(`A pub/sub message must be a string, a Buffer or a JSON-able value, not ${type}`);
  }
}

/** Calls one subscriber, logging (not throwing) what it throws or rejects with. */
function callSubscriber(subscription: Subscription, delivery: Delivery): void {
  try {
    const result = subscription.callback(delivery.message, delivery.channel);
    if (result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
      (result as Promise<unknown>).then(undefined, (err: unknown) => logFailure(delivery.channel, err));
    }
  } catch (err) {
    logFailure(delivery.channel, err);
  }
}

function logFailure(channel: string, err: unknown): void {
  app_log.error("Uncaught exception in a pub/sub subscriber of %r", channel, exc_info(err));
}

/**
 * The in-process bus (no dependency): the default of an `Application` without `pubsub_url`.
 * Delivery is synchronous when nothing is being delivered, queued behind the current delivery
 * otherwise; a subscriber that throws is logged and the others still get the message.
 */
export class InProcessPubSub implements PubSub {
  readonly #channels = new Map<string, Set<Subscription>>();
  readonly #queue: Delivery[] = [];
  #delivering = false;
  #count = 0;

  /**
   * @param onChannelChange called with each channel that gains its first subscriber (true) or
   *   loses its last (false): the Redis bus subscribes to Redis there.
   */
  constructor(private readonly onChannelChange: ((channel: string, subscribed: boolean) => void) | null = null) {}

  /** Always 0: nothing leaves the process, so nothing can be lost on the way. */
  get dropped(): number {
    return 0;
  }

  /**
   * Delivers `message` to the subscribers of `channel` in this process.
   * @throws TypeError when `message` is not a string, a Buffer or a JSON-able value.
   */
  publish(channel: string, message: PubSubMessage): void {
    check_message(message);
    this.deliver(channel, message);
  }

  /** Internal (the Redis bus uses it for what arrives from Redis): queues a delivery without checking it. */
  deliver(channel: string, message: unknown): void {
    if (!this.#channels.has(channel)) return;
    this.#queue.push({ channel, message });
    if (!this.#delivering) this.#drain();
  }

  /** Calls `callback` with each message published on `channel` from now on; returns the function that ends it. */
  subscribe(channel: string, callback: PubSubCallback): Unsubscribe {
    if (typeof callback !== "function") throw new TypeError("subscribe() needs a callback function");
    let subscriptions = this.#channels.get(channel);
    const first = subscriptions === undefined;
    if (subscriptions === undefined) this.#channels.set(channel, (subscriptions = new Set()));
    const subscription: Subscription = { callback, active: true };
    subscriptions.add(subscription);
    this.#count++;
    if (first) this.onChannelChange?.(channel, true);
    return () => this.#remove(channel, subscription);
  }

  /** How many subscriptions are open: on `channel`, or on all channels when omitted. */
  subscription_count(channel?: string): number {
    return channel === undefined ? this.#count : (this.#channels.get(channel)?.size ?? 0);
  }

  /** The channels with at least one subscriber, in the order they got their first. */
  channels(): string[] {
    return [...this.#channels.keys()];
  }

  /** Nothing to close in-process: resolves at once; subscriptions stay. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #remove(channel: string, subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const subscriptions = this.#channels.get(channel)!;
    subscriptions.delete(subscription);
    this.#count--;
    if (subscriptions.size > 0) return;
    this.#channels.delete(channel);
    this.onChannelChange?.(channel, false);
  }

  /** Delivers queued messages in order until none is left; callbacks that publish add to the queue. */
  #drain(): void {
    this.#delivering = true;
    try {
      for (let delivery = this.#queue.shift(); delivery !== undefined; delivery = this.#queue.shift()) {
        const subscriptions = this.#channels.get(delivery.channel);
        if (subscriptions === undefined) continue;
        // A snapshot: a subscriber added by a callback starts with the next message.
        for (const subscription of [...subscriptions]) {
          if (subscription.active) callSubscriber(subscription, delivery);
        }
      }
    } finally {
      this.#delivering = false;
    }
  }
}
