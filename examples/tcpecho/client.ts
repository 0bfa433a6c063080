/**
 * The client of Tornado's TCP echo demo: sends `--message` as a line to the echo server and
 * prints its answer. `npx tsx examples/tcpecho/client.ts [--host=localhost] [--port=9888] [--message=ping]`.
 */
import { define, options, parse_command_line } from "tornado-ts/options";
import { TCPClient } from "tornado-ts/tcpclient";

define("host", { default: "localhost", help: "TCP server host" });
define("port", { default: 9888, help: "TCP port to connect to", type: "int" });
define("message", { default: "ping", help: "Message to send" });

async function send_message(): Promise<void> {
  const stream = await new TCPClient().connect(options.host, options.port);
  await stream.write(`${options.message}\n`);
  console.log("Sent to server:", options.message);
  const reply = await stream.read_until("\n");
  console.log("Response from server:", reply.toString("utf8").trim());
  stream.close();
}

parse_command_line();
send_message().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
