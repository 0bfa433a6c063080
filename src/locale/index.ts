/**
 * Translation and localised formatting (Tornado's `tornado.locale`).
 *
 * ```ts
 * import { locale } from "tornado-ts";
 * locale.load_translations("translations"); // es_LA.csv, fr.csv...
 * const user_locale = locale.get("es_LA");
 * user_locale.translate("Sign out");
 * locale.percent_format(user_locale.translate("%(list)s is online", "%(list)s are online", people.length), {
 *   list: user_locale.list(people),
 * });
 * ```
 *
 * With no translations loaded, `translate` returns each message as it is.
 */
export {
  CONTEXT_SEPARATOR,
  CSVLocale,
  GettextLocale,
  Locale,
  type FormatDateOptions,
  type FormatDayOptions,
} from "./locale";
export { get, get_supported_locales, load_gettext_translations, load_translations, set_default_locale } from "./load";
export { LOCALE_NAMES } from "./data";
export { percent_format } from "./format";
export { MoFileError, MoTranslations } from "./mo";
export type { CsvTranslations, GettextTranslations } from "./state";
