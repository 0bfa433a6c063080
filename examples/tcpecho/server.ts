/**
 * Tornado's TCP echo demo: a `TCPServer` that sends every line it receives back.
 * Run it with `npx tsx examples/tcpecho/server.ts [--port=9888]`, then send it a line with
 * `npx tsx examples/tcpecho/client.ts --message=hello`.
 */
import { log } from "tornado-ts";
import { StreamClosedError, type IOStream } from "tornado-ts/iostream";
import { define, options, parse_command_line } from "tornado-ts/options";
import { TCPServer, type PeerAddress } from "tornado-ts/tcpserver";

define("port", { default: 9888, help: "TCP port to listen on", type: "int" });
const logger = log.getLogger("tcpecho.server");

class EchoServer extends TCPServer {
  async handle_stream(stream: IOStream, address: PeerAddress): Promise<void> {
    for (;;) {
      try {
        let data = await stream.read_until("\n");
        logger.info("Received bytes: %s", data.toString("utf8").trimEnd());
        if (!data.toString("latin1").endsWith("\n")) data = Buffer.concat([data, Buffer.from("\n")]);
        await stream.write(data);
      } catch (err) {
        if (!(err instanceof StreamClosedError)) throw err;
        logger.warning("Lost client at host %s", address[0]);
        break;
      }
    }
  }
}

async function main(): Promise<void> {
  parse_command_line();
  const server = new EchoServer();
  await server.listen(options.port);
  logger.info("Listening on TCP port %d", options.port);
}

void main();
