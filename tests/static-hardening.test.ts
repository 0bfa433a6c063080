import * as fs from "node:fs";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { web, log, testing } from "../src";
import type { LogRecord } from "../src/log";
import { StaticFileHandler, parseHttpDate, parseRequestRange } from "../src/web/static";
import { serve } from "./support/serve";
import { expectLinear } from "./support/linearity";

// Tests run as root, which no file mode refuses: to see EACCES (and an unexpected errno) where
// Node raises it, realpathSync is wrapped so that a test can make one call fail.
jest.mock("node:fs", () => {
  const actual = jest.requireActual<typeof import("node:fs")>("node:fs");
  return { ...actual, realpathSync: jest.fn(actual.realpathSync) };
});

/** Makes realpathSync fail for `target` with `code`, as the kernel would. */
function failRealpath(target: string, code: string): void {
  const actual = jest.requireActual<typeof import("node:fs")>("node:fs").realpathSync;
  (fs.realpathSync as unknown as jest.Mock).mockImplementation((p: fs.PathLike, options?: fs.EncodingOption) => {
    if (p === target) throw Object.assign(new Error(`${code}: injected, realpath '${target}'`), { code });
    return actual(p, options);
  });
}

let dir: string;
let outside: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "tornado-static-hard-"));
  outside = mkdtempSync(path.join(tmpdir(), "tornado-static-outside-"));
  writeFileSync(path.join(dir, "a.txt"), "inside");
  writeFileSync(path.join(outside, "secret.txt"), "secret");
  StaticFileHandler.reset();
});
afterEach(() => {
  const actual = jest.requireActual<typeof import("node:fs")>("node:fs").realpathSync;
  (fs.realpathSync as unknown as jest.Mock).mockImplementation(actual);
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
  StaticFileHandler.reset();
});

/** Records every log line of `logger` while `fn` runs (and lets them through to ExpectLog filters added before). */
async function recording<T>(
  logger: typeof log.gen_log,
  fn: () => Promise<T> | T,
): Promise<{ result: T; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  const filter = (record: LogRecord) => {
    records.push(record);
    return false;
  };
  logger.addFilter(filter);
  try {
    return { result: await fn(), records };
  } finally {
    logger.removeFilter(filter);
  }
}

describe("static_url never versions a file outside static_path", () => {
  class Url extends web.RequestHandler {
    get() {
      this.write(this.static_url(this.get_argument("p")));
    }
  }

  test("a path climbing out of static_path gets no version and is not hashed", async () => {
    const relative = path.relative(dir, path.join(outside, "secret.txt"));
    const server = await serve([["/url", Url]], { static_path: dir });
    const response = await server.fetch(`/url?p=${encodeURIComponent(relative)}`);
    expect(response.text).toBe(`/static/${relative}`);
    expect(StaticFileHandler._static_hashes.size).toBe(0);
    // A file inside still gets its version.
    expect((await server.fetch("/url?p=a.txt")).text).toMatch(/^\/static\/a\.txt\?v=[0-9a-f]{128}$/);
  });

  test("a symbolic link inside static_path leading out of it gets no version", () => {
    symlinkSync(path.join(outside, "secret.txt"), path.join(dir, "link.txt"));
    expect(StaticFileHandler.get_version({ static_path: dir }, "link.txt")).toBeNull();
    expect(StaticFileHandler.get_version({ static_path: dir }, "../../../../../../etc/passwd")).toBeNull();
    expect(StaticFileHandler._static_hashes.size).toBe(0);
  });

  test("the version cache is bounded: the least recently used version is forgotten", () => {
    class Small extends StaticFileHandler {
      static override _STATIC_HASHES_LIMIT = 3;
      static override _static_hashes = new Map<string, string | null>();
    }
    for (let i = 0; i < 10; i++) writeFileSync(path.join(dir, `f${i}.txt`), String(i));
    const settings = { static_path: dir };
    for (let i = 0; i < 10; i++) {
      expect(Small.get_version(settings, `f${i}.txt`)).toMatch(/^[0-9a-f]{128}$/);
      if (i >= 1) Small.get_version(settings, "f0.txt"); // kept in use
    }
    expect(Small._static_hashes.size).toBe(3);
    expect([...Small._static_hashes.keys()].map((key) => path.basename(key))).toEqual(["f8.txt", "f9.txt", "f0.txt"]);
  });

  test("the default cache has a sane limit", () => {
    expect(StaticFileHandler._STATIC_HASHES_LIMIT).toBeGreaterThanOrEqual(1000);
    expect(StaticFileHandler._STATIC_HASHES_LIMIT).toBeLessThanOrEqual(100000);
  });
});

