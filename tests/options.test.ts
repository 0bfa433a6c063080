import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { spawn } from "node:child_process";
import { options as tornadoOptions } from "../src";
import { Logger, define_logging_options, enable_pretty_logging } from "../src/log";
import { SizeRotatingFile, TimedRotatingFile } from "../src/log-file";
import {
  Error as OptionsError,
  OptionParser,
  options,
  parse_datetime,
  parse_timedelta,
  mockable,
} from "../src/options";
import { ROOT, fetchWhenUp, freePort, ProgramOutput, startProgram, stopProgram } from "./support/process";
import { memoryStream } from "./support/memory-stream";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tornado-ts-options-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("define and attribute access", () => {
  test("an option reads and writes as an attribute, dashes and underscores alike", () => {
    const parser = new OptionParser();
    parser.define("log_level", { default: "info" });
    expect(parser.log_level).toBe("info");
    expect(parser["log-level"]).toBe("info");
    parser["log-level"] = "debug";
    expect(parser.log_level).toBe("debug");
    expect("log-level" in parser && "log_level" in parser).toBe(true);
    expect("nothing" in parser).toBe(false);
  });

  test("reading or writing an option that was never defined throws options.Error", () => {
    const parser = new OptionParser();
    expect(() => parser.prot).toThrow(new OptionsError("Unrecognized option 'prot'"));
    expect(() => {
      parser.prot = 1;
    }).toThrow(OptionsError);
    // A Promise-like check does not throw: a parser can be returned from an async function.
    expect(parser.then).toBeUndefined();
  });

  test("setting a value of the wrong type throws options.Error and keeps the value", () => {
    const parser = new OptionParser();
    parser.define("port", { default: 80 });
    expect(() => {
      parser.port = "80";
    }).toThrow("Option 'port' is required to be a int (string given)");
    expect(() => {
      parser.port = 1.5;
    }).toThrow(OptionsError);
    expect(parser.port).toBe(80);
    parser.port = null;
    expect(parser.port).toBeNull();
  });

  test("defining a name twice, in either spelling, throws options.Error naming the file", () => {
    const parser = new OptionParser();
    parser.define("my_option");
    expect(() => parser.define("my-option")).toThrow(
      /^Option 'my-option' already defined in tests\/options\.test\.ts$/,
    );
  });

  test("an unknown type is refused", () => {
    expect(() => new OptionParser().define("x", { type: "complex" as never })).toThrow(OptionsError);
  });

  test("the type comes from the default when not given: a whole number is an int", () => {
    const parser = new OptionParser();
    parser.define("i", { default: 1 });
    parser.define("f", { default: 0.5 });
    parser.define("b", { default: false });
    parser.define("d", { default: new Date(2020, 0, 1) });
    parser.define("s");
    parser.parse_command_line(["--i=2", "--f=2.5", "--b", "--d=2021-02-03", "--s=7"]);
    expect([parser.i, parser.f, parser.b, parser.d, parser.s]).toEqual([2, 2.5, true, new Date(2021, 1, 3), "7"]);
    expect(() => parser.parse_command_line(["--i=2.5"])).toThrow("Option 'i' requires an integer, not '2.5'");
  });

  test("the JavaScript constructors name the types", () => {
    const parser = new OptionParser();
    parser.define("n", { type: Number });
    parser.define("s", { type: String });
    parser.define("b", { type: Boolean });
    parser.define("d", { type: Date });
    parser.parse_command_line(["--n=1.25", "--s=x", "--b=false", "--d=2020-05-06 07:08:09"]);
    expect([parser.n, parser.s, parser.b, parser.d]).toEqual([1.25, "x", false, new Date(2020, 4, 6, 7, 8, 9)]);
  });

  test("the callback sees each new value, parsed or set", () => {
    const seen: unknown[] = [];
    const parser = new OptionParser();
    parser.define("n", { type: "int", callback: (value) => seen.push(value) });
    parser.parse_command_line(["--n=3"]);
    parser.n = 4;
    expect(seen).toEqual([3, 4]);
  });
});

