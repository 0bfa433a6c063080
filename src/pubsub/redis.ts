/**
 * The Redis bus: messages reach subscribers in every process (on any machine) connected to the
 * same Redis. Each bus holds two connections, whatever its number of subscribers: one that
 * publishes and one in subscriber mode, subscribed to each channel that has a subscriber here.
 *
 * A publish is delivered to this process's subscribers at once (through an `InProcessPubSub`)
 * and sent to Redis for the others; the copy that comes back from Redis carries this bus's
 * origin id and is skipped. When Redis is unreachable the connections retry with back-off (100
 * ms doubling up to 2 s), the outage is logged once (a `gen_log` warning) and its end once; local
 * delivery goes on, and each message that could not be sent is counted in `dropped`.
 */
import type { Redis, RedisOptions } from "ioredis";
import { gen_log, app_log, exc_info } from "../log";
import { decode_message, encode_message, new_origin } from "./codec";
import { check_message, InProcessPubSub } from "./local";
import type { PubSub, PubSubCallback, PubSubMessage, Unsubscribe } from "./types";

/**
 * The ioredis module, loaded when the first Redis bus is made: it takes hundreds of
 * milliseconds and megabytes to load, which an application without `pubsub_url` never pays.
 */
function ioredis(): typeof import("ioredis") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, not at startup (see above)
  return require("ioredis") as typeof import("ioredis");
}

/** The first retry waits this long, in milliseconds; each next one twice as long, up to `MAX_RETRY_DELAY_MS`. */
const FIRST_RETRY_DELAY_MS = 100;
/** The longest wait between two connection attempts, in milliseconds. */
const MAX_RETRY_DELAY_MS = 2000;

/** The wait before connection attempt number `times` (1-based), in milliseconds: the back-off. */
export function retry_delay(times: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(times - 1, 0), MAX_RETRY_DELAY_MS);
}

/** `url` without its password, for log lines. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable Redis URL)";
  }
}

/** The options both connections share: back-off forever, and a name that shows in `CLIENT LIST`. */
function connectionOptions(role: string): RedisOptions {
  return { retryStrategy: retry_delay, connectionName: `tornado-ts-pubsub-${role}` };
}

/** The outage in progress: when it began and how many messages it kept from Redis. */
interface Outage {
  readonly since: number;
  dropped: number;
}

/** A publish/subscribe bus across processes and machines, through one Redis server. */
export class RedisPubSub implements PubSub {
  /** The `redis://` URL this bus connects to (database number and all; pub/sub ignores the database). */
  readonly url: string;
  readonly #local: InProcessPubSub;
  readonly #origin = new_origin();
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  #outage: Outage | null = null;
  #dropped = 0;
  #outages = 0;
  #closed = false;
  /** The last SUBSCRIBE or UNSUBSCRIBE sent: the subscriber connection answers them in order. */
  #lastCommand: Promise<unknown> = Promise.resolve();