describe("static file errors are answered and logged for what they are", () => {
  const route = (cls: typeof StaticFileHandler = StaticFileHandler): web.Route => ["/s/(.*)", cls, { path: dir }];

  test("a symbolic link loop: 404 with a log line naming it", async () => {
    symlinkSync(path.join(dir, "loop-b"), path.join(dir, "loop-a"));
    symlinkSync(path.join(dir, "loop-a"), path.join(dir, "loop-b"));
    const server = await serve([route()]);
    const response = await testing.ExpectLog.around(
      log.gen_log,
      /^404 GET \/s\/loop-a \(127\.0\.0\.1\): loop-a: too many levels of symbolic links$/,
      () => server.fetch("/s/loop-a"),
    );
    expect(response.code).toBe(404);
  });

  test("permission refused while resolving the path (EACCES from realpath): 403, logged", async () => {
    failRealpath(path.join(dir, "a.txt"), "EACCES");
    const server = await serve([route()]);
    const response = await testing.ExpectLog.around(
      log.gen_log,
      /^403 GET \/s\/a\.txt \(127\.0\.0\.1\): a\.txt is not readable \(EACCES\)$/,
      () => server.fetch("/s/a.txt"),
    );
    expect(response.code).toBe(403);
  });

  test("permission refused when the file is opened (EACCES from open): 403, logged", async () => {
    class Unreadable extends StaticFileHandler {
      static override get_content(abspath: string): web.StaticContent {
        // A generator that throws before its first chunk: the error comes from the first read.
        // eslint-disable-next-line require-yield
        return (async function* () {
          throw Object.assign(new Error(`EACCES: permission denied, open '${abspath}'`), {
            code: "EACCES",
            errno: -13,
          });
        })();
      }
    }
    const server = await serve([route(Unreadable)]);
    const response = await testing.ExpectLog.around(
      log.gen_log,
      /^403 GET \/s\/a\.txt \(127\.0\.0\.1\): a\.txt is not readable \(EACCES\)$/,
      () => server.fetch("/s/a.txt"),
    );
    expect(response.code).toBe(403);
  });

  test("an unexpected error while resolving is a 500 with its stack logged, not a silent 404", async () => {
    failRealpath(path.join(dir, "a.txt"), "EIO");
    const server = await serve([route()]);
    const { result, records } = await recording(log.app_log, () => server.fetch("/s/a.txt"));
    expect(result.code).toBe(500);
    expect(
      records.some(
        (r) =>
          /Uncaught exception GET \/s\/a\.txt/.test(r.message) && (r.exc_info as NodeJS.ErrnoException).code === "EIO",
      ),
    ).toBe(true);
  });

  test("a TypeError in get_content_version is logged with its cause, not as a file that could not be opened", async () => {
    class Faulty extends StaticFileHandler {
      static override get_content_version(): string {
        throw new TypeError("broken override");
      }
    }
    const { result, records } = await recording(log.gen_log, () => Faulty.get_version({ static_path: dir }, "a.txt"));
    expect(result).toBeNull();
    expect(records).toHaveLength(1);
    expect(records[0].message).toMatch(/^Could not compute the version of static file ['"].*a\.txt['"]$/);
    expect(records[0].exc_info).toBeInstanceOf(TypeError);
  });

  test("a file that cannot be opened is logged with the error", async () => {
    const { records } = await recording(log.gen_log, () =>
      StaticFileHandler.get_version({ static_path: dir }, "missing.txt"),
    );
    expect(records).toHaveLength(1);
    expect(records[0].message).toMatch(/^Could not open static file ['"].*missing\.txt['"]$/);
    expect((records[0].exc_info as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});

describe("Range and If-Modified-Since parse in linear time (worst inputs within a 64 KiB header)", () => {
  test.each([
    ["commas", (size: number) => "bytes=" + ",".repeat(size)],
    ["dashes", (size: number) => "bytes=" + "-".repeat(size)],
    ["digits", (size: number) => "bytes=" + "1".repeat(size) + "-"],
    ["underscored digits", (size: number) => "bytes=1" + "_1".repeat(size / 2) + "-"],
    ["spaces", (size: number) => "bytes=" + " ".repeat(size) + "1-2" + " ".repeat(size)],
    ["digits and dashes", (size: number) => "bytes=" + "1-".repeat(size / 2)],
  ])("Range: %s", (_shape, build) => {
    expectLinear(build, parseRequestRange);
  });

  test.each([
    ["spaces", (size: number) => "Mon," + " ".repeat(size) + "01 Jan 2024 00:00:00 GMT"],
    ["commas", (size: number) => ",".repeat(size) + " 01 Jan 2024 00:00:00 GMT"],
    ["colons", (size: number) => "01 Jan 2024 " + ":".repeat(size) + " GMT"],
  ])("If-Modified-Since: %s", (_shape, build) => {
    expectLinear(build, parseHttpDate);
  });
});