describe("parse_command_line", () => {
  function parserWithOptions(): OptionParser {
    const parser = new OptionParser();
    parser.define("port", { default: 8888, type: "int" });
    parser.define("name", { default: "x" });
    parser.define("debug", { default: false });
    parser.define("ports", { type: "int", multiple: true });
    parser.define("hosts", { type: "str", multiple: true });
    return parser;
  }

  test("reads --name=value, --name value, -name=value and --flag", () => {
    const parser = parserWithOptions();
    expect(parser.parse_command_line(["--port=9000", "--name", "y z", "-debug"])).toEqual([]);
    expect([parser.port, parser.name, parser.debug]).toEqual([9000, "y z", true]);
    parser.parse_command_line(["--debug=false"]);
    expect(parser.debug).toBe(false);
    parser.parse_command_line(["--debug=0"]);
    expect(parser.debug).toBe(false);
    parser.parse_command_line(["--debug=yes"]);
    expect(parser.debug).toBe(true);
  });

  test("multiple takes comma-separated values, and ranges lo:hi for ints", () => {
    const parser = parserWithOptions();
    expect(parser.ports).toEqual([]);
    parser.parse_command_line(["--ports=1:3,7,10:10", "--hosts=a,b"]);
    expect(parser.ports).toEqual([1, 2, 3, 7, 10]);
    expect(parser.hosts).toEqual(["a", "b"]);
  });

  test("returns what follows the first positional argument or --", () => {
    const parser = parserWithOptions();
    expect(parser.parse_command_line(["--port=1", "file", "--port=2"])).toEqual(["file", "--port=2"]);
    expect(parser.port).toBe(1);
    expect(parser.parse_command_line(["--", "--port=3"])).toEqual(["--port=3"]);
    expect(parser.port).toBe(1);
  });

  test("an unknown option, a bad value or a missing value is an options.Error", () => {
    const parser = parserWithOptions();
    expect(() => parser.parse_command_line(["--prot=1"])).toThrow(
      new OptionsError("Unrecognized command line option: 'prot'"),
    );
    expect(() => parser.parse_command_line(["--port=abc"])).toThrow(
      new OptionsError("Option 'port' requires an integer, not 'abc'"),
    );
    expect(() => parser.parse_command_line(["--port"])).toThrow(new OptionsError("Option 'port' requires a value"));
    expect(parser.port).toBe(8888);
  });

  test("parse callbacks run after parsing, unless final is false", () => {
    const parser = parserWithOptions();
    const seen: number[] = [];
    parser.add_parse_callback(() => seen.push(parser.port));
    parser.parse_command_line(["--port=1"], false);
    expect(seen).toEqual([]);
    parser.parse_command_line(["--port=2"]);
    expect(seen).toEqual([2]);
  });
});

describe("value types", () => {
  test.each([
    ["5s", 5],
    ["1h", 3600],
    ["1.5 minutes", 90],
    ["300", 300],
    ["2d 3h", 2 * 86400 + 3 * 3600],
    ["1w", 604800],
    ["10ms", 0.01],
    ["-1.5e1min", -900],
    ["", 0],
  ])("parse_timedelta(%j) is %d seconds", (text, seconds) => {
    expect(parse_timedelta(text)).toBeCloseTo(seconds, 9);
  });

  test("parse_timedelta refuses an unknown unit", () => {
    expect(() => parse_timedelta("5 parsecs")).toThrow(new OptionsError("Unrecognized duration: '5 parsecs'"));
    expect(() => parse_timedelta("x")).toThrow(OptionsError);
  });

  test.each([
    ["Mon Dec 07 15:30:01 2026", new Date(2026, 11, 7, 15, 30, 1)],
    ["2026-12-07 15:30:01", new Date(2026, 11, 7, 15, 30, 1)],
    ["2026-12-07 15:30", new Date(2026, 11, 7, 15, 30)],
    ["2026-12-07T15:30", new Date(2026, 11, 7, 15, 30)],
    ["20261207 15:30:01", new Date(2026, 11, 7, 15, 30, 1)],
    ["20261207 15:30", new Date(2026, 11, 7, 15, 30)],
    ["2026-12-07", new Date(2026, 11, 7)],
    ["20261207", new Date(2026, 11, 7)],
    ["15:30:01", new Date(1900, 0, 1, 15, 30, 1)],
    ["15:30", new Date(1900, 0, 1, 15, 30)],
  ])("parse_datetime(%j) is local time, as Python's naive datetime", (text, date) => {
    expect(parse_datetime(text)).toEqual(date);
  });

  test("parse_datetime refuses other formats and days that do not exist", () => {
    for (const text of ["2026-02-30", "tomorrow", "2026-12-07 25:00", "2026/12/07"])
      expect(() => parse_datetime(text)).toThrow(new OptionsError(`Unrecognized date/time format: '${text}'`));
  });

  test("a timedelta option holds seconds; a float accepts Python's spellings", () => {
    const parser = new OptionParser();
    parser.define("timeout", { type: "timedelta", default: 5 });
    parser.define("ratio", { type: "float" });
    parser.parse_command_line(["--timeout=1.5 minutes", "--ratio=1e3"]);
    expect([parser.timeout, parser.ratio]).toEqual([90, 1000]);
    parser.parse_command_line(["--ratio=-inf"]);
    expect(parser.ratio).toBe(-Infinity);
    expect(() => parser.parse_command_line(["--ratio=0x10"])).toThrow(OptionsError);
  });
});

