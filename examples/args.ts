/**
 * The command-line flags the examples share, read as Tornado's demos read them with
 * `tornado.options`: `--name=value`, `-` and `_` alike in names.
 */
import { log } from "tornado-ts";

export interface ExampleArgs {
  /** `--port=N`, default 8888. */
  port: number;
  /** `--address=IP`, default: all interfaces. */
  address: string | undefined;
}

/** The value of `--name=value` (`--name` alone gives ""), or undefined when absent; the last one wins. */
export function flag(name: string, args: string[] = process.argv.slice(2)): string | undefined {
  const wanted = name.replace(/-/g, "_");
  let value: string | undefined;
  for (const arg of args) {
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    const key = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replace(/-/g, "_");
    if (key === wanted) value = eq < 0 ? "" : arg.slice(eq + 1);
  }
  return value;
}

/** True when `--name` is given without a false value (`false`, `0`, `f`). */
export function booleanFlag(name: string, args: string[] = process.argv.slice(2)): boolean {
  const value = flag(name, args);
  return value !== undefined && !["false", "0", "f"].includes(value.toLowerCase());
}

/** Reads `--port` and `--address`; throws when the port is not a port number. */
export function exampleArgs(args: string[] = process.argv.slice(2)): ExampleArgs {
  const portText = flag("port", args);
  const port = portText === undefined ? 8888 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${portText}`);
  return { port, address: flag("address", args) };
}

/**
 * `--cookie_secret`, or `developmentSecret` with a warning: a secret anyone can read in the
 * example's source is fine on your own machine, never on a server.
 */
export function cookieSecret(developmentSecret: string, program: string): string {
  const secret = flag("cookie_secret");
  if (secret) return secret;
  log.app_log.warning(
    `No --cookie_secret given: using the development secret, which anyone can read in ${program}. Do not use it on a server.`,
  );
  return developmentSecret;
}
