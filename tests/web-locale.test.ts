/**
 * The handler side of `tornado.locale` (issue 14): `this.locale` from `get_user_locale()` or the
 * `Accept-Language` header (`get_browser_locale`, q-values read as Tornado reads them), settable,
 * and `_`, `pgettext`, `locale` in templates, over real sockets.
 */
import { join } from "node:path";
import { locale, template, web } from "../src";
import { gen_log } from "../src/log";
import { ExpectLog } from "../src/testing";
import { acceptedLanguages } from "../src/web/handler-locale";
import { expectLinear } from "./support/linearity";
import { serve } from "./support/serve";

const FIXTURES = join(__dirname, "fixtures", "locale");

/** Loads the CSV fixtures (es, fr_FR), expecting the two complaints they are built to cause. */
function loadCsvFixtures(): void {
  const badRow = new ExpectLog(gen_log, /^Unrecognized plural indicator "sometimes"/);
  const badName = new ExpectLog(gen_log, /^Unrecognized locale "not-a-locale"/);
  locale.load_translations(join(FIXTURES, "csv"));
  badRow.finish();
  badName.finish();
}

/** Loads the gettext fixtures (fr_FR with contexts), expecting the bad `de` file's complaint. */
function loadGettextFixtures(): void {
  const bad = new ExpectLog(gen_log, /^Cannot load translation for 'de': Bad magic number$/);
  locale.load_gettext_translations(join(FIXTURES, "gettext"), "tornado_test");
  bad.finish();
}

/** Writes the code of `this.locale` and its translation of "school". */
class LocaleCode extends web.RequestHandler {
  get() {
    this.write(`${this.locale.code} ${this.locale.translate("school")}`);
  }
}

async function localeFor(acceptLanguage: string | null, handler: typeof web.RequestHandler = LocaleCode) {
  const server = await serve([["/", handler]]);
  const headers: Record<string, string> = acceptLanguage === null ? {} : { "Accept-Language": acceptLanguage };
  const response = await server.fetch("/", { headers });
  expect(response.code).toBe(200);
  return response.text;
}

describe("get_browser_locale", () => {
  beforeEach(() => {
    locale.set_default_locale("en_US");
    loadCsvFixtures();
  });

  test("chooses among the loaded translations from Accept-Language", async () => {
    expect(await localeFor("fr-FR")).toBe("fr_FR école");
    expect(await localeFor("es-MX")).toBe("es escuela"); // by its language
    expect(await localeFor("de, es")).toBe("es escuela"); // the first one loaded
  });

  test.each([
    ["fr_FR;q=0.5, es;q=0.9", "es"],
    ["es;q=0.5, fr_FR", "fr_FR"], // no q is 1
    ["fr_FR;q=0.8, es;q=0.8", "fr_FR"], // equal qualities keep the header's order
    ["es;q=0.8, fr_FR;q=0.8", "es"],
    ["fr_FR, es;q=inf", "es"],
    ["fr_FR, es;q=1_0", "es"], // Python's float() reads 1_0 as 10
    ["es;level=1, fr_FR;q=0.9", "es"], // a parameter that is not q leaves the quality at 1
  ])("orders %j by quality: %s", async (header, code) => {
    expect((await localeFor(header)).split(" ")[0]).toBe(code);
  });

  test.each(["es;q=abc", "es;q=-1", "es;q=0", "es;q=", "es;q=0x10", "es;q=nan", "es;q=1e", "es;q=1__0"])(
    "a malformed, negative or zero quality (%j) leaves the language out",
    async (bad) => {
      expect(await localeFor(`${bad}, fr_FR;q=0.1`)).toBe("fr_FR école");
    },
  );

  test("no header gives the default argument; a header naming nothing loaded gives the default locale", async () => {
    class OwnDefault extends web.RequestHandler {
      get() {
        this.write(this.get_browser_locale("es").code);
      }
    }
    expect(await localeFor(null)).toBe("en_US school");
    expect(await localeFor(null, OwnDefault)).toBe("es");
    expect(await localeFor("de, pt;q=0.5")).toBe("en_US school");
    locale.set_default_locale("fr_FR");
    expect(await localeFor("de")).toBe("fr_FR école");
  });

  test("a hostile header (64 KiB of commas, of semicolons, of bad q values) is read in linear time", async () => {
    expectLinear(
      (n) => ",".repeat(n),
      (header) => acceptedLanguages(header),
    );
    expectLinear(
      (n) => "es;q=1".padEnd(n, ";"),
      (header) => acceptedLanguages(header),
    );
    expectLinear(
      (n) => "es;q=" + "1".repeat(n) + "x",
      (header) => acceptedLanguages(header),
    );
    expectLinear(
      (n) => "a;q=0.5,".repeat(n / 8),
      (header) => acceptedLanguages(header),
    );
    const server = await serve([["/", LocaleCode]], {}, { max_header_size: 256 * 1024 });
    const response = await server.fetch("/", { headers: { "Accept-Language": ",".repeat(64 * 1024) + "es" } });
    expect(response.text).toBe("es escuela");
  });
});

