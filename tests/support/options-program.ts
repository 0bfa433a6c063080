/**
 * A program that reads its flags as a Tornado program does, for tests/options.test.ts:
 * `--port` (and `--address`), `--greeting`, the global logging options; it serves one page.
 */
import { web } from "../../src";
import { define, options, parse_command_line } from "../../src/options";

define("port", { default: 8888, type: "int", help: "run on the given port" });
define("address", { default: "127.0.0.1", help: "listen on this address" });
define("greeting", { default: "hello", help: "what / answers", group: "application" });

const rest = parse_command_line();

class MainHandler extends web.RequestHandler {
  get() {
    this.write({ greeting: options.greeting, rest });
  }
}

new web.Application([["/", MainHandler]]).listen(options.port, options.address);
