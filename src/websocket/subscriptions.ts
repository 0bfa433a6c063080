/**
 * The subscriptions a WebSocket connection holds through `WebSocketHandler.subscribe`: kept
 * beside the handler (in a WeakMap, so an idle connection that subscribes to nothing pays no
 * field for it) and ended together when the connection closes, so a handler cannot leak them.
 */
import { app_log, exc_info } from "../log";
import type { PubSub, PubSubCallback, Unsubscribe } from "../pubsub/types";
import { WebSocketClosedError } from "./errors";

/** What this module needs of a `WebSocketHandler`: whether the upgrade happened. */
export interface Connection {
  readonly _upgraded: boolean;
}

/** The open subscriptions of one connection, or `CLOSED` once it has closed (later ones are refused). */
const subscriptionsOf = new WeakMap<Connection, Set<Unsubscribe> | typeof CLOSED>();
const CLOSED = Symbol("closed");

function doNothing(): void {}

/**
 * A write to a connection that closes under it is no error of the subscriber's: a message
 * published while the connection is closing (or its output drains) is simply not sent.
 */
function ignoreClosed(err: unknown): void {
  if (!(err instanceof WebSocketClosedError))
    app_log.error("Uncaught exception in a WebSocket subscriber", exc_info(err));
}

/** Calls `callback`, swallowing `WebSocketClosedError` thrown now or by the promise it returns. */
function deliver(callback: PubSubCallback, message: unknown, channel: string): unknown {
  try {
    const result = callback(message, channel);
    if (result !== null && typeof result === "object" && typeof (result as Promise<unknown>).then === "function") {
      (result as Promise<unknown>).then(undefined, ignoreClosed);
    }
  } catch (err) {
    ignoreClosed(err);
  }
  return undefined;
}

/**
 * Subscribes `callback` to `channel` of `bus` on behalf of `connection`, until `releaseAll` for
 * it; returns the function that ends it sooner. After the connection closed it subscribes
 * nothing and returns a function that does nothing.
 * @throws Error before the upgrade (in `prepare`, say): a connection that never opens would never release it.
 */
export function subscribeFor(
  connection: Connection,
  bus: PubSub,
  channel: string,
  callback: PubSubCallback,
): Unsubscribe {
  let held = subscriptionsOf.get(connection);
  if (held === CLOSED) return doNothing;
  if (!connection._upgraded) throw new Error("subscribe() needs an open WebSocket connection: call it from open() on");
  if (held === undefined) subscriptionsOf.set(connection, (held = new Set()));
  const subscriptions = held;
  const stop = bus.subscribe(channel, (message: unknown, name: string) => deliver(callback, message, name));
  const unsubscribe = (): void => {
    subscriptions.delete(unsubscribe);
    stop();
  };
  subscriptions.add(unsubscribe);
  return unsubscribe;
}

/** Ends every subscription of `connection`, and refuses new ones: it has closed. */
export function releaseAll(connection: Connection): void {
  const held = subscriptionsOf.get(connection);
  subscriptionsOf.set(connection, CLOSED);
  if (held === undefined || held === CLOSED) return;
  for (const unsubscribe of [...held]) unsubscribe();
}