  /**
   * Connects to the Redis server at `url` (`redis://host:port/db`, `rediss://` for TLS); returns
   * at once, the connections come up in the background (publishes made meanwhile wait for them).
   * `onClose` is called when `close()` begins (the registry forgets the bus there).
   * @throws Error when `url` is not a Redis URL ioredis accepts.
   */
  constructor(
    url: string,
    private readonly onClose: (() => void) | null = null,
  ) {
    this.url = url;
    this.#local = new InProcessPubSub((channel, subscribed) => this.#channelChanged(channel, subscribed));
    // A publish waits for the first connection; during an outage it is counted, not queued (see publish).
    const { Redis: Client } = ioredis();
    this.#publisher = new Client(url, { ...connectionOptions("pub"), maxRetriesPerRequest: 1 });
    // (Un)subscribes wait in the offline queue through an outage, however long.
    this.#subscriber = new Client(url, { ...connectionOptions("sub"), maxRetriesPerRequest: null });
    for (const connection of [this.#publisher, this.#subscriber]) {
      connection.on("ready", () => this.#connected());
      connection.on("close", () => this.#disconnected(connection));
      connection.on("error", (err: Error) => this.#failed(connection, err));
    }
    this.#subscriber.on("messageBuffer", (channel: Buffer, frame: Buffer) => this.#received(channel, frame));
  }

  /** How many messages reached this process's subscribers only, because Redis was unreachable when they were published. */
  get dropped(): number {
    return this.#dropped;
  }

  /** How many outages began since this bus was made (a failed first connection counts as one). */
  get outages(): number {
    return this.#outages;
  }

  /** Whether both connections to Redis are up. */
  get connected(): boolean {
    return this.#publisher.status === "ready" && this.#subscriber.status === "ready";
  }

  /**
   * Delivers `message` to this process's subscribers of `channel` now, and publishes it on Redis
   * for the other processes; while Redis is unreachable, counts it in `dropped` instead (and logs
   * the first of each outage).
   * @throws TypeError when `message` is not a string, a Buffer or a JSON-able value.
   */
  publish(channel: string, message: PubSubMessage): void {
    check_message(message);
    const frame = encode_message(message, this.#origin);
    this.#local.deliver(channel, message);
    if (this.#closed) return;
    if (this.#outage !== null && this.#publisher.status !== "ready") {
      this.#drop(channel);
      return;
    }
    this.#publisher.publish(channel, frame).then(undefined, () => this.#drop(channel));
  }

  /** Calls `callback` with each message published on `channel`, here or in another process; returns the function that ends it. */
  subscribe(channel: string, callback: PubSubCallback): Unsubscribe {
    return this.#local.subscribe(channel, callback);
  }

  /** How many subscriptions are open in this process: on `channel`, or on all channels when omitted. */
  subscription_count(channel?: string): number {
    return this.#local.subscription_count(channel);
  }

  /**
   * Resolves once Redis has confirmed every subscription and unsubscription made so far (messages
   * other processes publish from then on arrive here); waits through an outage. Never rejects.
   */
  subscribed(): Promise<void> {
    return this.#lastCommand.then(() => undefined);
  }

  /**
   * Closes both connections (politely with QUIT when up); resolves once they are closed. Afterwards
   * the bus delivers in this process only, and counts nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose?.();
    await Promise.all([this.#publisher, this.#subscriber].map(closeConnection));
  }

  #channelChanged(channel: string, subscribed: boolean): void {
    if (this.#closed) return;
    const command = subscribed ? this.#subscriber.subscribe(channel) : this.#subscriber.unsubscribe(channel);
    this.#lastCommand = command.then(undefined, (err: unknown) =>
      gen_log.warning("Redis %s %r failed", subscribed ? "SUBSCRIBE" : "UNSUBSCRIBE", channel, exc_info(err)),
    );
  }

  /** A message from Redis: delivered here unless this bus sent it (its subscribers had it at once). */
  #received(channel: Buffer, frame: Buffer): void {
    let decoded;
    try {
      decoded = decode_message(frame);
    } catch (err) {
      app_log.warning(
        "Ignoring a pub/sub message on %r that no tornado-ts bus sent",
        channel.toString(),
        exc_info(err),
      );
      return;
    }
    if (decoded.origin.equals(this.#origin)) return;
    this.#local.deliver(channel.toString("utf8"), decoded.message);
  }

  #drop(channel: string): void {
    this.#dropped++;
    const outage = (this.#outage ??= this.#beginOutage("a publish failed"));
    if (outage.dropped++ === 0) {
      gen_log.warning(
        "Published on %r while Redis is unreachable: delivered in this process only (counted in pubsub.dropped)",
        channel,
      );
    }
  }

  #connected(): void {
    const outage = this.#outage;
    if (outage === null || !this.connected) return;
    this.#outage = null;
    gen_log.warning(
      "Redis pub/sub connection to %s is back after %s s; %d message(s) published meanwhile reached this process only",
      redacted(this.url),
      ((Date.now() - outage.since) / 1000).toFixed(1),
      outage.dropped,
    );
  }

  #disconnected(connection: Redis): void {
    if (this.#closed || this.#outage !== null) return;
    this.#outage = this.#beginOutage(connection === this.#publisher ? "publisher closed" : "subscriber closed");
  }

  #failed(connection: Redis, err: Error): void {
    gen_log.debug("Redis pub/sub %s: %s", connection === this.#publisher ? "publisher" : "subscriber", err.message);
    if (!this.#closed && this.#outage === null && connection.status !== "ready") {
      this.#outage = this.#beginOutage(err.message);
    }
  }

  /** Starts an outage and logs it: the one line per outage. */
  #beginOutage(reason: string): Outage {
    this.#outages++;
    gen_log.warning(
      "Lost the Redis pub/sub connection to %s (%s): retrying with back-off; until it is back, messages reach this process only",
      redacted(this.url),
      reason,
    );
    return { since: Date.now(), dropped: 0 };
  }
}

/** Closes one connection: QUIT when it is up, else at once (QUIT would wait for a reconnection); resolves once it has ended. */
async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === "end" || connection.status === "wait") return;
  const ended = new Promise<void>((resolve) => connection.once("end", () => resolve()));
  let quit = false;
  if (connection.status === "ready") {
    try {
      await connection.quit();
      quit = true;
    } catch {
      // The connection went down meanwhile: disconnect below.
    }
  }
  if (!quit) {
    connection.disconnect();
    // Between two attempts there is no socket to close: ioredis only cancels the next attempt, no "end" follows.
    if (connection.status === "reconnecting") return;
  }
  await ended;
}
