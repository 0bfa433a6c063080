import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locale } from "../src";
import { parse_csv } from "../src/locale/csv";
import { compile_plural } from "../src/locale/plural";
import { gen_log } from "../src/log";
import { ExpectLog } from "../src/testing";
import { expectLinear } from "./support/linearity";

const { CSVLocale, GettextLocale, Locale, MoFileError, MoTranslations } = locale;
const FIXTURES = join(__dirname, "fixtures", "locale");
const CSV_DIR = join(FIXTURES, "csv");
const GETTEXT_DIR = join(FIXTURES, "gettext");

let scratch: string;

/** Back to the module's first state: no translations, `en_US` the default, no cached locales. */
function resetLocales(): void {
  locale.set_default_locale("en_US");
  locale.load_translations(scratch);
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "tornado-ts-locale-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(resetLocales);
afterEach(() => jest.restoreAllMocks());

/** Loads the CSV fixtures, expecting the two complaints they are built to cause. */
function loadCsvFixtures(): void {
  const badRow = new ExpectLog(gen_log, /^Unrecognized plural indicator "sometimes" in fr_FR\.csv line 11$/);
  const badName = new ExpectLog(gen_log, /^Unrecognized locale "not-a-locale" \(path: .*not-a-locale\.csv\)$/);
  locale.load_translations(CSV_DIR);
  badRow.finish();
  badName.finish();
}

describe("CSV translations", () => {
  beforeEach(loadCsvFixtures);

  test("a CSV file gives a CSVLocale translating its messages", () => {
    const fr = locale.get("fr_FR");
    expect(fr).toBeInstanceOf(CSVLocale);
    expect(fr.code).toBe("fr_FR");
    expect(fr.name).toBe("Français");
    expect(fr.translate("school")).toBe("école");
    expect(fr.translate("not in the file")).toBe("not in the file");
  });

  test("only files named after a locale count, and the default locale is always supported", () => {
    expect([...locale.get_supported_locales()].sort()).toEqual(["en_US", "es", "fr_FR"]);
  });

  test("singular and plural rows are chosen by count; without a count the unknown rows", () => {
    const fr = locale.get("fr_FR");
    expect(fr.translate("%(name)s liked this", "%(name)s liked this", 1)).toBe("%(name)s a aimé ça");
    expect(fr.translate("%(name)s liked this", "%(name)s liked this", 2)).toBe("%(name)s ont aimé ça");
    expect(fr.translate("%(name)s liked this", "%(name)s liked this", 0)).toBe("%(name)s ont aimé ça");
    expect(fr.translate("%(name)s liked this")).toBe("%(name)s liked this");
    expect(fr.translate("apple", "apples", 3)).toBe("apples");
    expect(fr.translate("apple", "apples", 1)).toBe("apple");
  });

  test("quoted fields keep doubled quotes and line breaks; short rows and bad indicators are skipped", () => {
    const fr = locale.get("fr_FR");
    expect(fr.translate('He said "hello"')).toBe('Il a dit "bonjour"');
    expect(fr.translate("two\nlines")).toBe("deux\nlignes");
    expect(fr.translate("bad row")).toBe("bad row");
    expect(fr.translate("short row")).toBe("short row");
  });

  test("a plural message needs a count", () => {
    expect(() => locale.get("fr_FR").translate("apple", "apples")).toThrow("count is required");
  });

  test("pgettext translates without the context and warns when the locale has translations", async () => {
    const fr = locale.get("fr_FR");
    await expect(
      ExpectLog.around(gen_log, /^pgettext is not supported by CSVLocale$/, () => fr.pgettext("place", "school")),
    ).resolves.toBe("école");
    const warned = new ExpectLog(gen_log, /pgettext/, { required: false });
    expect(locale.get("en_US").pgettext("place", "school")).toBe("school");
    warned.finish();
    expect(warned.matched).toBe(0);
  });

  test("the translated list and date words are used by list and format_day", () => {
    const fr = locale.get("fr_FR");
    expect(fr.list(["A", "B", "C"])).toBe("A, B et C");
    expect(fr.format_day(new Date(Date.UTC(2013, 0, 6, 18, 5)))).toBe("dimanche 6 janvier");
  });

  test("a non-English locale writes times on a 24-hour clock", () => {
    const fr = locale.get("fr_FR");
    const date = new Date(Date.UTC(2013, 0, 6, 18, 5));
    expect(fr.format_date(date, { full_format: true })).toBe("6 janvier 2013 à 18:05");
    expect(locale.get("es").format_date(new Date(Date.UTC(2013, 3, 28, 9, 7)), 0, true, false, true)).toBe(
      "April 28, 2013 at 9:07",
    );
  });
});

describe("CSV encodings", () => {
  let dir: string;
  const text = readFileSync(join(CSV_DIR, "es.csv"), "utf8");
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tornado-ts-csv-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const utf16be = (s: string) => Buffer.from(Buffer.from(s, "utf16le")).swap16();
  test.each<[string, Buffer, string | undefined]>([
    ["UTF-8 with a byte-order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), undefined],
    [
      "UTF-16 little-endian with its mark",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
      undefined,
    ],
    ["UTF-16 big-endian with its mark", Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), undefined],
    ["Latin-1, named", Buffer.from('"café","cafetería"\n"school","escuela"\n', "latin1"), "latin-1"],
  ])("%s", (_name, bytes, encoding) => {
    writeFileSync(join(dir, "es.csv"), bytes);
    locale.load_translations(dir, encoding);
    const es = locale.get("es");
    expect(es).toBeInstanceOf(CSVLocale);
    expect(es.translate("school")).toBe("escuela");
    if (encoding !== undefined) expect(es.translate("café")).toBe("cafetería");
  });

  test("latin-1 is ISO-8859-1, each byte its code point (not windows-1252)", () => {
    writeFileSync(join(dir, "es.csv"), Buffer.from('"euro","\x80"\n', "latin1"));
    locale.load_translations(dir, "latin_1");
    expect(locale.get("es").translate("euro")).toBe("\x80");
  });

  test("an encoding Node does not know is an error", () => {
    writeFileSync(join(dir, "es.csv"), text);
    expect(() => locale.load_translations(dir, "no-such-codec")).toThrow(/"no-such-codec" encoding is not supported/);
  });
});

describe("gettext translations", () => {
  beforeEach(() => {
    const bad = new ExpectLog(gen_log, /^Cannot load translation for 'de': Bad magic number$/);
    locale.load_gettext_translations(GETTEXT_DIR, "tornado_test");
    bad.finish();
  });

  test("each readable catalogue gives a supported GettextLocale", () => {
    expect([...locale.get_supported_locales()].sort()).toEqual(["en_US", "fr", "fr_FR", "pl"]);
    const fr = locale.get("fr_FR");
    expect(fr).toBeInstanceOf(GettextLocale);
    expect(fr.translate("school")).toBe("école");
  });

  test("pgettext picks the message of the context, with plural forms", () => {
    const fr = locale.get("fr_FR");
    expect(fr.pgettext("law", "right")).toBe("le droit");
    expect(fr.pgettext("good", "right")).toBe("le bien");
    expect(fr.pgettext("organization", "club", "clubs", 1)).toBe("le club");
    expect(fr.pgettext("organization", "club", "clubs", 2)).toBe("les clubs");
    expect(fr.pgettext("stick", "club", "clubs", 1)).toBe("le bâton");
    expect(fr.pgettext("stick", "club", "clubs", 2)).toBe("les bâtons");
  });

  test("the catalogue's Plural-Forms decides: French counts 0 as singular", () => {
    const fr = locale.get("fr_FR");
    expect(fr.pgettext("organization", "club", "clubs", 0)).toBe("le club");
    expect(fr.translate("%(name)s liked this", "%(name)s liked this", 0)).toBe("%(name)s a aimé ça");
    expect(fr.translate("%(name)s liked this", "%(name)s liked this", 2)).toBe("%(name)s ont aimé ça");
  });

  test("an unknown context gives the message untranslated; with a plural, the translation without context", () => {
    const fr = locale.get("fr_FR");
    expect(fr.pgettext("building", "school")).toBe("school");
    expect(fr.pgettext("building", "right")).toBe("right");
    expect(fr.pgettext("building", "%(name)s liked this", "%(name)s liked this", 5)).toBe("%(name)s ont aimé ça");
    expect(fr.pgettext("building", "car", "cars", 5)).toBe("cars");
    expect(fr.pgettext("building", "car", "cars", 1)).toBe("car");
  });

  test("fr_FR falls back to the fr catalogue for what it lacks", () => {
    expect(locale.get("fr_FR").translate("library")).toBe("bibliothèque");
    expect(locale.get("fr").translate("school")).toBe("l'école (fr)");
  });

  test("three plural forms, and a catalogue in ISO-8859-2", () => {
    const pl = locale.get("pl");
    expect([1, 2, 5, 22, 25, 112].map((n) => pl.translate("file", "files", n))).toEqual([
      "plik",
      "pliki",
      "plików",
      "pliki",
      "plików",
      "plików",
    ]);
    expect(pl.translate("bee")).toBe("pszczoła");
  });

  test("loading other translations forgets the locales made before", () => {
    expect(locale.get("fr_FR")).toBeInstanceOf(GettextLocale);
    loadCsvFixtures();
    expect(locale.get("fr_FR")).toBeInstanceOf(CSVLocale);
  });
});

describe(".mo files", () => {
  const littleEndian = readFileSync(join(GETTEXT_DIR, "fr_FR", "LC_MESSAGES", "tornado_test.mo"));

  test("a big-endian file reads as the little-endian one", () => {
    const big = new MoTranslations(readFileSync(join(FIXTURES, "big-endian.mo")));
    const little = new MoTranslations(littleEndian);
    expect(littleEndian.readUInt32LE(0)).toBe(0x950412de);
    expect(big.gettext("school")).toBe("école");
    expect(big.ngettext("stick\x04club", "stick\x04clubs", 2)).toBe(
      little.ngettext("stick\x04club", "stick\x04clubs", 2),
    );
    expect(big.info.get("plural-forms")).toBe("nplurals=2; plural=(n > 1);");
  });

  test("a file that is not a catalogue, or is cut short, is a MoFileError", () => {
    expect(() => new MoTranslations(Buffer.from("not a catalogue, really"))).toThrow(MoFileError);
    expect(() => new MoTranslations(littleEndian.subarray(0, 40))).toThrow("File is corrupt");
    const future = Buffer.from(littleEndian);
    future.writeUInt32LE(2 << 16, 4);
    expect(() => new MoTranslations(future)).toThrow("Bad version number 2");
  });

  test("without Plural-Forms, the singular is for 1 only", () => {
    const header = "Content-Type: text/plain; charset=UTF-8\n";
    const catalogue = new MoTranslations(
      buildMo([
        ["", header],
        ["cat\0cats", "chat\0chats"],
      ]),
    );
    expect([0, 1, 2].map((n) => catalogue.ngettext("cat", "cats", n))).toEqual(["chats", "chat", "chats"]);
    expect(catalogue.gettext("cat")).toBe("chat");
  });
});

/** A little-endian `.mo` file of these (original, translation) pairs, sorted as msgfmt sorts them. */
function buildMo(pairs: [string, string][]): Buffer {
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : 1));
  const strings = sorted.flat().map((s) => Buffer.from(s + "\0"));
  const header = Buffer.alloc(28 + strings.length * 8);
  header.writeUInt32LE(0x950412de, 0);
  header.writeUInt32LE(sorted.length, 8);
  header.writeUInt32LE(28, 12);
  header.writeUInt32LE(28 + sorted.length * 8, 16);
  let offset = header.length;
  sorted.forEach((_, i) => {
    for (const [table, s] of [
      [0, 2 * i],
      [1, 2 * i + 1],
    ]) {
      header.writeUInt32LE(strings[s].length - 1, 28 + table * sorted.length * 8 + i * 8);
      header.writeUInt32LE(offset, 28 + table * sorted.length * 8 + i * 8 + 4);
      offset += strings[s].length;
    }
  });
  return Buffer.concat([header, ...strings]);
}

