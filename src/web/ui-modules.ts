/**
 * Tornado's UI modules: `UIModule`, the base class of the reusable page parts templates call
 * with `{% module Name(...) %}`, the built-in modules `Template` (`TemplateModule`), `linkify`
 * and `xsrf_form_html`, and the loading of the `ui_modules` and `ui_methods` application
 * settings (`Application._load_ui_modules` / `_load_ui_methods` in Tornado).
 */
import { linkify, type LinkifyOptions } from "../escape";
import type { HTTPServerRequest } from "../httputil/request";
import type { Locale } from "../locale";
import type { HandlerCore, UINamespace } from "./handler-state";
import type { UIMethod } from "./settings";

/** What a `*_files` hook returns: one path or URL, or several. */
export type ResourceFiles = string | readonly string[] | null | undefined;

/**
 * A reusable part of a page, rendered in templates by `{% module Name(args) %}` once it is
 * listed in the `ui_modules` setting (or by `this.ui.modules.Name(args)` in a handler).
 * Subclasses override `render`; the other hooks add JavaScript, CSS and HTML that `render()`
 * of the handler puts into the page (before `</head>` or `</body>`). One instance is made per
 * handler per module name, on the module's first use in that handler's request.
 */
export class UIModule {
  /** The handler whose page this module renders into. */
  readonly handler: HandlerCore;
  /** The handler's request. */
  readonly request: HTTPServerRequest;
  /** The handler's `ui` namespace: its `ui_methods` and `modules`. */
  readonly ui: UINamespace;
  /** The handler's locale, as it was when the module was made. */
  readonly locale: Locale;

  /** Made by the handler on the module's first use; do not call it yourself. */
  constructor(handler: HandlerCore) {
    this.handler = handler;
    this.request = handler.request;
    this.ui = handler.ui;
    this.locale = handler.locale;
  }

  /** The handler's `current_user`. */
  get current_user(): unknown {
    return this.handler.current_user;
  }

  /**
   * Override to return this module's HTML (a string or bytes, inserted unescaped).
   * @throws Error when not overridden (Python's NotImplementedError).
   */
  render(..._args: any[]): string | Buffer {
    throw new Error(`${this.constructor.name}.render() is not implemented`);
  }

  /** Override to return JavaScript to embed in the page (in one `<script>` before `</body>`). */
  embedded_javascript(): string | null | undefined {
    return null;
  }

  /** Override to return the JavaScript files the module needs: relative paths go through `static_url`, absolute ones (`/`, `http:`, `https:`) are kept. */
  javascript_files(): ResourceFiles {
    return null;
  }

  /** Override to return CSS to embed in the page (in one `<style>` before `</head>`). */
  embedded_css(): string | null | undefined {
    return null;
  }

  /** Override to return the CSS files the module needs: relative paths go through `static_url`, absolute ones are kept. */
  css_files(): ResourceFiles {
    return null;
  }

  /** Override to return HTML to put at the end of the page's `<head>`. */
  html_head(): string | null | undefined {
    return null;
  }

  /** Override to return HTML to put at the end of the page's `<body>`. */
  html_body(): string | null | undefined {
    return null;
  }

  /** Renders template `path` with `kwargs` through the handler (`handler.render_string`) and returns the bytes. */
  render_string(path: string, kwargs: Record<string, unknown> = {}): Buffer {
    return this.handler.render_string(path, kwargs);
  }
}

/** A class of UI modules: `UIModule` or a subclass of it. */
export type UIModuleClass = new (handler: HandlerCore) => UIModule;

/** The built-in `linkify` module: `{% module linkify(text) %}`, the text with its URLs as links (options as `escape.linkify`'s). */
export class _linkify extends UIModule {
  /** The escaped text with its URLs made links. */
  render(text: string, options?: LinkifyOptions): string {
    return options === undefined ? linkify(text) : linkify(text, options);
  }
}

/** The built-in `xsrf_form_html` module: the handler's `xsrf_form_html()`. */
export class _xsrf_form_html extends UIModule {
  /** The hidden `_xsrf` input. */
  render(): string {
    return this.handler.xsrf_form_html();
  }
}

/** The resources a template of `TemplateModule` declares by calling `set_resources(...)`, named as the hooks of `UIModule`. */
export interface TemplateResources {
  embedded_javascript?: string;
  javascript_files?: string | readonly string[];
  embedded_css?: string;
  css_files?: string | readonly string[];
  html_head?: string;
  html_body?: string;
}

/**
 * The built-in `Template` module: `{% module Template("foo.html", {a: 1}) %}` renders
 * `foo.html` with its own namespace (the handler's plus the kwargs), unlike `{% include %}`.
 * The template can call `set_resources({javascript_files: ..., embedded_css: ..., ...})` to add
 * to the page what a `UIModule`'s hooks would; resources count once per template file, in the
 * order the files were first rendered.
 */
export class TemplateModule extends UIModule {
  private readonly _resource_list: TemplateResources[] = [];
  private readonly _resource_by_path = new Map<string, TemplateResources>();

