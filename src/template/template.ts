/** The compiled template. */
import { to_unicode } from "../escape";
import { generateCode, type Fragment, type GeneratedCode } from "./codegen";
import { ParseError, withTemplateLocation } from "./errors";
import { isBindableName } from "./jssyntax";
import type { TemplateLoader } from "./loading";
import type { CompiledTemplate, ParsedFile } from "./nodes";
import { parseTemplate } from "./parser";
import { withPythonHint, type PythonismCheck } from "./pyisms";
import { DEFAULT_NAMESPACE, isInstance, iterate, toText } from "./runtime";
import { asUndefinedName, bindNames, planNames, type NamePlan } from "./bindings";
import { filter_whitespace } from "./whitespace";

/** The autoescape function's name when neither the template nor its loader says otherwise. */
const DEFAULT_AUTOESCAPE = "xhtml_escape";

/** How many functions a template with keyed names (see `bindings.ts`) keeps compiled. */
const MAX_VARIANTS = 64;

const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;

/** What a switched name's lookup returns when the name is found nowhere. */
const MISSING = Symbol("missing");

/**
 * Counters for tests and benchmarks: `compilations` counts the template
 * functions compiled by every `Template` so far.
 * @internal
 */
export const _templateStats = { compilations: 0 };

/** Options of `new Template()`, as Tornado's keyword arguments. */
export interface TemplateOptions {
  /** The template's name in error messages, and what `{% include %}` paths are relative to. Default `"<string>"`. */
  name?: string;
  /** The loader that resolves `{% include %}` and `{% extends %}`, and supplies namespace and defaults. */
  loader?: TemplateLoader | null;
  /**
   * Name of the namespace function that escapes `{{ }}` output, or null for
   * no escaping. Default: the loader's setting, else `"xhtml_escape"`.
   */
  autoescape?: string | null;
  /**
   * Whitespace mode for the literal text (see `filter_whitespace`). Default:
   * the loader's setting, else `"single"` for names ending in `.html` or
   * `.js` and `"all"` for anything else.
   */
  whitespace?: string | null;
  /**
   * Also reject at compile time the Python names valid JavaScript could
   * mean (`None`, `True`, `False`, `len(x)`, `datetime`, `.strftime(`),
   * unless the loader's namespace, the defaults or the global object provide
   * them. Python-isms that are never right in JavaScript (`"%s" % x`,
   * `x if c else y`, `a and b`, `f(a=1)`...) are rejected in any case.
   * Default: the loader's setting (a handler's loader sets it in debug
   * mode), else false.
   */
  strict_javascript?: boolean;
}

/** Whether a Python name is provided to templates of `namespace`, and so not a Python-ism. */
class ProvidedNames implements PythonismCheck {
  constructor(
    readonly strict: boolean,
    private readonly namespace: Readonly<Record<string, unknown>>,
  ) {}

  /** True if the loader's namespace, the defaults or the global object have `name`. */
  provided(name: string): boolean {
    return (
      propertyIsEnumerable.call(this.namespace, name) ||
      propertyIsEnumerable.call(DEFAULT_NAMESPACE, name) ||
      name in globalThis
    );
  }
}

type Execute = (kwargs: Record<string, unknown>, loaderNamespace: Readonly<Record<string, unknown>>) => string;
type Factory = (runtime: Runtime) => Execute;

interface Runtime {
  readonly str: typeof toText;
  readonly iter: typeof iterate;
  readonly isa: typeof isInstance;
  readonly fail: (err: unknown, location: number) => Error;
  /** What `{% except %}` handlers see: a missing switched name's error as `x is not defined`. */
  readonly named: (err: unknown) => unknown;
  readonly def: Readonly<Record<string, unknown>>;
  readonly pe: typeof propertyIsEnumerable;
  readonly none: typeof MISSING;
}

const SOURCE_URL_UNSAFE_RE = /[^\w.\-/<>]/g;

/** Finds the fragment of user code behind a SyntaxError in the assembled function. */
function locateSyntaxError(code: GeneratedCode, templateName: string, err: SyntaxError): ParseError {
  const check = (probe: string): SyntaxError | null => {
    try {
      new Function(`"use strict";\n${probe}`);
      return null;
    } catch (e) {
      return e instanceof SyntaxError ? e : null;
    }
  };
  const probes: Fragment[] = [...code.fragments];
  for (const [name, origin] of code.locals) {
    probes.push({ probe: `let ${name};`, what: "variable name", source: name, ...origin });
  }
  for (const fragment of probes) {
    const error = check(fragment.probe);
    if (error) {
      const source = fragment.source.length > 60 ? fragment.source.slice(0, 57) + "..." : fragment.source;
      return new ParseError(`${error.message} in ${fragment.what} \`${source}\``, fragment.file, fragment.line, {
        cause: error,
      });
    }
  }
  return new ParseError(`${err.message} in the generated code`, templateName, 0, { cause: err });
}

