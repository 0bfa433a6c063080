/**
 * Routing requests to their targets, as Tornado's `tornado.routing`: matchers
 * (src/routing/matchers.ts), the prefix index (src/routing/table.ts), rules and routers
 * (src/routing/rules.ts). Every pattern is compiled once, when its rule is made.
 */
export {
  AnyMatches,
  DefaultHostMatches,
  EMPTY_MATCH,
  HostMatches,
  Matcher,
  PathMatches,
  type HasDefaultHost,
  type PathMatch,
  type TargetParams,
} from "./routing/matchers";
export { RuleTable, type IndexedRule, type RuleMatch } from "./routing/table";
export {
  ReversibleRouter,
  ReversibleRuleRouter,
  Router,
  Rule,
  RuleRouter,
  URLSpec,
  _CallableAdapter,
  to_rule,
  type RequestCallable,
  type RequestDispatcher,
  type RuleList,
  type RuleTuple,
} from "./routing/rules";
export type { HTTPMessageDelegate, HTTPServerConnectionDelegate } from "./httputil/delegate";
