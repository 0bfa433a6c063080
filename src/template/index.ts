/**
 * Tornado's template language, as `tornado.template`, with JavaScript
 * expressions. Each template is parsed once and compiled to a JavaScript
 * function; `generate()` returns the output as UTF-8 bytes.
 *
 * ```ts
 * import { template } from "tornado-ts";
 *
 * const loader = new template.DictLoader({
 *   "base.html": "<title>{% block title %}Site{% end %}</title>{% block body %}{% end %}",
 *   "page.html": `{% extends "base.html" %}
 * {% block body %}<ul>{% for item in items %}<li>{{ item }}</li>{% end %}</ul>{% end %}`,
 * });
 * loader.load("page.html").generate({ items: ["a", "<b>"] }).toString();
 * // "<title>Site</title><ul><li>a</li><li>&lt;b&gt;</li></ul>"
 * ```
 *
 * Syntax, as in Tornado: `{{ expr }}` (output, escaped by the autoescape
 * function), `{% raw expr %}` (unescaped), `{# comment #}`, `{{!` `{%!` `{#!`
 * (the delimiters as text); `if`/`elif`/`else`, `for`, `while`, `try`/
 * `except`/`else`/`finally`, `apply fn`, `block name` (each closed by
 * `{% end %}`); `break`, `continue`, `set`, `extends`, `include`,
 * `autoescape fn|None`, `whitespace all|single|oneline`, `comment ...`,
 * `module expr`.
 *
 * What differs from Python's Tornado, because expressions are JavaScript:
 * - `{{ }}` prints strings as they are, Buffers decoded as UTF-8, `null` and
 *   `undefined` as nothing, anything else with `String()`.
 * - `{% for x in items %}` and `{% for x of items %}` both iterate values:
 *   arrays, strings, Sets, generators, Maps (as `[key, value]` entries), and
 *   a plain object's keys, as Python iterates a dict. `k, v` and `i, (k, v)`
 *   unpack like Python; `{% for const {a, b} of rows %}` is plain JavaScript.
 * - Names assigned by `set`, `for` and `include`d files are locals of the
 *   whole template, as in Python (visible after the block that set them).
 *   `{% set a, b = 1, 2 %}` unpacks like Python.
 * - `{% except %}` catches everything, `{% except e %}` binds the error to
 *   `e`, `{% except TypeError as e %}` or `{% except (A, B) as e %}` catch by
 *   class.
 * - `{% apply fn %}` passes `fn` a string (Tornado passes bytes).
 * - `{% module expr %}` evaluates `modules.expr`, so the namespace needs a
 *   `modules` object.
 * - `{% import %}` and `{% from %}` are parse errors: pass functions and
 *   modules in the namespace instead. Tornado's `datetime` is not in the
 *   default namespace (reading it throws, naming `Date`).
 * - Python spellings in expressions are parse errors naming the JavaScript
 *   one: `"%s" % x`, `x if c else y`, `a and b`, `not x`, `x is y`,
 *   `[x for x in y]`, `f(a=1)`; with `strict_javascript` (debug mode) or
 *   `check()`, also `None`, `True`, `False`, `len(x)`, `datetime`,
 *   `.strftime(`.
 * - A runtime error is rethrown with ` (at page.html:12)` (or
 *   ` (at part.html:3 via page.html:12)`) added to its message, the original
 *   as `cause`; a JavaScript syntax error is a `ParseError` with file and line.
 *
 * Templates are code, with the full power of JavaScript: build them from
 * trusted text only, and pass user input as `generate()` arguments.
 */
export { Template, check } from "./template";
export type { TemplateOptions, CheckOptions } from "./template";
export { BaseLoader, Loader, DictLoader } from "./loader";
export type { LoaderOptions } from "./loader";
export type { TemplateLoader } from "./loading";
export { ParseError } from "./errors";
export { filter_whitespace } from "./whitespace";
export type { WhitespaceMode } from "./whitespace";
export { linkify } from "../escape";
export type { LinkifyOptions } from "../escape";
