import { web, testing } from "../src";
import { HTTPServerRequest } from "../src/httputil/request";
import { serve } from "./support/serve";
import {
  CRITICAL,
  DEBUG,
  ERROR,
  INFO,
  LogFormatter,
  Logger,
  type LogRecord,
  WARNING,
  access_log,
  app_log,
  enable_pretty_logging,
  exc_info,
  gen_log,
  getLogger,
  percent_format,
} from "../src/log";
import { memoryStream } from "./support/memory-stream";

/** A logger outside the registry with a handler collecting its records. */
function collecting(name = "test", parent: Logger | null = null): { logger: Logger; records: LogRecord[] } {
  const logger = new Logger(name, parent);
  logger.setLevel(DEBUG);
  const records: LogRecord[] = [];
  logger.addHandler((record) => records.push(record));
  return { logger, records };
}

/** Runs `fn` on a fresh copy of the log module (its import-time defaults) with stderr captured; returns what was written. */
function withFreshLog(fn: (fresh: typeof import("../src/log")) => void): string {
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    jest.isolateModules(() => {
      // A fresh copy of the module, which only require() can load inside isolateModules.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      fn(require("../src/log") as typeof import("../src/log"));
    });
    return stderr.mock.calls.map((call) => String(call[0])).join("");
  } finally {
    stderr.mockRestore();
  }
}

function record(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    name: "tornado.access",
    levelno: INFO,
    levelname: "INFO",
    message: "hello",
    created: new Date(2025, 10, 26, 18, 34, 21).getTime(),
    ...overrides,
  };
}

describe("levels", () => {
  test("level constants have Python's values", () => {
    expect([DEBUG, INFO, WARNING, ERROR, CRITICAL]).toEqual([10, 20, 30, 40, 50]);
  });

  test("setLevel accepts numbers and upper- or lower-case names", () => {
    const logger = new Logger("x");
    logger.setLevel("warning");
    expect(logger.level).toBe(WARNING);
    logger.setLevel("ERROR");
    expect(logger.level).toBe(ERROR);
    logger.setLevel(15);
    expect(logger.level).toBe(15);
  });

  test("setLevel rejects an unknown level name", () => {
    expect(() => new Logger("x").setLevel("loud" as "info")).toThrow("Unknown level: 'loud'");
  });

  test("a logger without a level inherits its parent's", () => {
    const parent = new Logger("p");
    parent.setLevel(ERROR);
    const child = new Logger("p.c", parent);
    expect(child.getEffectiveLevel()).toBe(ERROR);
    expect(child.isEnabledFor(WARNING)).toBe(false);
    expect(child.isEnabledFor(ERROR)).toBe(true);
    child.setLevel(DEBUG);
    expect(child.isEnabledFor(DEBUG)).toBe(true);
  });

  test("records below the effective level reach no handler", () => {
    const { logger, records } = collecting();
    logger.setLevel(WARNING);
    logger.debug("d");
    logger.info("i");
    logger.warning("w");
    logger.error("e");
    logger.critical("c");
    expect(records.map((r) => [r.levelno, r.levelname, r.message])).toEqual([
      [WARNING, "WARNING", "w"],
      [ERROR, "ERROR", "e"],
      [CRITICAL, "CRITICAL", "c"],
    ]);
  });

  test("an unnamed level is shown as 'Level N'", () => {
    const { logger, records } = collecting();
    logger.log(25, "between");
    expect(records[0].levelname).toBe("Level 25");
  });
});

