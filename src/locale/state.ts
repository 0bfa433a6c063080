/** What `load_translations`, `load_gettext_translations` and `set_default_locale` set, module-wide as in Tornado. */

/** A CSV locale's strings: for each plural indicator (`plural`, `singular`, `unknown`), message to translation. */
export type CsvTranslations = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What a `GettextLocale` asks its catalogue: Python's `NullTranslations` methods. */
export interface GettextTranslations {
  /** The translation of `message`, or `message` itself. */
  gettext(message: string): string;
  /** The form of `singular`/`plural` for `count`. */
  ngettext(singular: string, plural: string, count: number): string;
}

interface LocaleState {
  default_locale: string;
  translations: ReadonlyMap<string, CsvTranslations | GettextTranslations>;
  supported: ReadonlySet<string>;
  use_gettext: boolean;
}

/** The module's state; `Locale.get` reads it. */
export const state: LocaleState = {
  default_locale: "en_US",
  translations: new Map(),
  supported: new Set(["en_US"]),
  use_gettext: false,
};

/** The supported codes: the loaded locales and the default one. */
export function supported_codes(): ReadonlySet<string> {
  return new Set([...state.translations.keys(), state.default_locale]);
}
