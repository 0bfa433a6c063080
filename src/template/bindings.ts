/**
 * How a template's compiled function binds the names its code reads, so that
 * one function serves every caller whatever names they pass.
 *
 * Each name is a local of the function, looked up on entry in `generate`'s
 * order of precedence: the kwargs, the loader's namespace, the defaults (own
 * enumerable properties, as for `Object.assign`), then the global object. A
 * name found nowhere must still raise a ReferenceError only where it is read,
 * so its `let` sits in a `switch` of its own that jumps over it when the name
 * is missing: the binding stays uninitialised, and reading it throws. The
 * template's body runs inside all those switches.
 *
 * `typeof x` of an uninitialised binding throws too, where `typeof` of an
 * undeclared name is `"undefined"`; so a name the code takes the `typeof` of
 * (and any past `MAX_SWITCHED_NAMES`) is instead declared or left undeclared
 * per call, which needs one compiled function per pattern of which of those
 * names are present ("keyed" names). Templates without them compile once.
 * @internal
 */

/** How many names get a switch of their own (each one nests the body one level deeper). */
export const MAX_SWITCHED_NAMES = 128;

/** How each name a template reads is bound. */
export interface NamePlan {
  /** Read, not assigned by the template, and not a global now: bound by a switch, or unbound when missing. */
  readonly switched: readonly string[];
  /** Read, not assigned by the template, and a global when compiled: always bound (the global as last resort). */
  readonly globals: readonly string[];
  /** Assigned by the template (`{% set %}`, `{% for %}` targets): from the namespaces, else `undefined`. */
  readonly locals: readonly string[];
  /** Declared only in the functions compiled for callers that pass them (see the module comment). */
  readonly keyed: readonly string[];
}

/**
 * Sorts `names` (the bindable names the template reads) by how they are bound.
 * `locals` are the names the template assigns; `typeofOperands` the names it
 * may take the `typeof` of.
 */
export function planNames(
  names: readonly string[],
  locals: ReadonlySet<string>,
  typeofOperands: ReadonlySet<string>,
): NamePlan {
  const plan = { switched: [] as string[], globals: [] as string[], locals: [] as string[], keyed: [] as string[] };
  for (const name of names) {
    if (locals.has(name)) plan.locals.push(name);
    else if (name in globalThis) plan.globals.push(name);
    else if (typeofOperands.has(name) || plan.switched.length >= MAX_SWITCHED_NAMES) plan.keyed.push(name);
    else plan.switched.push(name);
  }
  return plan;
}

/** The expression that finds `name` in the namespaces, else evaluates `fallback`. */
function lookup(name: string, fallback: string): string {
  const key = JSON.stringify(name);
  return (
    `_tt_pe.call(_tt_kw, ${key}) ? _tt_kw[${key}] : _tt_pe.call(_tt_lns, ${key}) ? _tt_lns[${key}] : ` +
    `_tt_pe.call(_tt_def, ${key}) ? _tt_def[${key}] : ${fallback}`
  );
}

/** The opening and closing lines around the template's body that bind the names of `plan`. */
export interface Prologue {
  readonly open: string[];
  readonly close: string;
}

/**
 * Generates the bindings of `plan`'s names, declaring of its keyed names
 * only those in `presentKeyed`.
 */
export function bindNames(plan: NamePlan, presentKeyed: ReadonlySet<string>): Prologue {
  const declarations: string[] = [];
  for (const name of plan.globals) declarations.push(`${name} = ${lookup(name, `_tt_g[${JSON.stringify(name)}]`)}`);
  for (const name of plan.locals) declarations.push(`${name} = ${lookup(name, "undefined")}`);
  for (const name of plan.keyed) {
    if (presentKeyed.has(name)) declarations.push(`${name} = ${lookup(name, "undefined")}`);
  }
  const open = declarations.length ? [`  let ${declarations.join(",\n    ")};`] : [];
  if (plan.switched.length) open.push("  let _tt_v;");
  for (const name of plan.switched) {
    const key = JSON.stringify(name);
    open.push(`  _tt_v = ${lookup(name, `${key} in _tt_g ? _tt_g[${key}] : _tt_none`)};`);
    open.push(`  switch (_tt_v === _tt_none) { case false: let ${name} = _tt_v; default:`);
  }
  return { open, close: "}".repeat(plan.switched.length) };
}

const UNINITIALISED_RE = /^Cannot access '([^']+)' before initialization$/;

/**
 * The error reading a switched name that was missing throws, as the
 * ReferenceError reading an undeclared name would have been (`x is not
 * defined`); any other error as it is.
 */
export function asUndefinedName(err: unknown, switched: ReadonlySet<string>): unknown {
  if (!(err instanceof ReferenceError)) return err;
  const name = UNINITIALISED_RE.exec(err.message)?.[1];
  if (name === undefined || !switched.has(name)) return err;
  const replaced = new ReferenceError(`${name} is not defined`);
  if (typeof err.stack === "string") replaced.stack = replaced.stack!.split("\n")[0] + err.stack.replace(/^.*/, "");
  return replaced;
}