describe("get_closest", () => {
  beforeEach(loadCsvFixtures);

  test.each<[string, (string | null | undefined)[], string]>([
    ["an exact code", ["fr_FR"], "fr_FR"],
    ["a browser's spelling", ["fr-fr"], "fr_FR"],
    ["the language of an unsupported region", ["es_LA"], "es"],
    ["the first code that matches", ["de_DE", "es-MX", "fr_FR"], "es"],
    ["empty and missing codes skipped", ["", null, undefined, "fr_FR"], "fr_FR"],
    ["codes of three parts skipped", ["fr_FR_x", "es"], "es"],
    ["nothing close: the default", ["de", "fr"], "en_US"],
    ["no codes: the default", [], "en_US"],
  ])("%s", (_name, codes, expected) => {
    expect(locale.get(...codes).code).toBe(expected);
    expect(Locale.get_closest(...codes)).toBe(locale.get(...codes));
  });

  test("set_default_locale changes the fallback and is supported without a file", () => {
    locale.set_default_locale("es_LA");
    expect(locale.get("de").code).toBe("es_LA");
    expect(locale.get_supported_locales().has("es_LA")).toBe(true);
    expect(locale.get_supported_locales().has("en_US")).toBe(false);
  });

  test("Locale.get wants a supported code", () => {
    expect(() => Locale.get("de_DE")).toThrow('unsupported locale "de_DE"');
    expect(Locale.get("es")).toBe(Locale.get("es"));
  });
});