  /**
   * Renders template `path` with `kwargs` and `set_resources`.
   * @throws Error when the template calls `set_resources` with resources other than the ones
   *   it gave for the same template earlier in the request.
   */
  render(path: string, kwargs: Record<string, unknown> = {}): Buffer {
    const set_resources = (resources: TemplateResources = {}): string => {
      const earlier = this._resource_by_path.get(path);
      if (earlier === undefined) {
        this._resource_list.push(resources);
        this._resource_by_path.set(path, resources);
      } else if (!sameResources(earlier, resources)) {
        throw new Error("set_resources called with different resources for the same template");
      }
      return "";
    };
    return this.render_string(path, { set_resources, ...kwargs });
  }

  /** The templates' `embedded_javascript`, one a line. */
  embedded_javascript(): string {
    return this._strings("embedded_javascript").join("\n");
  }

  /** The templates' `javascript_files`, in order. */
  javascript_files(): string[] {
    return this._files("javascript_files");
  }

  /** The templates' `embedded_css`, one a line. */
  embedded_css(): string {
    return this._strings("embedded_css").join("\n");
  }

  /** The templates' `css_files`, in order. */
  css_files(): string[] {
    return this._files("css_files");
  }

  /** The templates' `html_head`, joined. */
  html_head(): string {
    return this._strings("html_head").join("");
  }

  /** The templates' `html_body`, joined. */
  html_body(): string {
    return this._strings("html_body").join("");
  }

  private _strings(key: "embedded_javascript" | "embedded_css" | "html_head" | "html_body"): string[] {
    const found: string[] = [];
    for (const resources of this._resource_list) if (key in resources) found.push(String(resources[key]));
    return found;
  }

  private _files(key: "javascript_files" | "css_files"): string[] {
    const found: string[] = [];
    for (const resources of this._resource_list) {
      const files = resources[key];
      if (files === undefined) continue;
      if (typeof files === "string") found.push(files);
      else found.push(...files);
    }
    return found;
  }
}

/** Python's `!=` on the two kwargs dicts: the same keys, each with an equal string or list of strings. */
function sameResources(a: TemplateResources, b: TemplateResources): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => sameValue(a[key as keyof TemplateResources], b[key as keyof TemplateResources]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}

/** Tornado's built-in modules, which every application has before its `ui_modules`. */
export function builtinUIModules(): Record<string, UIModuleClass> {
  return { linkify: _linkify, xsrf_form_html: _xsrf_form_html, Template: TemplateModule };
}

/** A module namespace (`import * as m`), as ESM and the CommonJS that TypeScript compiles it to make it. */
function isModuleNamespace(value: object): boolean {
  return (
    Object.prototype.toString.call(value) === "[object Module]" ||
    (value as { __esModule?: unknown }).__esModule === true
  );
}

function isUIModuleClass(value: unknown): value is UIModuleClass {
  return typeof value === "function" && (value === UIModule || value.prototype instanceof UIModule);
}

function describe(value: unknown): string {
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The entries of a `ui_modules` / `ui_methods` setting value that is not a list. @throws TypeError for anything but an object. */
function entriesOf(setting: string, value: unknown): Array<[string, unknown]> {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `The '${setting}' setting must be an object, a module or a list of them, got ${describe(value)}`,
    );
  }
  return Object.entries(value);
}

/**
 * Adds the UI modules of `value` (the `ui_modules` setting) to `into`: an object of classes,
 * a module namespace (its `UIModule` subclasses; other exports are skipped, as Tornado skips
 * them), or a list of these.
 * @throws TypeError naming the entry when an object's entry is not a `UIModule` subclass.
 */
export function loadUIModules(value: unknown, into: Record<string, UIModuleClass>): void {
  if (Array.isArray(value)) {
    for (const item of value) loadUIModules(item, into);
    return;
  }
  const namespace = typeof value === "object" && value !== null && isModuleNamespace(value);
  for (const [name, cls] of entriesOf("ui_modules", value)) {
    if (isUIModuleClass(cls)) into[name] = cls;
    else if (!namespace) {
      throw new TypeError(`ui_modules entry '${name}' must be a UIModule subclass, got ${describe(cls)}`);
    }
  }
}

/**
 * Adds the UI methods of `value` (the `ui_methods` setting) to `into`: an object of functions,
 * a module namespace (its functions whose names start with a lower-case letter and not with
 * `_`, as Tornado takes them), or a list of these. Each is called with the handler first.
 * @throws TypeError naming the entry when an object's entry is not a function.
 */
export function loadUIMethods(value: unknown, into: Record<string, UIMethod>): void {
  if (Array.isArray(value)) {
    for (const item of value) loadUIMethods(item, into);
    return;
  }
  const namespace = typeof value === "object" && value !== null && isModuleNamespace(value);
  for (const [name, method] of entriesOf("ui_methods", value)) {
    if (namespace) {
      const taken = typeof method === "function" && !name.startsWith("_") && name[0].toLowerCase() === name[0];
      if (taken) into[name] = method as UIMethod;
    } else if (typeof method === "function") {
      into[name] = method as UIMethod;
    } else {
      throw new TypeError(`ui_methods entry '${name}' must be a function, got ${describe(method)}`);
    }
  }
}
