/**
 * A program that reads its flags as a Tornado program does, for tests/options.test.ts:
 * `--port` (and `--address`), `--greeting`, `--config`, the global logging options; it serves one page.
 */
import { web } from "../../src";
import { define, options, parse_command_line, parse_config_file } from "../../src/options";

define("port", { default: 8888, type: "int", help: "run on the given port" });
define("address", { default: "127.0.0.1", help: "listen on this address" });
define("greeting", { default: "hello", help: "what / answers", group: "application" });
// Tornado's pattern for a config file named on the command line: later flags override it.
define("config", { help: "path to a config file", callback: (path: string) => parse_config_file(path, false) });

const rest = parse_command_line();

class MainHandler extends web.RequestHandler {
  get() {
    this.write({ greeting: options.greeting, rest });
  }
}

new web.Application([["/", MainHandler]]).listen(options.port, options.address);