/**
 * A compiled template: Tornado's template language with JavaScript
 * expressions.
 *
 * ```ts
 * const t = new Template("<html>{{ myvalue }}</html>");
 * t.generate({ myvalue: "XXX" }); // Buffer "<html>XXX</html>"
 * ```
 *
 * The text is parsed once, in the constructor, into the body of a JavaScript
 * function (`code`); `generate` runs that function. The names the template's
 * code reads become local variables of the function, taken from the kwargs,
 * the loader's namespace or the defaults on each call (see `bindings.ts`), so
 * one function serves every set of kwargs; only a template that takes the
 * `typeof` of a name gets one function per pattern of which such names are
 * passed. The body is never re-parsed.
 *
 * Templates are code: build them only from trusted text, never from user
 * input. User input belongs in `generate`'s arguments, where `{{ }}` escapes it.
 */
export class Template implements CompiledTemplate {
  /** The name given to the constructor (for a loaded template, its path relative to the loader). */
  readonly name: string;
  /** Name of the function that escapes `{{ }}` output, or null; set by the options or an `{% autoescape %}` in the file. */
  readonly autoescape: string | null;
  /** The loader's namespace (empty without a loader). */
  readonly namespace: Readonly<Record<string, unknown>>;
  /** The loader that loaded this template, or null. */
  readonly loader: TemplateLoader | null;
  /** The JavaScript source of the compiled function, for debugging (as compiled for empty kwargs). */
  readonly code: string;
  /**
   * The parsed file, used by templates that include or extend this one.
   * @internal
   */
  readonly _parsed: ParsedFile;
  readonly #generated: GeneratedCode;
  readonly #runtime: Runtime;
  /** How each name the template's code could read (see `referencedNames`) is bound. */
  readonly #plan: NamePlan;
  /** The function, when the template has no keyed names (else null, and `#variants` holds them). */
  readonly #execute: Execute | null;
  readonly #variants = new Map<number | string, Execute>();

  /**
   * Parses and compiles `template_string` (a Buffer is decoded as UTF-8).
   * Templates it extends or includes are loaded through `options.loader` now.
   * @throws ParseError for a malformed template, or one with a Python-ism in
   * an expression (see `strict_javascript`); Error for an invalid whitespace mode.
   */
  constructor(template_string: string | Uint8Array, options: TemplateOptions = {}) {
    this.name = options.name ?? "<string>";
    this.loader = options.loader ?? null;
    let whitespace = options.whitespace ?? null;
    if (whitespace === null) {
      if (this.loader?.whitespace) whitespace = this.loader.whitespace;
      else whitespace = this.name.endsWith(".html") || this.name.endsWith(".js") ? "single" : "all";
    }
    filter_whitespace(whitespace, "");
    this.namespace = this.loader ? this.loader.namespace : {};

    const strict = options.strict_javascript ?? this.loader?.strict_javascript ?? false;
    const pythonisms = new ProvidedNames(strict, this.namespace);
    this._parsed = parseTemplate(this.name, to_unicode(template_string), whitespace, this, pythonisms);
    if (this._parsed.autoescape !== undefined) this.autoescape = this._parsed.autoescape;
    else if (options.autoescape !== undefined) this.autoescape = options.autoescape;
    else this.autoescape = this.loader ? this.loader.autoescape : DEFAULT_AUTOESCAPE;

    this.#generated = generateCode(this, this.loader);
    const names = this.#generated.references.filter((name) => !name.startsWith("_tt_") && isBindableName(name));
    this.#plan = planNames(names, new Set(this.#generated.locals.keys()), this.#generated.typeofOperands);
    const locations = this.#generated.locations;
    const switched = new Set(this.#plan.switched);
    this.#runtime = {
      str: toText,
      iter: iterate,
      isa: isInstance,
      fail: (err, location) =>
        withTemplateLocation(withPythonHint(asUndefinedName(err, switched)), locations[location] ?? this.name),
      named: (err) => asUndefinedName(err, switched),
      def: DEFAULT_NAMESPACE,
      pe: propertyIsEnumerable,
      none: MISSING,
    };
    const [source, execute] = this.#compile({});
    this.code = source;
    if (this.#plan.keyed.length) {
      this.#execute = null;
      this.#variants.set(this.#variantKey({}), execute);
    } else {
      this.#execute = execute;
    }
  }

  /**
   * Runs the template and returns its output as UTF-8 bytes, as Tornado does.
   * The template sees, in order of precedence, `kwargs`, the loader's
   * namespace, and the defaults (`escape`, `xhtml_escape`, `url_escape`,
   * `json_encode`, `squeeze`, `linkify`). Names starting `_tt_` are reserved
   * and not visible.
   * @throws the error an expression threw, rewrapped so its message ends
   * with ` (at name.html:LINE)`, the original kept as `cause`.
   */
  generate(kwargs: Record<string, unknown> = {}): Buffer {
    const execute = this.#execute ?? this.#keyedVariant(kwargs);
    return Buffer.from(execute(kwargs, this.namespace), "utf8");
  }

