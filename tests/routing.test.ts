import { routing, web } from "../src";
import { serve } from "./support/serve";

class Echo extends web.RequestHandler {
  initialize(kwargs: Record<string, unknown>) {
    this.set_header("X-Rule", String(kwargs.rule));
  }
  get(...args: Array<string | null>) {
    this.write(JSON.stringify(args));
  }
}

function spec(pattern: string | RegExp, rule = 0): routing.URLSpec<typeof Echo> {
  return new routing.URLSpec(pattern, Echo, { rule });
}

describe("literal prefixes", () => {
  test.each([
    ["/hello", "/hello"],
    ["/user/([0-9]+)", "/user/"],
    ["/users?/(\\d+)", "/user"],
    ["/a\\.b/c", "/a.b/c"],
    ["/x\\d+", "/x"],
    ["/files/(.*)", "/files/"],
    ["/ab{2}", "/a"],
    ["/a|/b", ""],
    ["/(a|b)/c", "/"],
    ["/[|]x", "/"],
    [/\/CaseLess/i, ""],
    ["/(?P<year>\\d{4})/", "/"],
    [".*", ""],
  ] as Array<[string | RegExp, string]>)("%s promises %j", (pattern, prefix) => {
    expect(new routing.PathMatches(pattern).literal_prefix).toBe(prefix);
  });
});

describe("RuleTable", () => {
  test("the first matching rule in the order given wins, whatever the prefixes", () => {
    const table = new routing.RuleTable([spec("/(.*)", 1), spec("/a/(.*)", 2), spec("/a/b", 3)]);
    expect(table.match("/a/b")?.spec.kwargs.rule).toBe(1);
    const narrowFirst = new routing.RuleTable([spec("/a/b", 3), spec("/a/(.*)", 2), spec("/(.*)", 1)]);
    expect(narrowFirst.match("/a/b")?.spec.kwargs.rule).toBe(3);
    expect(narrowFirst.match("/a/c")?.spec.kwargs.rule).toBe(2);
    expect(narrowFirst.match("/c")?.spec.kwargs.rule).toBe(1);
    expect(narrowFirst.match("nothing")).toBeNull();
  });

  test("rules without a prefix interleave with prefixed ones in order", () => {
    const table = new routing.RuleTable([spec("/a/x", 1), spec(".*/x", 2), spec("/a/(x)", 3)]);
    expect(table.match("/a/x")?.spec.kwargs.rule).toBe(1);
    const later = new routing.RuleTable([spec("/a/(y)", 1), spec(".*/x", 2), spec("/a/(x)", 3)]);
    expect(later.match("/a/x")?.spec.kwargs.rule).toBe(2);
  });

  test("an optional character before a group does not hide the rule", () => {
    const table = new routing.RuleTable([spec("/users?/(\\d+)", 1)]);
    expect(table.match("/user/7")?.path_args).toEqual(["7"]);
    expect(table.match("/users/7")?.path_args).toEqual(["7"]);
  });

  test("with 1,000 rules a path is tested against its own rule only, not a scan", () => {
    const specs = Array.from({ length: 1000 }, (_, i) => spec(`/route${i}/([0-9]+)`, i));
    const tried: number[] = [];
    for (const s of specs) {
      const match = s.matcher.match_path.bind(s.matcher);
      s.matcher.match_path = (path: string) => {
        tried.push(s.kwargs.rule as number);
        return match(path);
      };
    }
    const table = new routing.RuleTable(specs);
    expect(table.match("/route999/5")?.path_args).toEqual(["5"]);
    expect(tried).toEqual([999]);
    tried.length = 0;
    expect(table.match("/route1/5")?.spec.kwargs.rule).toBe(1);
    expect(tried).toEqual([1]);
  });
});

test("an application with 1,000 routes answers the last one and 404s a near miss, over HTTP", async () => {
  const routes: web.Route[] = Array.from(
    { length: 1000 },
    (_, i) => [`/route${i}/([0-9]+)`, Echo, { rule: i }] as const,
  );
  const server = await serve(routes);
  const last = await server.fetch("/route999/42");
  expect(last.code).toBe(200);
  expect(last.headers.get("X-Rule")).toBe("999");
  expect(last.body.toString()).toBe('["42"]');
  expect((await server.fetch("/route1000/42")).code).toBe(404);
  expect((await server.fetch("/route99/x")).code).toBe(404);
});

describe("patterns without groups", () => {
  /** A spec whose regex records each `exec` and `test` the matcher calls (not the `exec` a `test` makes). */
  function watched(pattern: string | RegExp, calls: string[]): routing.URLSpec<typeof Echo> {
    const s = spec(pattern);
    let inTest = false;
    s.regex.exec = (path: string) => {
      if (!inTest) calls.push("exec");
      return RegExp.prototype.exec.call(s.regex, path);
    };
    s.regex.test = (path: string) => {
      calls.push("test");
      inTest = true;
      try {
        return RegExp.prototype.test.call(s.regex, path);
      } finally {
        inTest = false;
      }
    };
    return s;
  }

  test("a pattern of plain text matches its one path by comparison, without the regex", () => {
    const calls: string[] = [];
    const table = new routing.RuleTable([watched("/hello", calls), watched("/a\\.b", calls)]);
    expect(table.match("/hello")?.path_args).toEqual([]);
    expect(table.match("/hello/")).toBeNull();
    expect(table.match("/hellox")).toBeNull();
    expect(table.match("/a.b")?.spec.matcher.pattern).toBe("^/a\\.b$");
    expect(table.match("/axb")).toBeNull();
    expect(calls).toEqual([]);
  });

  test("other group-less patterns are tested, not exec'd, and keep their regex meaning", () => {
    const calls: string[] = [];
    const table = new routing.RuleTable([watched("/users?", calls), watched(/\/CASE/i, calls), watched("/a.c", calls)]);
    expect(table.match("/user")).not.toBeNull();
    expect(table.match("/users")).not.toBeNull();
    expect(table.match("/case")?.spec.matcher.pattern).toBe("^\\/CASE$");
    expect(table.match("/abc")?.spec.matcher.pattern).toBe("^/a.c$");
    expect(table.match("/ab")).toBeNull();
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call === "test")).toBe(true);
  });

  test("the target params of a path without captures are one frozen object per rule, shared by every request", () => {
    const rule = spec("/hello", 7);
    const first = rule.matcher.match_path("/hello");
    expect(first).toBe(rule.matcher.match_path("/hello"));
    expect(Object.isFrozen(first)).toBe(true);
    const params = rule._empty_params();
    expect(params).toBe(rule._empty_params());
    expect(Object.isFrozen(params)).toBe(true);
    expect(params.target_kwargs?.rule).toBe(7);
    expect(rule.handler_class).toBe(Echo);
  });

  test("plain-text, optional and case-blind routes answer over HTTP", async () => {
    const server = await serve([
      ["/hello", Echo, { rule: 1 }],
      ["/users?", Echo, { rule: 2 }],
      [/\/CASE/i, Echo, { rule: 3 }],
    ]);
    for (const [path, rule] of [
      ["/hello", "1"],
      ["/user", "2"],
      ["/users", "2"],
      ["/case", "3"],
    ]) {
      const response = await server.fetch(path);
      expect(response.code).toBe(200);
      expect(response.headers.get("X-Rule")).toBe(rule);
      expect(response.body.toString()).toBe("[]");
    }
    expect((await server.fetch("/hello/")).code).toBe(404);
  });
});
