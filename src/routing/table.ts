/**
 * The prefix index behind `RuleRouter`: rules by the literal text each path pattern starts
 * with, so that finding a request's rule tests only the rules whose prefix its path has, still
 * in the order they were given (first match wins).
 */
import { PathMatches, type Matcher, type PathMatch } from "./matchers";

/** What the index needs of a rule: its matcher (a `PathMatches` is indexed by its literal prefix). */
export interface IndexedRule {
  matcher: Matcher;
}

/** A node of the prefix trie: the rules whose literal prefix ends here, and the next characters. */
interface PrefixNode {
  rules: number[];
  next: Map<string, PrefixNode> | null;
}

/** A rule found by `RuleTable.match`, with the path's raw captures. */
export interface RuleMatch<R> extends PathMatch {
  spec: R;
}

/**
 * Rules in order, indexed by literal prefix: `gather(path)` walks the path's characters down a
 * trie and collects the rules whose prefix the path starts with (a rule whose matcher is not a
 * `PathMatches`, or promises no prefix, is collected for every path), in their original order.
 * A path is tested against a handful of matchers however many rules there are.
 */
export class RuleTable<R extends IndexedRule> {
  /** The rules, in the order they are tried. */
  readonly rules: ReadonlyArray<R>;
  readonly #root: PrefixNode = { rules: [], next: null };
  readonly #candidates: number[] = [];
  #busy = false;

  constructor(rules: ReadonlyArray<R>) {
    this.rules = rules;
    rules.forEach((rule, index) => this.#insert(prefixOf(rule.matcher), index));
  }

  /**
   * The indexes of the rules that may match `path`, ascending. The array is shared by every
   * call (no allocation): read it, up to the returned count, before the next call; a call made
   * while one is being read (`claim` not yet released) gets a fresh array.
   */
  gather(path: string): { indexes: number[]; count: number } {
    const out = this.#busy ? [] : this.#candidates;
    return { indexes: out, count: this.#gatherInto(out, path) };
  }

  /**
   * Calls nothing back: puts the candidate indexes for `path` at the start of the shared array
   * and returns their count; `claim()` must be paired with `release()` while it is read.
   * Returns -1 when the shared array is being read already (the caller uses `gather`).
   */
  claim(path: string): number {
    if (this.#busy) return -1;
    this.#busy = true;
    return this.#gatherInto(this.#candidates, path);
  }

  /** The `i`-th index `claim` put in the shared array. */
  claimed(i: number): number {
    return this.#candidates[i];
  }

  /** Ends a `claim`: the shared array may be filled again. */
  release(): void {
    this.#busy = false;
  }

  /**
   * The first rule (in the order given) whose `PathMatches` matches the raw `path`, with its
   * captures, or null; rules with other matchers are skipped (they need a request).
   */
  match(path: string): RuleMatch<R> | null {
    const { indexes, count } = this.gather(path);
    for (let i = 0; i < count; i++) {
      const rule = this.rules[indexes[i]];
      if (!(rule.matcher instanceof PathMatches)) continue;
      const match = rule.matcher.match_path(path);
      if (match !== null) return { spec: rule, path_args: match.path_args, path_kwargs: match.path_kwargs };
    }
    return null;
  }

  #insert(prefix: string, index: number): void {
    let node = this.#root;
    for (let i = 0; i < prefix.length; i++) {
      const ch = prefix[i];
      node.next ??= new Map();
      let child = node.next.get(ch);
      if (child === undefined) {
        child = { rules: [], next: null };
        node.next.set(ch, child);
      }
      node = child;
    }
    node.rules.push(index);
  }

  /**
   * Puts the indexes of the rules whose prefix `path` starts with, ascending, at the start of
   * `out` and returns how many there are. `out` is never truncated (setting an array's length
   * to 0 drops its storage, to be made again by the next push).
   */
  #gatherInto(out: number[], path: string): number {
    let count = 0;
    let node: PrefixNode | undefined = this.#root;
    let sorted = true;
    for (let i = 0; node !== undefined; i++) {
      for (const index of node.rules) {
        if (count > 0 && index < out[count - 1]) sorted = false;
        out[count++] = index;
      }
      if (i === path.length || node.next === null) break;
      node = node.next.get(path[i]);
    }
    if (!sorted) sortPrefix(out, count);
    return count;
  }
}

/** The literal text every path a matcher accepts starts with ("" for a matcher that is not a `PathMatches`). */
function prefixOf(matcher: Matcher): string {
  return matcher instanceof PathMatches ? matcher.literal_prefix : "";
}

/** Sorts the first `count` numbers of `list` in place, ascending (insertion sort: candidates are few). */
function sortPrefix(list: number[], count: number): void {
  for (let i = 1; i < count; i++) {
    const value = list[i];
    let j = i - 1;
    for (; j >= 0 && list[j] > value; j--) list[j + 1] = list[j];
    list[j + 1] = value;
  }
}