describe("hierarchy", () => {
  test("getLogger builds the dotted hierarchy up to the root and caches loggers", () => {
    const access = getLogger("tornado.access");
    expect(access).toBe(access_log);
    expect(access.parent).toBe(getLogger("tornado"));
    expect(getLogger("tornado").parent).toBe(getLogger());
    expect(getLogger("")).toBe(getLogger());
    expect(getLogger().parent).toBeNull();
  });

  test("Tornado's three loggers have Tornado's names", () => {
    expect([access_log.name, app_log.name, gen_log.name]).toEqual([
      "tornado.access",
      "tornado.application",
      "tornado.general",
    ]);
  });

  test("the root logger starts at WARNING with no handler, as Python's does", () => {
    withFreshLog((fresh) => {
      expect(fresh.getLogger().level).toBe(WARNING);
      expect(fresh.getLogger().handlers).toHaveLength(0);
      expect(fresh.access_log.getEffectiveLevel()).toBe(WARNING);
      expect(fresh.access_log.hasHandlers()).toBe(false);
      expect([fresh.access_log.wouldLog(INFO), fresh.access_log.wouldLog(WARNING)]).toEqual([false, true]);
    });
  });

  test("after enable_pretty_logging the root is at INFO, so Tornado's loggers log INFO but not DEBUG", () => {
    withFreshLog((fresh) => {
      fresh.enable_pretty_logging({ stream: memoryStream().stream });
      expect(fresh.getLogger().level).toBe(INFO);
      expect(getLogger("tornado.fresh.child").getEffectiveLevel()).toBe(INFO);
      expect([fresh.gen_log.wouldLog(DEBUG), fresh.gen_log.wouldLog(INFO)]).toEqual([false, true]);
    });
  });

  test("wouldLog: a handler up the tree, or a filter of the logger itself, lets INFO through", () => {
    const parent = new Logger("parent");
    const child = new Logger("parent.child", parent);
    expect([child.hasHandlers(), child.wouldLog(INFO)]).toEqual([false, false]);
    parent.addHandler(() => {});
    expect([child.hasHandlers(), child.wouldLog(INFO)]).toEqual([true, true]);
    child.propagate = false;
    expect([child.hasHandlers(), child.wouldLog(INFO)]).toEqual([false, false]);
    const seen: string[] = [];
    child.addFilter((r) => seen.push(r.message) > 0);
    child.info("for the filter %d", 1);
    expect([child.wouldLog(INFO), seen]).toEqual([true, ["for the filter 1"]]);
    child.setLevel(ERROR);
    expect(child.wouldLog(WARNING)).toBe(false);
  });

  test("records propagate to the handlers of every ancestor", () => {
    const top = collecting("top");
    const middle = collecting("top.mid", top.logger);
    const leaf = new Logger("top.mid.leaf", middle.logger);
    leaf.info("from the leaf");
    expect(middle.records.map((r) => r.message)).toEqual(["from the leaf"]);
    expect(top.records.map((r) => r.name)).toEqual(["top.mid.leaf"]);
  });

  test("propagate = false stops records after the logger's own handlers", () => {
    const top = collecting("top");
    const middle = collecting("top.mid", top.logger);
    middle.logger.propagate = false;
    new Logger("top.mid.leaf", middle.logger).info("kept below");
    expect(middle.records).toHaveLength(1);
    expect(top.records).toHaveLength(0);
  });

  test("removeHandler stops a handler receiving records", () => {
    const { logger, records } = collecting();
    const extra: LogRecord[] = [];
    const handler = (r: LogRecord): void => {
      extra.push(r);
    };
    logger.addHandler(handler);
    logger.info("one");
    logger.removeHandler(handler);
    logger.info("two");
    expect(extra.map((r) => r.message)).toEqual(["one"]);
    expect(records).toHaveLength(2);
  });
});

describe("%-formatting", () => {
  test("%s, %d, %i, %r, %.Nf and %% format like Python", () => {
    expect(percent_format("%s|%d|%i|%r|%.2f|100%%", ["a", 3.9, -2.5, "q", 1.999])).toBe('a|3|-2|"q"|2.00|100%');
    expect(percent_format("%f", [1.5])).toBe("1.500000");
  });

  test("the access-line format renders as Tornado's", () => {
    expect(percent_format("%d %s %.2fms", [404, "GET /nope?x=1 (127.0.0.1)", 0.4012])).toBe(
      "404 GET /nope?x=1 (127.0.0.1) 0.40ms",
    );
  });

  test("%f rounds an exact tie to even, as Python does", () => {
    expect(percent_format("%.2f %.2f %.1f %.0f", [0.125, 0.375, -0.25, 2.5])).toBe("0.12 0.38 -0.2 2");
  });

  test("width and flags pad like Python", () => {
    expect(percent_format("[%5s][%-5s][%03d][%05.1f]", ["ab", "ab", -7, 2.5])).toBe("[   ab][ab   ][-07][002.5]");
  });

  test("a message logged without arguments is used as is, percent signs included", () => {
    const { logger, records } = collecting();
    logger.info("100% done %s");
    expect(records[0].message).toBe("100% done %s");
  });

  test("a logged message gets its arguments formatted in", () => {
    const { logger, records } = collecting();
    logger.warning("%d %s", 404, "GET /");
    expect(records[0].message).toBe("404 GET /");
  });

  test("a missing argument leaves its conversion as written instead of throwing", () => {
    expect(percent_format("%s and %s", ["one"])).toBe("one and %s");
  });

  test("a value String() cannot convert falls back to util.inspect", () => {
    expect(percent_format("%s", [Object.create(null)])).toBe("[Object: null prototype] {}");
  });

  test("the message is not formatted when no handler would receive it", () => {
    const toString = jest.fn(() => "x");
    const { logger } = collecting();
    logger.setLevel(ERROR);
    logger.info("%s", { toString });
    const lonely = new Logger("lonely");
    for (const method of ["debug", "info"] as const) lonely[method]("%s", { toString });
    lonely.log(INFO, "%s", { toString });
    expect(toString).not.toHaveBeenCalled();
    logger.error("%s", { toString });
    expect(toString).toHaveBeenCalledTimes(1);
  });

  test("with no handler anywhere, a warning is still formatted: the last resort writes it", () => {
    const toString = jest.fn(() => "x");
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      new Logger("lonely").log(WARNING, "got %s %d", { toString }, 3);
      expect(stderr.mock.calls.map((call) => String(call[0]))).toEqual(["got x 3\n"]);
    } finally {
      stderr.mockRestore();
    }
    expect(toString).toHaveBeenCalledTimes(1);
  });
});