describe("RequestHandler.locale", () => {
  beforeEach(() => {
    locale.set_default_locale("en_US");
    loadCsvFixtures();
  });

  test("get_user_locale wins over the header, is called once per handler, and null falls back", async () => {
    let calls = 0;
    class UserLocale extends web.RequestHandler {
      get_user_locale() {
        calls += 1;
        return this.get_argument("lang", null) === null ? null : locale.get(this.get_argument("lang"));
      }
      get() {
        this.write(`${this.locale.code} ${this.locale.code}`);
      }
    }
    const server = await serve([["/", UserLocale]]);
    const headers = { "Accept-Language": "fr-FR" };
    expect((await server.fetch("/?lang=es", { headers })).text).toBe("es es");
    expect(calls).toBe(1);
    expect((await server.fetch("/", { headers })).text).toBe("fr_FR fr_FR");
    expect(calls).toBe(2);
  });

  test("assigning this.locale (in an async prepare) sets what the handler and its templates see", async () => {
    let userLocaleCalls = 0;
    class Assigned extends web.RequestHandler {
      get_user_locale() {
        userLocaleCalls += 1;
        return null;
      }
      async prepare() {
        this.locale = await Promise.resolve(locale.get("fr_FR"));
      }
      get() {
        return this.render("page.html");
      }
    }
    const loader = new template.DictLoader({ "page.html": "{{ locale.code }} {{ _('school') }}" });
    const server = await serve([["/", Assigned]], { template_loader: loader });
    expect((await server.fetch("/", { headers: { "Accept-Language": "es" } })).text).toBe("fr_FR école");
    expect(userLocaleCalls).toBe(0);
  });

  test("templates see locale and _, with percent_format on a translated plural", async () => {
    class Page extends web.RequestHandler {
      get() {
        return this.render("page.html", { percent_format: locale.percent_format });
      }
    }
    const loader = new template.DictLoader({
      "page.html":
        "{{ locale.code }}|{{ _('school') }}|{{ locale.name }}|" +
        "{{ percent_format(_('%(name)s liked this', '%(name)s liked this', 2), { name: 'Ann' }) }}|" +
        "{{ percent_format(_('%(name)s liked this', '%(name)s liked this', 1), { name: 'Ann' }) }}",
    });
    const server = await serve([["/", Page]], { template_loader: loader, autoescape: null });
    const response = await server.fetch("/", { headers: { "Accept-Language": "fr-FR,es;q=0.5" } });
    expect(response.text).toBe("fr_FR|école|Français|Ann ont aimé ça|Ann a aimé ça");
  });
});

describe("pgettext in templates", () => {
  beforeEach(loadGettextFixtures);

  test("translates with the context, from the handler's locale", async () => {
    class Page extends web.RequestHandler {
      get() {
        return this.render("page.html");
      }
    }
    const loader = new template.DictLoader({
      "page.html": "{{ pgettext('law', 'right') }}|{{ pgettext('good', 'right') }}|{{ _('school') }}",
    });
    const server = await serve([["/", Page]], { template_loader: loader });
    expect((await server.fetch("/", { headers: { "Accept-Language": "fr-FR" } })).text).toBe("le droit|le bien|école");
  });
});