describe("parse_config_file", () => {
  function parserWithOptions(): OptionParser {
    const parser = new OptionParser();
    parser.define("port", { default: 80 });
    parser.define("hosts", { multiple: true });
    parser.define("ports", { type: "int", multiple: true });
    parser.define("timeout", { type: "timedelta" });
    return parser;
  }

  test("a JSON file sets the options it names and ignores other keys; strings are parsed", () => {
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify({ port: 443, hosts: "a,b", ports: "1:2", timeout: "1m", other: 1 }));
    const parser = parserWithOptions();
    parser.parse_config_file(path);
    expect([parser.port, parser.hosts, parser.ports, parser.timeout]).toEqual([443, ["a", "b"], [1, 2], 60]);
  });

  test("a JS module's exports are the values; a default export alone is the object", () => {
    const named = join(dir, "named.js");
    writeFileSync(named, "exports.port = 8000;\nexports.hosts = ['x'];\n");
    const parser = parserWithOptions();
    parser.parse_config_file(named);
    expect([parser.port, parser.hosts]).toEqual([8000, ["x"]]);
    const byDefault = join(dir, "default.js");
    writeFileSync(
      byDefault,
      "Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = { port: 9 };\n",
    );
    parser.parse_config_file(byDefault);
    expect(parser.port).toBe(9);
  });

  test("a value of the wrong type is an options.Error; parse callbacks run unless final is false", () => {
    const path = join(dir, "bad.json");
    const parser = parserWithOptions();
    let runs = 0;
    parser.add_parse_callback(() => runs++);
    writeFileSync(path, JSON.stringify({ hosts: 3 }));
    expect(() => parser.parse_config_file(path)).toThrow(
      "Option 'hosts' is required to be a list of str or a comma-separated string",
    );
    writeFileSync(path, JSON.stringify({ port: true }));
    expect(() => parser.parse_config_file(path)).toThrow(OptionsError);
    writeFileSync(path, JSON.stringify({ port: 1 }));
    parser.parse_config_file(path, false);
    expect(runs).toBe(0);
    parser.parse_config_file(path);
    expect(runs).toBe(1);
    writeFileSync(path, "[1]");
    expect(() => parser.parse_config_file(path)).toThrow(OptionsError);
  });
});

