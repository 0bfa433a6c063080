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
    expect(table.match("/user/7")?.match.path_args).toEqual(["7"]);
    expect(table.match("/users/7")?.match.path_args).toEqual(["7"]);
  });

  test("with 1,000 rules a path is tested against its own rule only, not a scan", () => {
    const specs = Array.from({ length: 1000 }, (_, i) => spec(`/route${i}/([0-9]+)`, i));
    const tried: number[] = [];
    for (const s of specs) {
      const match = s.matcher.match.bind(s.matcher);
      s.matcher.match = (path: string) => {
        tried.push(s.kwargs.rule as number);
        return match(path);
      };
    }
    const table = new routing.RuleTable(specs);
    expect(table.match("/route999/5")?.match.path_args).toEqual(["5"]);
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
