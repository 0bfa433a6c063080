/** Tornado's whitespace modes for the literal text of a template. */

/** The whitespace modes `filter_whitespace` knows. */
export type WhitespaceMode = "all" | "single" | "oneline";

/** The characters Python's `\s` matches in a `str` pattern. */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SPACES_AND_TABS_RE = /[\t ]+/g;
const RUN_WITH_NEWLINE_RE = new RegExp(`[${PY_SPACE}]*\\n[${PY_SPACE}]*`, "g");
const ANY_RUN_RE = new RegExp(`[${PY_SPACE}]+`, "g");

/** True if `mode` is one of the modes `filter_whitespace` accepts. */
export function isWhitespaceMode(mode: unknown): mode is WhitespaceMode {
  return mode === "all" || mode === "single" || mode === "oneline";
}

/**
 * Rewrites the whitespace of `text` as the whitespace `mode` says:
 *
 * - `all`: leaves it unchanged;
 * - `single`: turns each run of spaces and tabs into one space, then each run
 *   of whitespace that holds a newline into that one newline;
 * - `oneline`: turns every run of whitespace, newlines included, into one space.
 *
 * "Whitespace" is what Python's `\s` matches, as in Tornado.
 * @throws Error (`invalid whitespace mode <mode>`) for any other mode.
 */
export function filter_whitespace(mode: string, text: string): string {
  switch (mode) {
    case "all":
      return text;
    case "single":
      return text.replace(SPACES_AND_TABS_RE, " ").replace(RUN_WITH_NEWLINE_RE, "\n");
    case "oneline":
      return text.replace(ANY_RUN_RE, " ");
    default:
      throw new Error(`invalid whitespace mode ${mode}`);
  }
}
