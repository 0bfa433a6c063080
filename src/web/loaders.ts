/**
 * The template loaders `RequestHandler.render_string` uses, made once per application and
 * template directory and reused by every request. Internal: not exported by the package.
 */
import type { BaseLoader } from "../template";
import type { ApplicationLike } from "./settings";

const templateLoaders = new WeakMap<object, Map<string, BaseLoader>>();

/**
 * The loader for `templatePath` in `application`: made by `create` the first time, reset on
 * each later use when the `compiled_template_cache` setting is false.
 */
export function loaderFor<H>(
  application: ApplicationLike<H>,
  templatePath: string,
  create: (path: string) => BaseLoader,
): BaseLoader {
  let loaders = templateLoaders.get(application);
  if (loaders === undefined) {
    loaders = new Map();
    templateLoaders.set(application, loaders);
  }
  let loader = loaders.get(templatePath);
  if (loader === undefined) {
    loader = create(templatePath);
    loaders.set(templatePath, loader);
  } else if (application.settings.compiled_template_cache === false) {
    loader.reset();
  }
  return loader;
}
