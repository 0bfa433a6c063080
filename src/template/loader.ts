/** Template loaders: where `{% include %}`, `{% extends %}` and `load()` find templates, cached once compiled. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { to_unicode } from "../escape";
import { TemplateCycleError } from "./errors";
import type { TemplateLoader } from "./loading";
import { Template } from "./template";
import { filter_whitespace } from "./whitespace";

/** Options of a loader, as Tornado's keyword arguments. */
export interface LoaderOptions {
  /** Name of the namespace function that escapes `{{ }}` output, or null for none. Default `"xhtml_escape"`. */
  autoescape?: string | null;
  /** Extra names for every template this loader loads. */
  namespace?: Record<string, unknown> | null;
  /**
   * Whitespace mode for every template (see `filter_whitespace`). Default: by
   * file name, `"single"` for `.html` and `.js`, `"all"` otherwise.
   */
  whitespace?: string | null;
  /** Passed to every template: see `TemplateOptions.strict_javascript`. Default false. */
  strict_javascript?: boolean;
}

/**
 * Base class of template loaders. A loader is what makes `{% extends %}` and
 * `{% include %}` work, and it keeps every template it compiles until
 * `reset()`. Subclasses implement `resolve_path` and `_create_template`.
 */
export class BaseLoader implements TemplateLoader {
  /** The autoescape function name templates get by default, or null. */
  readonly autoescape: string | null;
  /** Names added to every template's namespace. */
  readonly namespace: Record<string, unknown>;
  /** The whitespace mode for every template, or null to choose by file name. */
  readonly whitespace: string | null;
  /** True if templates also reject Python names at compile time (see `TemplateOptions.strict_javascript`). */
  readonly strict_javascript: boolean;
  /** Compiled templates by resolved name. */
  readonly templates = new Map<string, Template>();
  readonly #loading = new Set<string>();

  /** @throws Error for an invalid whitespace mode. */
  constructor(options: LoaderOptions = {}) {
    this.autoescape = options.autoescape === undefined ? "xhtml_escape" : options.autoescape;
    this.namespace = options.namespace ?? {};
    this.whitespace = options.whitespace ?? null;
    this.strict_javascript = options.strict_javascript ?? false;
    if (this.whitespace !== null) filter_whitespace(this.whitespace, "");
  }

  /** Forgets every compiled template, so the next `load` reads and compiles it again. */
  reset(): void {
    this.templates.clear();
  }

  /**
   * Turns a name that may be relative to the template `parent_path` into the
   * name templates are cached under.
   */
  resolve_path(name: string, parent_path: string | null = null): string {
    throw new Error(`${this.constructor.name} must implement resolve_path(name, parent_path)`);
  }

  /**
   * Returns the compiled template `name` (relative to `parent_path`, the name
   * of the template asking, if given), compiling it on first use.
   * @throws ParseError for a malformed template; whatever reading it throws.
   */
  load(name: string, parent_path: string | null = null): Template {
    const resolved = this.resolve_path(name, parent_path);
    const cached = this.templates.get(resolved);
    if (cached) return cached;
    if (this.#loading.has(resolved)) throw new TemplateCycleError(resolved);
    this.#loading.add(resolved);
    try {
      const template = this._create_template(resolved);
      this.templates.set(resolved, template);
      return template;
    } finally {
      this.#loading.delete(resolved);
    }
  }

  /** Reads and compiles the template with this resolved name; subclasses implement it. */
  protected _create_template(name: string): Template {
    throw new Error(`${this.constructor.name} must implement _create_template(name)`);
  }
}

/**
 * Loads templates from files under one root directory, decoded as UTF-8.
 * A name that resolves outside the root (`../secret.txt`, `/etc/passwd`) is
 * refused.
 */
export class Loader extends BaseLoader {
  /** The absolute root directory. */
  readonly root: string;
  readonly #prefix: string;

  constructor(root_directory: string, options: LoaderOptions = {}) {
    super(options);
    this.root = path.resolve(root_directory);
    this.#prefix = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
  }

  /** Resolves `name` against the directory of `parent_path` when both are relative and the result stays under the root. */
  override resolve_path(name: string, parent_path: string | null = null): string {
    if (parent_path && !parent_path.startsWith("<") && !parent_path.startsWith("/") && !name.startsWith("/")) {
      const fileDir = path.dirname(path.resolve(this.root, parent_path));
      const relative = path.resolve(fileDir, name);
      if (relative.startsWith(this.#prefix)) name = relative.slice(this.#prefix.length);
    }
    return name;
  }

  /** @throws Error if `name` resolves outside the root directory, or the file is not valid UTF-8. */
  protected override _create_template(name: string): Template {
    const file = path.resolve(this.root, name);
    if (!file.startsWith(this.#prefix)) {
      throw new Error(`template ${JSON.stringify(name)} is outside the template directory ${this.root}`);
    }
    let text: string;
    try {
      text = to_unicode(readFileSync(file));
    } catch (err) {
      if (err instanceof TypeError) throw new TypeError(`template ${name}: ${err.message}`, { cause: err });
      throw err;
    }
    return new Template(text, { name, loader: this });
  }
}

/** Loads templates from a `{ name: text }` object; names resolve like POSIX paths. */
export class DictLoader extends BaseLoader {
  /** The templates' text by name. */
  readonly dict: Readonly<Record<string, string>>;

  constructor(dict: Record<string, string>, options: LoaderOptions = {}) {
    super(options);
    this.dict = dict;
  }

  /** Resolves `name` against the directory of `parent_path` (`a/1.html` + `../b/3.html` -> `b/3.html`). */
  override resolve_path(name: string, parent_path: string | null = null): string {
    if (parent_path && !parent_path.startsWith("<") && !parent_path.startsWith("/") && !name.startsWith("/")) {
      name = path.posix.normalize(path.posix.join(path.posix.dirname(parent_path), name));
    }
    return name;
  }

  /** @throws Error if the dict has no template of that name. */
  protected override _create_template(name: string): Template {
    if (!Object.hasOwn(this.dict, name)) throw new Error(`no template named ${JSON.stringify(name)} in the DictLoader`);
    return new Template(this.dict[name], { name, loader: this });
  }
}