describe("the collection", () => {
  function grouped(): OptionParser {
    const parser = new OptionParser();
    parser.define("template_path", { default: "t", group: "application" });
    parser.define("static_path", { default: "s", group: "application" });
    parser.define("port", { default: 1 });
    return parser;
  }

  test("as_dict, group_dict, items, groups and iteration", () => {
    const parser = grouped();
    expect(parser.group_dict("application")).toEqual({ template_path: "t", static_path: "s" });
    expect(parser.as_dict()).toEqual({ help: undefined, template_path: "t", static_path: "s", port: 1 });
    expect(parser.group_dict("")).toEqual(parser.as_dict());
    expect(parser.items()).toEqual([
      ["help", undefined],
      ["template_path", "t"],
      ["static_path", "s"],
      ["port", 1],
    ]);
    expect(parser.groups()).toEqual(new Set(["", "application", "tests/options.test.ts"]));
    expect([...parser]).toEqual(["help", "template_path", "static_path", "port"]);
    expect(JSON.parse(JSON.stringify(parser))).toEqual({ template_path: "t", static_path: "s", port: 1 });
  });

  test("print_help lists the options by group as Tornado does", () => {
    const parser = new OptionParser();
    parser.define("port", { default: 8888, type: "int", help: "run on the given port", metavar: "PORT" });
    parser.define("a_very_long_option_name_indeed_yes", { help: "long" });
    parser.define("db", { group: "database", help: "x ".repeat(30).trim() });
    const { stream, text } = memoryStream();
    parser.print_help(stream);
    expect(text()).toBe(
      [
        `Usage: ${process.argv[1]?.startsWith(ROOT + "/") ? process.argv[1].slice(ROOT.length + 1) : process.argv[1]} [OPTIONS]`,
        "",
        "Options:",
        "",
        "  --help                           show this help information",
        "",
        "database options:",
        "",
        "  --db                             x x x x x x x x x x x x x x x x x x x x x x",
        "                                   x x x x x x x x",
        "",
        "tests/options.test.ts options:",
        "",
        "  --a-very-long-option-name-indeed-yes ",
        "                                   long",
        "  --port=PORT                      run on the given port (default 8888)",
        "",
        "",
      ].join("\n"),
    );
  });

  test("mockable sets an option for a test and delete puts it back", () => {
    const parser = new OptionParser();
    parser.define("port", { default: 1 });
    const mock = parser.mockable();
    mock.port = 2;
    expect(parser.port).toBe(2);
    expect(() => (mock.port = 3)).toThrow("don't reuse mockable objects");
    delete mock.port;
    expect(parser.port).toBe(1);
    expect(typeof mockable()).toBe("object");
  });
});

