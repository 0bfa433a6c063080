/**
 * What a template needs of its loader, as an interface of its own, so that
 * `Template` (which keeps its loader) and `BaseLoader` (which makes
 * templates) do not import each other. `BaseLoader` implements it.
 * @internal
 */
import type { CompiledTemplate } from "./nodes";

/** A template loader as templates and the code generator see it. */
export interface TemplateLoader {
  /** The autoescape function name templates get by default, or null. */
  readonly autoescape: string | null;
  /** Names added to every template's namespace. */
  readonly namespace: Record<string, unknown>;
  /** The whitespace mode for every template, or null to choose by file name. */
  readonly whitespace: string | null;
  /** True to also reject Python names (`None`, `len(x)`, `.strftime(`...) at compile time; see `TemplateOptions`. */
  readonly strict_javascript?: boolean;
  /** Returns the compiled template `name`, relative to the template `parent_path` if given. */
  load(name: string, parent_path?: string | null): CompiledTemplate;
}