describe("names and direction", () => {
  test("LOCALE_NAMES has each language's own name", () => {
    expect(locale.LOCALE_NAMES.es_LA).toEqual({ name_en: "Spanish", name: "Español" });
    expect(Buffer.from(locale.LOCALE_NAMES.es_LA.name)).toEqual(
      Buffer.from([0x45, 0x73, 0x70, 0x61, 0xc3, 0xb1, 0x6f, 0x6c]),
    );
  });

  test.each([
    ["ar_AR", "العربية", true],
    ["he_IL", "עברית", true],
    ["fa_IR", "فارسی", true],
    ["de_DE", "Deutsch", false],
    ["xx", "Unknown", false],
    ["constructor", "Unknown", false],
  ])("%s", (code, name, rtl) => {
    locale.set_default_locale(code);
    const l = locale.get();
    expect({ name: l.name, rtl: l.rtl }).toEqual({ name, rtl });
  });

  test("Farsi joins a list with its own conjunction", () => {
    locale.set_default_locale("fa_IR");
    expect(locale.get().list(["A", "B", "C"])).toBe("A \u0648 B and C");
  });
});

describe("English formatting", () => {
  const en = () => locale.get("en_US");

  test("format_date with full_format", () => {
    expect(en().format_date(new Date(Date.UTC(2013, 3, 28, 18, 35)), { full_format: true })).toBe(
      "April 28, 2013 at 6:35 pm",
    );
    expect(en().format_date(Date.UTC(2013, 3, 28, 0, 5) / 1000, 0, true, false, true)).toBe(
      "April 28, 2013 at 12:05 am",
    );
    expect(en().format_date(new Date(Date.UTC(2013, 3, 28, 12, 0)), { full_format: true, shorter: true })).toBe(
      "April 28, 2013",
    );
  });

  test("gmt_offset is minutes behind UTC", () => {
    const date = new Date(Date.UTC(2013, 3, 28, 2, 35));
    expect(en().format_date(date, { gmt_offset: 300, full_format: true })).toBe("April 27, 2013 at 9:35 pm");
    expect(en().format_day(date, 300)).toBe("Saturday, April 27");
    expect(en().format_day(date, { gmt_offset: -60, dow: false })).toBe("April 28");
  });

  test("relative dates against the real clock, as Tornado's test", () => {
    const now = Date.now();
    const ago = (ms: number) => new Date(now - ms);
    expect(en().format_date(ago(2_000))).toBe("2 seconds ago");
    expect(en().format_date(ago(120_000))).toBe("2 minutes ago");
    expect(en().format_date(ago(7_200_000))).toBe("2 hours ago");
    expect(en().format_date(ago(86_400_000), { shorter: true })).toBe("yesterday");
    const twoDays = ago(2 * 86_400_000);
    expect(en().format_date(twoDays, { shorter: true })).toBe(en()._weekdays[(twoDays.getUTCDay() + 6) % 7]);
    const days300 = ago(300 * 86_400_000);
    expect(en().format_date(days300, { shorter: true })).toBe(
      `${en()._months[days300.getUTCMonth()]} ${days300.getUTCDate()}`,
    );
    const days500 = ago(500 * 86_400_000);
    expect(en().format_date(days500, { shorter: true })).toBe(
      `${en()._months[days500.getUTCMonth()]} ${days500.getUTCDate()}, ${days500.getUTCFullYear()}`,
    );
  });

  describe("relative dates with a fixed now (Sunday 2013-04-28 12:00 UTC)", () => {
    const NOW = Date.UTC(2013, 3, 28, 12, 0);
    beforeEach(() => jest.spyOn(Date, "now").mockReturnValue(NOW));
    const at = (...fields: [number, number, number, number?, number?]) => new Date(Date.UTC(2013, ...fields));
    const secondsAgo = (s: number) => new Date(NOW - s * 1000);

    test.each<[string, Date, string]>([
      ["now", secondsAgo(0), "0 seconds ago"],
      ["one second", secondsAgo(1), "1 second ago"],
      ["49 seconds", secondsAgo(49), "49 seconds ago"],
      ["50 seconds is a minute", secondsAgo(50), "1 minute ago"],
      ["90 seconds rounds to 2 minutes", secondsAgo(90), "2 minutes ago"],
      ["150 seconds rounds half to even: 2 minutes", secondsAgo(150), "2 minutes ago"],
      ["49 minutes 59 seconds", secondsAgo(2999), "50 minutes ago"],
      ["50 minutes is an hour", secondsAgo(3000), "1 hour ago"],
      ["1.5 hours rounds to 2", secondsAgo(5400), "2 hours ago"],
      ["2.5 hours rounds half to even: 2", secondsAgo(9000), "2 hours ago"],
      ["23 hours", secondsAgo(23 * 3600), "23 hours ago"],
      ["30 seconds ahead is now", secondsAgo(-30), "0 seconds ago"],
      ["2 minutes ahead: the full date", secondsAgo(-120), "April 28, 2013 at 12:02 pm"],
      ["yesterday", at(3, 27, 10, 0), "yesterday at 10:00 am"],
      ["two days ago, but one day and a half", at(3, 26, 13, 0), "Friday at 1:00 pm"],
      ["four days", at(3, 24, 9, 5), "Wednesday at 9:05 am"],
      ["five days", at(3, 23, 9, 5), "April 23 at 9:05 am"],
      ["333 days", new Date(NOW - 333 * 86_400_000), "May 30 at 12:00 pm"],
      ["334 days", new Date(NOW - 334 * 86_400_000), "May 29, 2012 at 12:00 pm"],
    ])("%s", (_name, date, expected) => {
      expect(en().format_date(date)).toBe(expected);
    });

    test("not relative: the time today, then the same words without 'yesterday'", () => {
      expect(en().format_date(at(3, 28, 8, 0), { relative: false })).toBe("8:00 am");
      expect(en().format_date(at(3, 27, 10, 0), { relative: false })).toBe("Saturday at 10:00 am");
      expect(en().format_date(secondsAgo(-30), { relative: false })).toBe("April 28, 2013 at 12:00 pm");
    });

    test("yesterday is read on the user's clock", () => {
      // 25 hours before now is the 27th in UTC, but the 26th, the day before yesterday, in UTC-12.
      expect(en().format_date(secondsAgo(25 * 3600), { shorter: true })).toBe("yesterday");
      expect(en().format_date(secondsAgo(25 * 3600), { gmt_offset: 720, shorter: true })).toBe("Friday");
    });

    test("Chinese writes the half of the day before the time", () => {
      locale.set_default_locale("zh_CN");
      expect(locale.get().format_date(at(3, 27, 10, 0))).toBe("yesterday at \u4e0a\u534810:00");
      expect(locale.get().format_date(at(3, 28, 0, 0), { relative: false })).toBe("\u4e0a\u534812:00");
      expect(locale.get().format_date(at(3, 23, 18, 30))).toBe("Tuesday at \u4e0b\u53486:30");
    });
  });

  test("options left undefined take their defaults", () => {
    const date = new Date(Date.UTC(2013, 3, 28, 18, 35));
    const options = { gmt_offset: undefined, relative: undefined, shorter: undefined, full_format: true };
    expect(en().format_date(date, options)).toBe("April 28, 2013 at 6:35 pm");
    expect(en().format_day(date, { gmt_offset: undefined, dow: undefined })).toBe("Sunday, April 28");
  });

  test("format_day", () => {
    const date = new Date(Date.UTC(2013, 3, 28, 18, 35));
    expect(en().format_day(date)).toBe("Sunday, April 28");
    expect(en().format_day(date, 0, false)).toBe("April 28");
    expect(en().format_day(date, { dow: false })).toBe("April 28");
  });

  test("an invalid date is a TypeError", () => {
    expect(() => en().format_date(new Date(NaN))).toThrow(TypeError);
    expect(() => en().format_day(Number.NaN)).toThrow(TypeError);
  });

  test("list", () => {
    expect(en().list([])).toBe("");
    expect(en().list(["A"])).toBe("A");
    expect(en().list(["A", "B"])).toBe("A and B");
    expect(en().list(["A", "B", "C"])).toBe("A, B and C");
  });

  test("friendly_number groups thousands in English only", () => {
    expect(en().friendly_number(1000000)).toBe("1,000,000");
    expect(en().friendly_number(999)).toBe("999");
    expect(en().friendly_number(1234)).toBe("1,234");
    expect(en().friendly_number(12345678901234567890n)).toBe("12,345,678,901,234,567,890");
    locale.set_default_locale("de_DE");
    expect(locale.get().friendly_number(1000000)).toBe("1000000");
  });
});

