/**
 * `RequestHandler`'s UI modules and methods (Tornado's `self.ui`, `_ui_module`, `_ui_method`
 * and the part of `render()` that puts the modules' JavaScript, CSS and HTML into the page).
 * Functions of the handler (`HandlerCore`); internal.
 *
 * The `ui` namespace is made on its first read (a template render, or `this.ui` in a handler),
 * not with the handler as in Tornado: a request that renders nothing pays nothing for it.
 */
import { xhtml_escape } from "../escape";
import type { HandlerCore, UINamespace } from "./handler-state";
import type { UIMethod, UIModuleClassLike, UIModuleLike } from "./settings";

/** `ui`'s first read: the application's `ui_methods` bound to `h` by `h._ui_method`, and `modules` by `h._ui_module`. */
export function makeUI(h: HandlerCore): UINamespace {
  const ui: Record<string, unknown> = {};
  const methods = h.application.ui_methods;
  for (const name of Object.keys(methods)) ui[name] = h._ui_method(methods[name]);
  const modules: Record<string, (...args: any[]) => string> = {};
  const classes = h.application.ui_modules;
  for (const name of Object.keys(classes)) modules[name] = h._ui_module(name, classes[name]);
  ui.modules = modules;
  return ui as UINamespace;
}

/** `_ui_module()`: a function rendering with `h`'s instance of module `name` (made on first call). */
export function uiModuleRenderer(h: HandlerCore, name: string, module: UIModuleClassLike): (...args: any[]) => string {
  return (...args: any[]) => renderModule(h, name, module, args);
}

/** `_ui_method()`: `method` called with `h` first. */
export function uiMethodCaller(h: HandlerCore, method: UIMethod): (...args: any[]) => unknown {
  return (...args: any[]) => method(h, ...args);
}

function renderModule(h: HandlerCore, name: string, module: UIModuleClassLike, args: any[]): string {
  const active = (h._active_modules ??= new Map());
  let instance = active.get(name);
  if (instance === undefined) {
    instance = new module(h);
    active.set(name, instance);
  }
  const rendered = instance.render(...args);
  return typeof rendered === "string" ? rendered : Buffer.from(rendered).toString("utf8");
}

/** The parts of the page the active modules of a handler add, gathered in their order of first use. */
interface PageParts {
  js_embed: Buffer[];
  js_files: string[];
  css_embed: Buffer[];
  css_files: string[];
  html_heads: Buffer[];
  html_bodies: Buffer[];
}

function addFiles(into: string[], files: string | readonly string[] | null | undefined): void {
  if (!files) return;
  if (typeof files === "string") into.push(files);
  else into.push(...files);
}

function addText(into: Buffer[], text: string | null | undefined): void {
  if (text) into.push(Buffer.from(text, "utf8"));
}

function gatherParts(modules: Iterable<UIModuleLike>): PageParts {
  const parts: PageParts = {
    js_embed: [],
    js_files: [],
    css_embed: [],
    css_files: [],
    html_heads: [],
    html_bodies: [],
  };
  for (const module of modules) {
    addText(parts.js_embed, module.embedded_javascript());
    addFiles(parts.js_files, module.javascript_files());
    addText(parts.css_embed, module.embedded_css());
    addFiles(parts.css_files, module.css_files());
    addText(parts.html_heads, module.html_head());
    addText(parts.html_bodies, module.html_body());
  }
  return parts;
}

const NEWLINE = Buffer.from("\n");

/** `html` with `part` and a newline before the first (or, `last`, the last) `tag`. @throws Error when the page has no `tag`. */
function insertBefore(html: Buffer, tag: string, part: Buffer, last: boolean): Buffer {
  const at = last ? html.lastIndexOf(tag) : html.indexOf(tag);
  if (at < 0) throw new Error(`render(): the page has no ${tag} to put the UI modules' output before`);
  return Buffer.concat([html.subarray(0, at), part, NEWLINE, html.subarray(at)]);
}

/**
 * `render()`'s insertion of the active modules' output, as Tornado orders it: linked then
 * embedded JavaScript before the last `</body>`; linked CSS, embedded CSS and `html_head`
 * before the first `</head>`; `html_body` before the first `</body>`.
 * @throws Error when the page lacks the `</head>` or `</body>` a part goes before.
 */
export function insertModuleParts(h: HandlerCore, html: Buffer, modules: Iterable<UIModuleLike>): Buffer {
  const parts = gatherParts(modules);
  if (parts.js_files.length > 0) {
    html = insertBefore(html, "</body>", Buffer.from(h.render_linked_js(parts.js_files), "utf8"), true);
  }
  if (parts.js_embed.length > 0) html = insertBefore(html, "</body>", h.render_embed_js(parts.js_embed), true);
  if (parts.css_files.length > 0) {
    html = insertBefore(html, "</head>", Buffer.from(h.render_linked_css(parts.css_files), "utf8"), false);
  }
  if (parts.css_embed.length > 0) html = insertBefore(html, "</head>", h.render_embed_css(parts.css_embed), false);
  if (parts.html_heads.length > 0) html = insertBefore(html, "</head>", Buffer.concat(parts.html_heads), false);
  if (parts.html_bodies.length > 0) html = insertBefore(html, "</body>", Buffer.concat(parts.html_bodies), false);
  return html;
}

/** Tornado's `is_absolute`: a path starting with `/` (so `//host/...` too), `http:` or `https:`. */
function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("http:") || path.startsWith("https:");
}

/** The files' URLs (relative paths through `static_url`), each once, in their first order. */
function uniqueUrls(h: HandlerCore, files: Iterable<string>): string[] {
  const urls = new Set<string>();
  for (const path of files) urls.add(isAbsolute(path) ? path : h.static_url(path));
  return [...urls];
}

/** `render_linked_js()`'s default: a `<script src>` per file. */
export function linkedJs(h: HandlerCore, files: Iterable<string>): string {
  return uniqueUrls(h, files)
    .map((url) => `<script src="${xhtml_escape(url)}" type="text/javascript"></script>`)
    .join("");
}

/** `render_linked_css()`'s default: a `<link rel="stylesheet">` per file. */
export function linkedCss(h: HandlerCore, files: Iterable<string>): string {
  return uniqueUrls(h, files)
    .map((url) => `<link href="${xhtml_escape(url)}" type="text/css" rel="stylesheet"/>`)
    .join("");
}

/** `render_embed_js()`'s default: one `<script>` with the parts in a CDATA section, one a line. */
export function embedJs(parts: Iterable<Buffer>): Buffer {
  return Buffer.concat([
    Buffer.from('<script type="text/javascript">\n//<![CDATA[\n'),
    joinLines(parts),
    Buffer.from("\n//]]>\n</script>"),
  ]);
}

/** `render_embed_css()`'s default: one `<style>` with the parts, one a line. */
export function embedCss(parts: Iterable<Buffer>): Buffer {
  return Buffer.concat([Buffer.from('<style type="text/css">\n'), joinLines(parts), Buffer.from("\n</style>")]);
}

function joinLines(parts: Iterable<Buffer>): Buffer {
  const joined: Buffer[] = [];
  for (const part of parts) {
    if (joined.length > 0) joined.push(NEWLINE);
    joined.push(part);
  }
  return Buffer.concat(joined);
}