describe("the global options and the logging options", () => {
  test("the namespace of the package holds the global options and Tornado's functions", () => {
    expect(tornadoOptions.options).toBe(options);
    expect(tornadoOptions.Error).toBe(OptionsError);
    expect(typeof tornadoOptions.define).toBe("function");
    expect(typeof tornadoOptions.parse_command_line).toBe("function");
  });

  test("the global options have Tornado's logging options with Tornado's defaults", () => {
    expect(options.as_dict()).toMatchObject({
      logging: "info",
      log_to_stderr: null,
      log_file_prefix: null,
      log_file_max_size: 100 * 1000 * 1000,
      log_file_num_backups: 10,
      log_rotate_when: "midnight",
      log_rotate_interval: 1,
      log_rotate_mode: "size",
    });
  });

  test("a private parser gets them from define_logging_options, and parsing applies them to the root", () => {
    const parser = new OptionParser();
    define_logging_options(parser);
    expect(() => define_logging_options(parser)).toThrow(OptionsError);
    const logger = new Logger("private");
    parser.add_parse_callback(() => enable_pretty_logging({ ...parser.as_dict(), logger }));
    parser.parse_command_line(["--logging=debug"]);
    expect(logger.level).toBe(10);
  });

  test("a --logging level or --log_rotate_mode that cannot work is refused as it is parsed", () => {
    const parser = new OptionParser();
    define_logging_options(parser);
    parser.parse_command_line(["--logging=WARNING", "--log_rotate_mode=time"], false);
    expect(() => parser.parse_command_line(["--logging=loud"], false)).toThrow(
      new OptionsError("Option 'logging' must be one of debug, info, warning, error, critical, none, not 'loud'"),
    );
    expect(() => parser.parse_command_line(["--log-rotate-mode=daily"], false)).toThrow(
      new OptionsError("Option 'log_rotate_mode' must be one of size, time, not 'daily'"),
    );
  });

  test("log_file_prefix writes uncolored lines to the file; log_to_stderr decides about the stream", () => {
    const path = join(dir, "app.log");
    const logger = new Logger("to-file");
    const { stream, text } = memoryStream();
    enable_pretty_logging({ logger, stream, log_file_prefix: path });
    logger.info("to the file %d", 1);
    expect(readFileSync(path, "utf8")).toMatch(/^\[I \d{6} [\d:]{8} to-file\] to the file 1\n$/);
    expect(text()).toBe("");
    enable_pretty_logging({ logger, stream, log_file_prefix: path, log_to_stderr: true });
    logger.info("both");
    expect(text()).toMatch(/both\n$/);
    expect(readFileSync(path, "utf8")).toMatch(/both\n$/);
    expect(logger.handlers).toHaveLength(2);
    // null, as the global options pass it: the stream only when the logger has no other handler.
    enable_pretty_logging({ logger, stream, log_to_stderr: null });
    expect(logger.handlers).toHaveLength(1);
    const other = new Logger("other");
    other.addHandler(() => undefined);
    enable_pretty_logging({ logger: other, stream, log_to_stderr: null });
    expect(other.handlers).toHaveLength(1);
    expect(() => enable_pretty_logging({ logger, log_file_prefix: path, log_rotate_mode: "daily" })).toThrow(
      'The value of log_rotate_mode option should be "size" or "time", not "daily".',
    );
  });

  test("--logging=none leaves the logger untouched", () => {
    const logger = new Logger("untouched");
    enable_pretty_logging({ logger, logging: "none", level: "debug" });
    expect([logger.level, logger.handlers.length]).toEqual([0, 0]);
  });

  test("size rotation keeps log_file_num_backups files, each under log_file_max_size", () => {
    const path = join(dir, "sized.log");
    const logger = new Logger("sized");
    enable_pretty_logging({ logger, log_file_prefix: path, log_file_max_size: 100, log_file_num_backups: 2 });
    for (let i = 0; i < 10; i++) logger.info("line %d of forty bytes or so", i);
    expect(
      readdirSync(dir)
        .filter((name) => name.startsWith("sized.log"))
        .sort(),
    ).toEqual(["sized.log", "sized.log.1", "sized.log.2"]);
    for (const name of ["sized.log", "sized.log.1", "sized.log.2"])
      expect(readFileSync(join(dir, name)).length).toBeLessThan(100);
    expect(readFileSync(path, "utf8")).toContain("line 9");
    expect(readFileSync(`${path}.1`, "utf8")).toContain("line 8");
    expect(readFileSync(`${path}.2`, "utf8")).toContain("line 7");
    enable_pretty_logging({ logger, logging: "none" });
  });

  test("a size-rotated file with no backups to keep never rotates", () => {
    const file = new SizeRotatingFile(join(dir, "no-backups.log"), 10, 0);
    file.write("0123456789\n");
    file.write("0123456789\n");
    file.close();
    expect(readdirSync(dir).filter((name) => name.startsWith("no-backups"))).toEqual(["no-backups.log"]);
  });

  test("time rotation renames the file after the period it covers and keeps the newest backups", () => {
    const path = join(dir, "timed.log");
    let now = new Date(2026, 0, 1, 10, 0, 0).getTime();
    const file = new TimedRotatingFile(path, "H", 1, 2, () => now);
    for (let hour = 0; hour < 4; hour++) {
      file.write(`hour ${hour}\n`);
      now += 3600 * 1000;
    }
    file.close();
    expect(
      readdirSync(dir)
        .filter((name) => name.startsWith("timed.log"))
        .sort(),
    ).toEqual(["timed.log", "timed.log.2026-01-01_11", "timed.log.2026-01-01_12"]);
    expect(readFileSync(`${path}.2026-01-01_12`, "utf8")).toBe("hour 2\n");
    expect(readFileSync(path, "utf8")).toBe("hour 3\n");
    expect(() => new TimedRotatingFile(path, "fortnight", 1, 1)).toThrow(
      "Invalid rollover interval specified: fortnight",
    );
  });

  test("midnight rotation waits for the next local midnight", () => {
    const path = join(dir, "nightly.log");
    let now = new Date(2026, 0, 1, 23, 59, 0).getTime();
    const file = new TimedRotatingFile(path, "midnight", 1, 0, () => now);
    file.write("before\n");
    now = new Date(2026, 0, 2, 0, 0, 1).getTime();
    file.write("after\n");
    file.close();
    expect(readFileSync(`${path}.2026-01-01`, "utf8")).toBe("before\n");
    expect(readFileSync(path, "utf8")).toBe("after\n");
    expect(existsSync(`${path}.2026-01-02`)).toBe(false);
  });
});

/** Runs the options program to its end; returns its exit code and what it printed on stderr. */
async function runToExit(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = startProgram("tests/support/options-program.ts", args);
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr, stdout };
}