describe("percent_format", () => {
  test("named placeholders as Python's % with a dict", () => {
    expect(locale.percent_format("%(name)s has %(n)d new %%", { name: "Ada", n: 2.7 })).toBe("Ada has 2 new %");
    expect(locale.percent_format("%(h)d:%(m)02d|%(s)-4s|%(s)4s", { h: 9, m: 5, s: "x" })).toBe("9:05|x   |   x");
    expect(locale.percent_format("%(n)03d", { n: -5 })).toBe("-05");
  });

  test("a missing value or a %d of text is an error", () => {
    expect(() => locale.percent_format("%(name)s", {})).toThrow("no value for %(name)s");
    expect(() => locale.percent_format("%(toString)s", {})).toThrow("no value");
    expect(() => locale.percent_format("%(n)d", { n: "two" })).toThrow(TypeError);
  });
});

describe("parse_csv reads as Python's csv.reader", () => {
  // Expected rows printed by Python 3's csv.reader(io.StringIO(text, newline=None)), blank rows dropped.
  test.each<[string, string[][]]>([
    ['"a","b"\n', [["a", "b"]]],
    ["a,b,c", [["a", "b", "c"]]],
    ['"a""b",c\r\n\r\nx', [['a"b', "c"], ["x"]]],
    ['"multi\r\nline","t"\n', [["multi\nline", "t"]]],
    ['"ab"c,d', [["abc", "d"]]],
    ["a,", [["a", ""]]],
    [",\n", [["", ""]]],
    ['"open', [["open"]]],
    ['a"b,c', [['a"b', "c"]]],
    ['"a" ,b', [["a ", "b"]]],
    ["\n\n", []],
    [" a , b \rc", [[" a ", " b "], ["c"]]],
  ])("%j", (text, rows) => {
    expect(parse_csv(text)).toEqual(rows);
  });
});