describe("exc_info", () => {
  test("a trailing exc_info() becomes record.exc_info, not a format argument", () => {
    const { logger, records } = collecting();
    const err = new Error("boom");
    logger.error("failed %s", "here", exc_info(err));
    expect(records[0].message).toBe("failed here");
    expect(records[0].exc_info).toBe(err);
  });

  test("exc_info() as the only argument leaves the message unformatted", () => {
    const { logger, records } = collecting();
    logger.exception("50% failed", exc_info("plain"));
    expect(records[0]).toMatchObject({ message: "50% failed", levelno: ERROR, exc_info: "plain" });
  });
});

describe("filters", () => {
  test("a filter returning false drops the record; removing it lets records through", () => {
    const { logger, records } = collecting();
    const noSecrets = (r: LogRecord): boolean => !r.message.includes("secret");
    logger.addFilter(noSecrets);
    logger.info("a secret");
    logger.info("public");
    logger.removeFilter(noSecrets);
    logger.info("another secret");
    expect(records.map((r) => r.message)).toEqual(["public", "another secret"]);
  });

  test("a filter sees only records logged on its own logger, as in Python", () => {
    const top = collecting("top");
    top.logger.addFilter(() => false);
    new Logger("top.child", top.logger).info("from child");
    top.logger.info("from top");
    expect(top.records.map((r) => r.message)).toEqual(["from child"]);
  });
});

