/**
 * The command-line flags the examples share, as Tornado's demos take them with
 * `tornado.options`: `--port=N` (default 8888) and `--address=IP` (default: all interfaces).
 */
export interface ExampleArgs {
  port: number;
  address: string | undefined;
}

function flagValue(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** Reads `--port` and `--address` from `args`; throws when the port is not a port number. */
export function exampleArgs(args: string[] = process.argv.slice(2)): ExampleArgs {
  const portText = flagValue(args, "port");
  const port = portText === undefined ? 8888 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${portText}`);
  return { port, address: flagValue(args, "address") };
}