describe("on a real command line", () => {
  test("an unknown option prints the help and the message on stderr and exits with status 2", async () => {
    const { code, stderr } = await runToExit(["--prot=1"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Usage: tests\/support\/options-program\.ts \[OPTIONS\]\n/);
    expect(stderr).toMatch(/\nError: Unrecognized command line option: 'prot'\n$/);
  }, 30000);

  test("a value of the wrong type exits with status 2 and the message alone", async () => {
    const { code, stderr } = await runToExit(["--port=eighty"]);
    expect({ code, stderr }).toEqual({ code: 2, stderr: "Error: Option 'port' requires an integer, not 'eighty'\n" });
  }, 30000);

  test("--help prints the grouped help on stderr and exits with status 0", async () => {
    const { code, stderr, stdout } = await runToExit(["--help"]);
    expect([code, stdout]).toEqual([0, ""]);
    expect(stderr).toContain(
      "\napplication options:\n\n  --greeting                       what / answers (default hello)\n",
    );
    expect(stderr).toContain(
      "\ntests/support/options-program.ts options:\n\n" +
        "  --address                        listen on this address (default 127.0.0.1)\n" +
        "  --config                         path to a config file\n" +
        "  --port                           run on the given port (default 8888)\n",
    );
    expect(stderr).toContain("\n  --logging=debug|info|warning|error|none \n");
    expect(stderr).toMatch(/\nsrc\/log-options\.ts options:\n/);
  }, 30000);

  test("the program serves on --port, with pretty logging turned on by parse_command_line", async () => {
    const port = await freePort();
    const child = startProgram("tests/support/options-program.ts", [`--port=${port}`, "--greeting", "merhaba", "rest"]);
    const output = new ProgramOutput(child);
    try {
      const response = await fetchWhenUp(`http://127.0.0.1:${port}/`);
      expect(JSON.parse(response.text)).toEqual({ greeting: "merhaba", rest: ["rest"] });
      await output.waitFor(/\[I \d{6} [\d:]{8} tornado\.access\] 200 GET \/ \(127\.0\.0\.1\) [\d.]+ms/);
    } finally {
      await stopProgram(child);
    }
  }, 30000);

  test("--config reads a file where it stands among the flags: the later flags win", async () => {
    const port = await freePort();
    const config = join(dir, "program.json");
    writeFileSync(config, JSON.stringify({ greeting: "from the file", port }));
    const child = startProgram("tests/support/options-program.ts", ["--greeting=early", `--config=${config}`]);
    try {
      expect(JSON.parse((await fetchWhenUp(`http://127.0.0.1:${port}/`)).text).greeting).toBe("from the file");
    } finally {
      await stopProgram(child);
    }
    const other = await freePort();
    const late = startProgram("tests/support/options-program.ts", [
      `--config=${config}`,
      `--port=${other}`,
      "--greeting=late",
    ]);
    try {
      expect(JSON.parse((await fetchWhenUp(`http://127.0.0.1:${other}/`)).text).greeting).toBe("late");
    } finally {
      await stopProgram(late);
    }
  }, 30000);

  test("parse_config_file runs a JS config file anew each time it is read", async () => {
    // Outside jest, whose module registry keeps its own cache: a program run by tsx, as a user runs it.
    const script = join(dir, "reread.ts");
    const config = join(dir, "reread-config.js");
    writeFileSync(
      script,
      `import { writeFileSync } from "node:fs";
import { OptionParser } from ${JSON.stringify(join(ROOT, "src", "options"))};
const parser = new OptionParser();
parser.define("port", { default: 0 });
const seen: number[] = [];
for (const port of [1, 2]) {
  writeFileSync(${JSON.stringify(config)}, "exports.port = " + port + ";\\n");
  parser.parse_config_file(${JSON.stringify(config)});
  seen.push(parser.port);
}
console.log(JSON.stringify(seen));
`,
    );
    const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), [script], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect({ code, stdout }).toEqual({ code: 0, stdout: "[1,2]\n" });
  }, 30000);

  test("--log_file_prefix sends the access lines to the file and not to stderr", async () => {
    const port = await freePort();
    const path = join(dir, "program.log");
    const child = startProgram("tests/support/options-program.ts", [`--port=${port}`, `--log-file-prefix=${path}`]);
    const output = new ProgramOutput(child);
    try {
      expect((await fetchWhenUp(`http://127.0.0.1:${port}/`)).code).toBe(200);
    } finally {
      await stopProgram(child);
    }
    expect(readFileSync(path, "utf8")).toMatch(
      /^\[I \d{6} [\d:]{8} tornado\.access\] 200 GET \/ \(127\.0\.0\.1\) [\d.]+ms$/m,
    );
    expect(output.text).not.toContain("tornado.access");
  }, 30000);
});