describe("failing handlers", () => {
  test("a throwing handler neither stops the other handlers nor throws from the logging call", () => {
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const { logger, records } = collecting();
      logger.addHandler(() => {
        throw new Error("handler broke");
      });
      const after: LogRecord[] = [];
      logger.addHandler((r) => after.push(r));
      expect(() => logger.info("still logged")).not.toThrow();
      expect(records).toHaveLength(1);
      expect(after).toHaveLength(1);
      expect(String(stderr.mock.calls[0][0])).toMatch(/^--- Logging error ---\n.*handler broke/);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe("LogFormatter", () => {
  test("formats Tornado's prefix: level initial, yymmdd HH:MM:SS local date, logger name", () => {
    const line = new LogFormatter({ color: false }).format(record({ message: "200 GET / (127.0.0.1) 0.52ms" }));
    expect(line).toBe("[I 251126 18:34:21 tornado.access] 200 GET / (127.0.0.1) 0.52ms");
  });

  test("datefmt changes the date", () => {
    const line = new LogFormatter({ color: false, datefmt: "%Y-%m-%d %H:%M:%S%%" }).format(record());
    expect(line).toBe("[I 2025-11-26 18:34:21% tornado.access] hello");
  });

  test("an Error in exc_info is followed by its stack, every further line indented 4 spaces", () => {
    const err = new Error("kaput");
    const text = new LogFormatter({ color: false }).format(
      record({ levelno: ERROR, levelname: "ERROR", message: "Exception in callback f  ", exc_info: err }),
    );
    const lines = text.split("\n");
    expect(lines[0]).toBe("[E 251126 18:34:21 tornado.access] Exception in callback f");
    expect(lines[1]).toBe("    Error: kaput");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(1)) expect(line.startsWith("    ")).toBe(true);
    expect(text).toContain(err.stack!.split("\n")[1]);
  });

  test("a multi-line message has its continuation lines indented too", () => {
    const text = new LogFormatter({ color: false }).format(record({ message: "first\nsecond" }));
    expect(text.split("\n")[1]).toBe("    second");
  });

  test("color wraps the prefix in the level's ANSI color only when enabled", () => {
    const colored = new LogFormatter({ color: true });
    expect(colored.format(record({ levelno: WARNING, levelname: "WARNING" }))).toBe(
      "\x1b[33m[W 251126 18:34:21 tornado.access]\x1b[0m hello",
    );
    expect(colored.format(record({ levelno: ERROR, levelname: "ERROR" }))).toMatch(/^\x1b\[31m\[E /);
    expect(new LogFormatter({ color: false }).format(record())).not.toContain("\x1b");
  });
});

describe("enable_pretty_logging", () => {
  test("sends formatted lines of the logger to the stream and sets its level", () => {
    const { stream, text } = memoryStream();
    const logger = new Logger("pretty");
    enable_pretty_logging({ logger, stream, level: "debug" });
    logger.debug("value %d", 7);
    expect(logger.level).toBe(DEBUG);
    expect(text()).toMatch(/^\[D \d{6} \d{2}:\d{2}:\d{2} pretty\] value 7\n$/);
  });

  test("calling it again replaces its handler instead of adding a second one", () => {
    const first = memoryStream();
    const second = memoryStream();
    const logger = new Logger("pretty");
    enable_pretty_logging({ logger, stream: first.stream });
    enable_pretty_logging({ logger, stream: second.stream });
    logger.info("once");
    expect(logger.handlers).toHaveLength(1);
    expect(first.text()).toBe("");
    expect(second.text().match(/once/g)).toHaveLength(1);
  });

  test('level "none" leaves the logger untouched', () => {
    const logger = new Logger("pretty");
    enable_pretty_logging({ logger, level: "none" });
    expect(logger.handlers).toHaveLength(0);
    expect(logger.level).toBe(0);
  });

  test("before it is called, INFO goes nowhere and warnings and errors reach stderr bare", () => {
    const written = withFreshLog((fresh) => {
      fresh.access_log.info("%d %s %.2fms", 200, "GET / (127.0.0.1)", 0.52);
      fresh.access_log.warning("%d %s %.2fms", 404, "GET /x (127.0.0.1)", 0.31);
      const err = new Error("boom");
      err.stack = "Error: boom\n    at here";
      fresh.app_log.error("Uncaught exception %s", "GET /y", fresh.exc_info(err));
    });
    expect(written).toBe("404 GET /x (127.0.0.1) 0.31ms\nUncaught exception GET /y\nError: boom\n    at here\n");
  });

  test("a disabled record never reaches the formatter; after enable_pretty_logging it does", () => {
    let formats = 0;
    const written = withFreshLog((fresh) => {
      const format = fresh.LogFormatter.prototype.format;
      jest.spyOn(fresh.LogFormatter.prototype, "format").mockImplementation(function (this: LogFormatter, r) {
        formats++;
        return format.call(this, r);
      });
      fresh.access_log.info("%d %s %.2fms", 200, "GET / (127.0.0.1)", 0.52);
      fresh.gen_log.debug("never");
      expect(formats).toBe(0);
      fresh.enable_pretty_logging();
      fresh.access_log.info("%d %s %.2fms", 200, "GET / (127.0.0.1)", 0.52);
      fresh.access_log.debug("not at INFO");
      expect(formats).toBe(1);
    });
    expect(written).toMatch(
      /^(\x1b\[32m)?\[I \d{6} \d{2}:\d{2}:\d{2} tornado\.access\](\x1b\[0m)? 200 GET \/ \(127\.0\.0\.1\) 0\.52ms\n$/,
    );
  });
});

describe("the access log", () => {
  test("log_request builds no summary and reads no clock when the access logger would not write", async () => {
    class Hello extends web.RequestHandler {
      get() {
        this.write("hi");
      }
    }
    const summary = jest.spyOn(web.RequestHandler.prototype, "_request_summary");
    const clock = jest.spyOn(HTTPServerRequest.prototype, "request_time");
    const server = await serve([["/", Hello]]);
    // The tests' root handler (tests/support/quiet-logs.ts) is out of reach: as with no handler at all.
    access_log.propagate = false;
    try {
      expect(access_log.wouldLog(INFO)).toBe(false);
      expect((await server.fetch("/")).text).toBe("hi");
      expect([summary.mock.calls.length, clock.mock.calls.length]).toEqual([0, 0]);
    } finally {
      access_log.propagate = true;
    }
    await testing.ExpectLog.around(access_log, /^200 GET \/ \(127\.0\.0\.1\) [\d.]+ms$/, async () => {
      expect((await server.fetch("/")).text).toBe("hi");
    });
    expect([summary.mock.calls.length, clock.mock.calls.length]).toEqual([1, 1]);
    summary.mockRestore();
    clock.mockRestore();
  });
});