  /** The function for the keyed names `kwargs` passes (compiled now if it is not yet). */
  #keyedVariant(kwargs: Record<string, unknown>): Execute {
    const key = this.#variantKey(kwargs);
    let execute = this.#variants.get(key);
    if (!execute) {
      execute = this.#compile(kwargs)[1];
      if (this.#variants.size >= MAX_VARIANTS) this.#variants.delete(this.#variants.keys().next().value!);
      this.#variants.set(key, execute);
    }
    return execute;
  }

  /** Which keyed names `kwargs`, the loader's namespace or the defaults hold, as one number (a string past 30 names). */
  #variantKey(kwargs: Record<string, unknown>): number | string {
    const keyed = this.#plan.keyed;
    if (keyed.length <= 30) {
      let key = 0;
      for (let i = 0; i < keyed.length; i++) key = key * 2 + (this.#isPresent(keyed[i], kwargs) ? 1 : 0);
      return key;
    }
    let key = "";
    for (let i = 0; i < keyed.length; i++) key += this.#isPresent(keyed[i], kwargs) ? "1" : "0";
    return key;
  }

  /** True if `name` is an own enumerable property of `kwargs`, the loader's namespace or the defaults. */
  #isPresent(name: string, kwargs: Record<string, unknown>): boolean {
    return (
      propertyIsEnumerable.call(kwargs, name) ||
      propertyIsEnumerable.call(this.namespace, name) ||
      propertyIsEnumerable.call(DEFAULT_NAMESPACE, name)
    );
  }

  /** Compiles the template function for callers that pass the keyed names `kwargs` passes (all of them, if none are keyed). */
  #compile(kwargs: Record<string, unknown>): [string, Execute] {
    _templateStats.compilations++;
    const present = new Set(this.#plan.keyed.filter((name) => this.#isPresent(name, kwargs)));
    const bindings = bindNames(this.#plan, present);
    const bound = new Set([...this.#plan.locals, ...this.#plan.keyed]);
    const locals = [...this.#generated.locals.keys()].filter((name) => !bound.has(name));
    const source = [
      '"use strict";',
      "const _tt_str = _tt_rt.str, _tt_iter = _tt_rt.iter, _tt_isa = _tt_rt.isa, _tt_fail = _tt_rt.fail, _tt_def = _tt_rt.def;",
      "const _tt_named = _tt_rt.named, _tt_pe = _tt_rt.pe, _tt_none = _tt_rt.none, _tt_g = globalThis;",
      "return function _tt_execute(_tt_kw, _tt_lns) {",
      ...bindings.open,
      locals.length ? `  let ${locals.join(", ")};` : "  // (no other template locals)",
      '  let _tt_loc = 0, _tt_out = "";',
      "  try {",
      this.#generated.body,
      "  } catch (_tt_err) {",
      "    throw _tt_fail(_tt_err, _tt_loc);",
      "  }",
      "  return _tt_out;",
      bindings.close,
      "};",
      `//# sourceURL=tornado-template/${this.name.replace(SOURCE_URL_UNSAFE_RE, "_")}.js`,
    ].join("\n");
    let factory: Factory;
    try {
      factory = new Function("_tt_rt", source) as Factory;
    } catch (err) {
      if (err instanceof SyntaxError) throw locateSyntaxError(this.#generated, this.name, err);
      throw err;
    }
    return [source, factory(this.#runtime)];
  }
}

/** Options of `check()`. */
export interface CheckOptions {
  /** The template's name in error messages. Default `"<string>"`. */
  name?: string;
  /** Names the template will be given that are not Python-isms even if Python has them (a `None` of your own). */
  namespace?: Readonly<Record<string, unknown>>;
}

/**
 * Checks template text for Python-isms as strictly as debug mode does
 * (`strict_javascript`), without compiling it or loading the templates it
 * includes or extends: a test can run it over every template file.
 *
 * ```ts
 * template.check('{{ "%s" % name }}', { name: "page.html" }); // throws ParseError
 * ```
 * @throws ParseError for the first Python-ism, or a malformed directive.
 */
export function check(template_string: string | Uint8Array, options: CheckOptions = {}): void {
  const name = options.name ?? "<string>";
  const stub: CompiledTemplate = {
    name,
    autoescape: null,
    get _parsed(): ParsedFile {
      throw new Error("check() parses only");
    },
    generate(): Buffer {
      throw new Error("check() compiles nothing");
    },
  };
  parseTemplate(name, to_unicode(template_string), "all", stub, new ProvidedNames(true, options.namespace ?? {}));
}
