import { Writable } from "node:stream";
import { enable_pretty_logging } from "../../src/log";

/** Tests assert on log lines with ExpectLog; nothing is printed unless TORNADO_TEST_LOG is set. */
if (!process.env.TORNADO_TEST_LOG) {
  enable_pretty_logging({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}
