/** `load_translations` (Tornado's CSV files) and `load_gettext_translations` (`.mo` catalogues). */
import * as fs from "node:fs";
import * as path from "node:path";
import { gen_log } from "../log";
import { decode_csv, parse_csv } from "./csv";
import { Locale } from "./locale";
import { MoTranslations } from "./mo";
import { state, supported_codes, type CsvTranslations, type GettextTranslations } from "./state";

const LOCALE_CODE = /^[a-z]+(_[A-Z]+)?$/;
const PLURAL_INDICATORS = new Set(["plural", "singular", "unknown"]);

/** Installs a new set of translations: the supported codes follow, and locales made before are forgotten. */
function install(translations: Map<string, CsvTranslations | GettextTranslations>, use_gettext: boolean): void {
  state.translations = translations;
  state.use_gettext = use_gettext;
  state.supported = supported_codes();
  Locale._cache.clear();
  gen_log.debug("Supported locales: %s", [...state.supported].sort().join(", "));
}

/** One CSV file's rows as a `CSVLocale`'s tables; rows with a bad plural indicator are logged and skipped. */
function readCsvTranslations(fullPath: string, fileName: string, encoding: string | undefined): CsvTranslations {
  const tables = new Map<string, Map<string, string>>();
  parse_csv(decode_csv(fs.readFileSync(fullPath), encoding)).forEach((fields, index) => {
    if (fields.length < 2) return;
    const row = fields.map((field) => field.trim());
    const plural = row[2] || "unknown";
    if (!PLURAL_INDICATORS.has(plural)) {
      gen_log.error("Unrecognized plural indicator %r in %s line %d", plural, fileName, index + 1);
      return;
    }
    let table = tables.get(plural);
    if (table === undefined) tables.set(plural, (table = new Map()));
    table.set(row[0], row[1]);
  });
  return tables;
}

/**
 * Loads translations from the CSV files of `directory`, replacing any loaded before. Each file is
 * named after its locale (`es_LA.csv`, `fr.csv`) and has rows `"message","translation"` with an
 * optional third column `"plural"`, `"singular"` or `"unknown"` (or empty): a message with both
 * forms has two rows, used by `translate(message, plural_message, count)`. Messages may hold
 * named placeholders, `%(name)s`. Without `encoding`, a file is UTF-16 if it starts with a UTF-16
 * byte-order mark, else UTF-8 with or without one; `encoding` takes Python's names (`utf-8`,
 * `utf-16`, `latin-1`...) or any the WHATWG `TextDecoder` knows. Files with other names are
 * logged and skipped, as are rows with an unknown plural indicator. Throws the `fs` error if the
 * directory cannot be read, `RangeError` for an unknown encoding.
 */
export function load_translations(directory: string, encoding?: string): void {
  const translations = new Map<string, CsvTranslations>();
  for (const fileName of fs.readdirSync(directory)) {
    if (!fileName.endsWith(".csv")) continue;
    const code = fileName.slice(0, -".csv".length);
    const fullPath = path.join(directory, fileName);
    if (!LOCALE_CODE.test(code)) {
      gen_log.error("Unrecognized locale %r (path: %s)", code, fullPath);
      continue;
    }
    translations.set(code, readCsvTranslations(fullPath, fileName, encoding));
  }
  install(translations, false);
}

/** `directory/<code>/LC_MESSAGES/<domain>.mo`, read, or undefined if there is no such file. */
function readCatalogue(directory: string, code: string, domain: string): MoTranslations | undefined {
  const file = path.join(directory, code, "LC_MESSAGES", `${domain}.mo`);
  if (!fs.existsSync(file)) return undefined;
  return new MoTranslations(fs.readFileSync(file));
}

/**
 * The catalogue for `code`, with the one of its language (`fr` for `fr_FR`) as fallback when
 * there is one, as Python's `gettext.translation` chains them.
 */
function catalogueWithFallback(directory: string, code: string, domain: string): MoTranslations {
  const catalogue = readCatalogue(directory, code, domain) as MoTranslations;
  const language = code.split(/[_.@]/)[0];
  if (language !== code) catalogue.fallback = readCatalogue(directory, language, domain);
  return catalogue;
}

/**
 * Loads gettext catalogues from a tree laid out as `/usr/share/locale` is:
 * `directory/<code>/LC_MESSAGES/<domain>.mo` (e.g. `locale/pt_BR/LC_MESSAGES/myapp.mo`, compiled
 * with `msgfmt myapp.po -o ...`), replacing any translations loaded before; `Locale.get` then
 * makes `GettextLocale`s. A file that cannot be read as a catalogue is logged and skipped. Throws
 * the `fs` error if `directory` cannot be read.
 */
export function load_gettext_translations(directory: string, domain: string): void {
  const translations = new Map<string, GettextTranslations>();
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    if (!fs.existsSync(path.join(directory, entry.name, "LC_MESSAGES", `${domain}.mo`))) continue;
    try {
      translations.set(entry.name, catalogueWithFallback(directory, entry.name, domain));
    } catch (err) {
      gen_log.error(
        "Cannot load translation for '%s': %s",
        entry.name,
        String(err instanceof Error ? err.message : err),
      );
    }
  }
  install(translations, true);
}

/**
 * Sets the locale the application's own strings are written in (default `en_US`): it is always
 * supported, needs no translation file, and is what `get` returns when nothing closer is.
 */
export function set_default_locale(code: string): void {
  state.default_locale = code;
  state.supported = supported_codes();
}

/** The supported locale codes: those with translations loaded, and the default locale. */
export function get_supported_locales(): ReadonlySet<string> {
  return state.supported;
}

/**
 * The closest supported locale to the given codes, tried in order (`get("es_LA", "en")`): see
 * `Locale.get_closest`.
 */
export function get(...codes: readonly (string | null | undefined)[]): Locale {
  return Locale.get_closest(...codes);
}