describe("Plural-Forms expressions", () => {
  test.each<[string, number[], number[]]>([
    ["n != 1", [0, 1, 2], [1, 0, 1]],
    ["(n > 1)", [0, 1, 2], [0, 0, 1]],
    ["0", [0, 1, 7], [0, 0, 0]],
    ["n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2", [0, 1, 11, 21, 5], [2, 0, 1, 0, 1]],
    ["!(n < 2) + 8/3 - 7%4 * 1", [1, 2], [-1, 0]],
    ["n==1 || n==2 ? 0 : 1", [1, 2, 3], [0, 0, 1]],
    ["n>=2 && n<=4", [1, 3, 5], [0, 1, 0]],
  ])("%s", (expression, counts, forms) => {
    const plural = compile_plural(expression);
    expect(counts.map(plural)).toEqual(forms);
  });

  test.each(["n +", "n ? 1", "(n", "n; 1", "x", "n ** 2", "(".repeat(200) + "n" + ")".repeat(200)])(
    "%j is a SyntaxError",
    (expression) => {
      expect(() => compile_plural(expression)).toThrow(SyntaxError);
    },
  );

  test("division by zero is a RangeError", () => {
    expect(() => compile_plural("1 / (n - 1)")(1)).toThrow(RangeError);
  });
});

describe("linear time", () => {
  const repeat = (n: number, unit: string) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  test.each<[string, (n: number) => string]>([
    ["a quoted field of doubled quotes", (n) => '"' + repeat(n, '""') + '",x\n'],
    ["an unterminated quoted field", (n) => '"' + repeat(n, "a,\n")],
    ["many empty fields", (n) => repeat(n, ",")],
    ["many line breaks", (n) => repeat(n, "\r\n")],
  ])("parse_csv: %s", (_name, build) => {
    expectLinear(build, (text) => parse_csv(text));
  });

  test.each<[string, (n: number) => string]>([
    ["a long sum", (n) => "n" + repeat(n, "+n")],
    ["spaces then a bad character", (n) => "n" + " ".repeat(n) + "x"],
    ["a long chain of conditions", (n) => "n" + repeat(n, "==1?0:n")],
  ])("compile_plural: %s", (_name, build) => {
    expectLinear(build, (expression) => {
      try {
        compile_plural(expression)(3);
      } catch {
        // the shapes that end badly are refused; only the time counts
      }
    });
  });
});
