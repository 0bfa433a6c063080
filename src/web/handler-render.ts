/**
 * `RequestHandler`'s templates and URLs: `render` / `render_string` with the application's
 * cached loaders, the default template namespace, the template loader from the settings,
 * `static_url` and `reverse_url`. Functions of the handler (`HandlerCore`); internal.
 */
import { Loader, type BaseLoader, type LoaderOptions } from "../template";
import type { HandlerCore, TemplateHelpers } from "./handler-state";
import { localeFunctions } from "./handler-locale";
import { insertModuleParts } from "./handler-ui";
import { loaderFor } from "./loaders";

/** `render()`: `render_string`, the UI modules' JavaScript, CSS and HTML put in, then `finish()` with it. */
export function render(h: HandlerCore, template_name: string, kwargs: Record<string, unknown>): Promise<void> {
  if (h._finished) throw new Error("Cannot render() after finish()");
  let html = h.render_string(template_name, kwargs);
  if (h._active_modules !== null) html = insertModuleParts(h, html, h._active_modules.values());
  return h.finish(html);
}

/** `render_string()`: the template from the loader of `get_template_path()`, with `get_template_namespace()` and `kwargs`. */
export function renderString(h: HandlerCore, template_name: string, kwargs: Record<string, unknown>): Buffer {
  const loader = loaderFor(h.application, h.get_template_path() ?? process.cwd(), (path) =>
    h.create_template_loader(path),
  );
  return loader.load(template_name).generate({ ...h.get_template_namespace(), ...kwargs });
}

/** Makes `h`'s `TemplateHelpers`. */
function makeTemplateHelpers(h: HandlerCore): TemplateHelpers {
  return {
    static_url: (path, include_host, options) => h.static_url(path, include_host, options),
    xsrf_form_html: () => h.xsrf_form_html(),
    reverse_url: (name, ...args) => h.reverse_url(name, ...args),
  };
}

/**
 * `get_template_namespace()`'s default: the handler, its request, its `current_user` and its
 * `locale` (with `_` and `pgettext`, its translate functions) as they are now, the handler's
 * `TemplateHelpers`, and its `ui` (the `ui_methods` and `modules`).
 */
export function templateNamespace(h: HandlerCore): Record<string, unknown> {
  const helpers = (h._template_helpers ??= makeTemplateHelpers(h));
  const locale = h.locale;
  const translation = localeFunctions(locale);
  const namespace: Record<string, unknown> = {
    handler: h,
    request: h.request,
    current_user: h.current_user,
    locale,
    _: translation._,
    pgettext: translation.pgettext,
    static_url: helpers.static_url,
    xsrf_form_html: helpers.xsrf_form_html,
    reverse_url: helpers.reverse_url,
  };
  return Object.assign(namespace, h.ui);
}

/** `static_url()`: the application's versioned static URL, absolute with `include_host`. */
export function staticUrl(
  h: HandlerCore,
  path: string,
  include_host: boolean | null | undefined,
  include_version: boolean,
): string {
  h.require_setting("static_path", "static_url");
  const base = include_host ? `${h.request.protocol}://${h.request.host}` : "";
  return base + h.application._make_static_url(path, include_version);
}

/**
 * `create_template_loader()`'s default: the `template_loader` setting, else a `Loader` with
 * `autoescape` and `template_whitespace`, strict about Python names in debug mode.
 */
export function createTemplateLoader(h: HandlerCore, template_path: string): BaseLoader {
  const settings = h.settings;
  if (settings.template_loader) return settings.template_loader as BaseLoader;
  const options: LoaderOptions = { strict_javascript: settings.debug === true };
  if ("autoescape" in settings) options.autoescape = settings.autoescape as string | null;
  if ("template_whitespace" in settings) options.whitespace = settings.template_whitespace as string;
  return new Loader(template_path, options);
}
