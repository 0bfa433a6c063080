/**
 * The types shared by the parser, the code generator, templates and
 * loaders: the parsed tree of a template file, and what the code generator
 * needs to know of a compiled template. Types only, importing nothing, so
 * the modules of src/template/ that use them never import each other for them.
 * @internal
 */

/**
 * What the parser and the code generator need of a compiled template
 * (`Template` is one): its name, its autoescape, its parsed file, and
 * `generate` for whoever holds one through a loader.
 */
export interface CompiledTemplate {
  /** The template's name (for a loaded template, its path relative to the loader). */
  readonly name: string;
  /** Name of the function that escapes `{{ }}` output, or null. */
  readonly autoescape: string | null;
  /** The parsed file. */
  readonly _parsed: ParsedFile;
  /** Runs the template and returns its output as UTF-8 bytes. */
  generate(kwargs?: Record<string, unknown>): Buffer;
}

/** Literal text, already whitespace-filtered. */
export interface TextNode {
  readonly kind: "text";
  readonly value: string;
}
/** `{{ expr }}`, `{% raw expr %}` or `{% module expr %}`. */
export interface ExpressionNode {
  readonly kind: "expression";
  readonly code: string;
  readonly line: number;
  readonly raw: boolean;
}
/** `{% set ... %}`. */
export interface StatementNode {
  readonly kind: "statement";
  readonly code: string;
  readonly names: readonly string[];
  readonly line: number;
}
/** One `if`/`elif`/`else` branch; `condition` is null for `else`. */
export interface Clause {
  readonly condition: string | null;
  readonly line: number;
  readonly body: Node[];
}
/** `{% if %}` with its `elif`s and `else`. */
export interface IfNode {
  readonly kind: "if";
  readonly clauses: Clause[];
}
/** `{% for %}` or `{% while %}`, with the `else` that runs when the loop was not broken. */
export interface LoopNode {
  readonly kind: "for" | "while";
  readonly line: number;
  /** for: the translated target; while: the condition. */
  readonly head: string;
  readonly iterable: string;
  readonly names: readonly string[];
  readonly body: Node[];
  readonly orelse: Node[] | null;
}
/** One `{% except %}` of a try. */
export interface Handler {
  readonly type: string | null;
  readonly name: string | null;
  readonly line: number;
  readonly body: Node[];
}
/** `{% try %}` with its `except`s, `else` and `finally`. */
export interface TryNode {
  readonly kind: "try";
  readonly line: number;
  readonly body: Node[];
  readonly handlers: Handler[];
  readonly orelse: Node[] | null;
  readonly finalbody: Node[] | null;
}
/** `{% apply fn %}`. */
export interface ApplyNode {
  readonly kind: "apply";
  readonly fn: string;
  readonly line: number;
  readonly body: Node[];
}
/** `{% block name %}`; `template` is the file that defines it. */
export interface BlockNode {
  readonly kind: "block";
  readonly name: string;
  readonly line: number;
  readonly body: Node[];
  readonly template: CompiledTemplate;
}
/** `{% include "name" %}`; `from` is the name of the including file. */
export interface IncludeNode {
  readonly kind: "include";
  readonly name: string;
  readonly from: string;
  readonly line: number;
}
/** `{% extends "name" %}`. */
export interface ExtendsNode {
  readonly kind: "extends";
  readonly name: string;
  readonly line: number;
}
/** `{% break %}` or `{% continue %}`. */
export interface JumpNode {
  readonly kind: "break" | "continue";
  readonly line: number;
}

/** Any node of a parsed template. */
export type Node =
  | TextNode
  | ExpressionNode
  | StatementNode
  | IfNode
  | LoopNode
  | TryNode
  | ApplyNode
  | BlockNode
  | IncludeNode
  | ExtendsNode
  | JumpNode;

/** A parsed file: its nodes, and the autoescape its last `{% autoescape %}` set, if any. */
export interface ParsedFile {
  readonly body: Node[];
  readonly autoescape: string | null | undefined;
  readonly extends: ExtendsNode | null;
}
