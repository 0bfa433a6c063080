/**
 * A small blog, ported from Tornado's `demos/blog/blog.py`, with PostgreSQL swapped for an
 * embedded SQLite database (`store.ts`, through sql.js): entries with a title and a text, one
 * author who writes them, an archive and an Atom feed.
 *
 * Run it with `npx tsx examples/blog/blog.ts` and open http://localhost:8888/. With no
 * entries the home page sends you to write one, which first asks for an author account: the
 * first visitor creates it, and no one can create another (as in the demo). Flags:
 * `--port=N`, `--address=IP`, `--db_path=FILE` (the SQLite database, created on first run;
 * default `blog.db` in the working directory), `--cookie_secret=...` (signs the login cookie;
 * without it a fixed development secret is used, with a warning) and `--debug` (reloads on
 * source changes).
 *
 * What differs from the demo:
 * - The database is SQLite in the process (sql.js, WebAssembly), written to `--db_path` after
 *   each change; the demo connects to a PostgreSQL server.
 * - Passwords are hashed with Node's `crypto.scrypt` (asynchronous, off the event loop, as the
 *   demo runs bcrypt in an executor) and compared in constant time.
 * - The demo renders entry bodies as Markdown. tornado-ts has no Markdown library, so the text
 *   is kept as typed and shown as paragraphs: split on blank lines, each one HTML-escaped.
 * - The user is found by an `async get_current_user()` (Python's cannot be a coroutine, so the
 *   demo sets `current_user` in `prepare()`); tornado-ts awaits it before `prepare()`.
 * - The login and sign-up forms carry the `next` argument through the POST; it must be a path
 *   on this site, or the request gets 400 (no open redirect).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { join } from "node:path";
import { web, escape, log, ioloop } from "tornado-ts";
import { define, options, parse_command_line } from "tornado-ts/options";
import { BlogStore, type Author, type Entry } from "./store";

define("port", { default: 8888, help: "run on the given port", type: "int" });
define("address", { default: "", help: "listen on this address (all interfaces when empty)" });
define("cookie_secret", { help: "signs the login cookie (default: a development secret anyone can read here)" });
define("db_path", { default: "blog.db", help: "the SQLite database file (created on first run)" });
define("debug", { default: false, help: "reload on source changes" });

// ---- Passwords ----

/** Node's defaults for scrypt: N = 2^14, r = 8, p = 1 (about 16 MiB and a few tens of ms per hash). */
const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const SCRYPT_KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes `password` with a fresh random salt: `scrypt$N$r$p$<salt base64>$<key base64>`. */
export async function hash_password(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = SCRYPT_PARAMS;
  const key = await derive(password, salt, SCRYPT_KEY_LENGTH, { N, r, p });
  return ["scrypt", N, r, p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** Whether `password` matches `hashed` (made by `hash_password`); the keys are compared in constant time. */
export async function check_password(password: string, hashed: string): Promise<boolean> {
  const [scheme, N, r, p, salt, key] = hashed.split("$");
  if (scheme !== "scrypt" || key === undefined) return false;
  const expected = Buffer.from(key, "base64");
  const actual = await derive(password, Buffer.from(salt, "base64"), expected.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}

// ---- Text ----

/**
 * A URL slug from an entry title, as the demo makes it: Unicode compatibility decomposition,
 * every run of non-word characters to one space, lower case, words joined by `-`, non-ASCII
 * dropped; `entry` when nothing is left. One change: accents (combining marks) count as part of
 * their word, so "Résumé" gives `resume` (the demo's `[^\w]+` splits it into `re-sume`).
 */
export function slugify(title: string): string {
  const words = title
    .normalize("NFKD")
    .replace(/[^\p{L}\p{M}\p{N}_]+/gu, " ")
    .toLowerCase()
    .trim()
    .split(" ")
    .filter((word) => word !== "");
  const slug = words.join("-").replace(/[^\x00-\x7f]/g, "");
  return slug === "" ? "entry" : slug;
}

/**
 * An entry's text as HTML. The demo renders Markdown; without a Markdown library we keep the
 * text as it was typed and make paragraphs of it: split on blank lines, each one escaped.
 */
export function text_to_html(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== "")
    .map((paragraph) => `<p>${escape.xhtml_escape(paragraph)}</p>`)
    .join("\n");
}

/** A date for people: "March 5, 2026". */
function format_date(date: Date): string {
  return date.toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
}

/** A date for Atom: `2026-03-05T14:07:09Z`. */
function atom_date(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---- Handlers ----

/** The store, the logged-in author and the `next` rule every page of the blog shares. */
export class BaseHandler extends web.RequestHandler {
  get store(): BlogStore {
    return (this.application as Application).store;
  }

  /**
   * The author whose id is in the signed `blogdemo_user` cookie, or null. Async, as a database
   * query would be; tornado-ts awaits it before `prepare()`, so `current_user` is ready to use.
   */
  async get_current_user(): Promise<Author | null> {
    const id = this.get_signed_cookie("blogdemo_user");
    if (id === null) return null;
    return this.store.author_by_id(Number(id.toString("utf8")));
  }

  /** `current_user`, typed. */
  get author(): Author | null {
    return this.current_user as Author | null;
  }

  /**
   * The `next` argument (default `/`), where to go after logging in or out.
   * @throws HTTPError 400 unless it is a path on this site: an absolute URL (or `//host`, which
   * browsers read as one) would make an open redirect.
   */
  next_url(): string {
    const next = this.get_argument("next", "/");
    if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
      throw new web.HTTPError(400, "next must be a path on this site");
    }
    return next;
  }

  /** Adds the date formatters to what every template sees. */
  get_template_namespace(): Record<string, unknown> {
    return { ...super.get_template_namespace(), format_date, atom_date };
  }
}

/** `/`: the five newest entries, or off to write the first one. */
export class HomeHandler extends BaseHandler {
  get() {
    const entries = this.store.latest_entries(5);
    if (entries.length === 0) return this.redirect("/compose");
    return this.render("home.html", { entries });
  }
}

/** `/entry/<slug>`: one entry. */
export class EntryHandler extends BaseHandler {
  get(slug: string) {
    const entry = this.store.entry_by_slug(slug);
    if (entry === null) throw new web.HTTPError(404);
    return this.render("entry.html", { entry });
  }
}

/** `/archive`: every entry's title and date, newest first. */
export class ArchiveHandler extends BaseHandler {
  get() {
    return this.render("archive.html", { entries: this.store.latest_entries() });
  }
}

/** `/feed`: the ten newest entries as an Atom feed. */
export class FeedHandler extends BaseHandler {
  get() {
    const entries = this.store.latest_entries(10);
    const updated = entries.reduce(
      (latest, entry) => (entry.updated > latest ? entry.updated : latest),
      entries[0]?.updated ?? new Date(),
    );
    this.set_header("Content-Type", "application/atom+xml");
    return this.render("feed.xml", { entries, updated, base_url: `${this.request.protocol}://${this.request.host}` });
  }
}

/** `/compose`: the form to write an entry, or to edit one (`?id=`); logged-in authors only. */
export class ComposeHandler extends BaseHandler {
  @web.authenticated
  get() {
    const id = this.get_argument("id", null);
    return this.render("compose.html", { entry: id ? this.#entry(id) : null });
  }

  @web.authenticated
  post() {
    const id = this.get_argument("id", null);
    const title = this.get_argument("title");
    const text = this.get_argument("text");
    if (title === "" || text === "") throw new web.HTTPError(400, "an entry needs a title and a text");
    const html = text_to_html(text);
    let slug: string;
    if (id) {
      const entry = this.#entry(id);
      this.store.update_entry(entry.id, { title, text, html });
      slug = entry.slug;
    } else {
      slug = slugify(title);
      while (this.store.entry_by_slug(slug) !== null) slug += "-2";
      this.store.create_entry({ author_id: this.author!.id, slug, title, text, html });
    }
    this.redirect("/entry/" + slug);
  }

  /** @throws HTTPError 404 when there is no entry `id`. */
  #entry(id: string): Entry {
    const entry = /^\d+$/.test(id) ? this.store.entry_by_id(Number(id)) : null;
    if (entry === null) throw new web.HTTPError(404);
    return entry;
  }
}

/** `/auth/create`: makes the blog's author account; only while there is none. */
export class AuthCreateHandler extends BaseHandler {
  get() {
    return this.render("create_author.html", { next: this.get_argument("next", "/") });
  }

  async post() {
    if (this.store.any_author_exists()) throw new web.HTTPError(400, "author already created");
    const next = this.next_url();
    const email = this.get_argument("email");
    const name = this.get_argument("name");
    const password = this.get_argument("password");
    if (email === "" || name === "" || password === "")
      throw new web.HTTPError(400, "email, name and password are required");
    const hashed_password = await hash_password(password);
    // Another request may have made the account while this one was hashing.
    if (this.store.any_author_exists()) throw new web.HTTPError(400, "author already created");
    const author = this.store.create_author({ email, name, hashed_password });
    this.set_signed_cookie("blogdemo_user", String(author.id));
    this.redirect(next);
  }
}

/** `/auth/login`: email and password; sends you to make the account when there is none. */
export class AuthLoginHandler extends BaseHandler {
  get() {
    const next = this.get_argument("next", "/");
    if (!this.store.any_author_exists()) return this.redirect("/auth/create?next=" + escape.url_escape(next));
    return this.render("login.html", { error: null, next });
  }

  async post() {
    const next = this.next_url();
    const author = this.store.author_by_email(this.get_argument("email"));
    if (author === null) return this.render("login.html", { error: "email not found", next });
    if (!(await check_password(this.get_argument("password"), author.hashed_password))) {
      return this.render("login.html", { error: "incorrect password", next });
    }
    this.set_signed_cookie("blogdemo_user", String(author.id));
    this.redirect(next);
  }
}

/** `/auth/logout`: forgets the login cookie. */
export class AuthLogoutHandler extends BaseHandler {
  get() {
    const next = this.next_url();
    this.clear_cookie("blogdemo_user");
    this.redirect(next);
  }
}

// ---- UI modules ----

/** `{% module Entry(entry) %}`: one entry, as the home and entry pages show it (the demo's `EntryModule`). */
export class EntryModule extends web.UIModule {
  render(entry: Entry): Buffer {
    return this.render_string("modules/entry.html", { entry });
  }
}

// ---- Application ----

/** What the blog is started with. */
export interface BlogOptions {
  /** Signs the login cookie (and the XSRF check relies on cookies too): keep it secret. */
  cookie_secret: string;
  debug?: boolean;
  blog_title?: string;
  /** Where authors and entries are kept (see `BlogStore.open`). */
  store: BlogStore;
}

/** The blog: its routes, settings and store. */
export class Application extends web.Application {
  /** Authors and entries, in the SQLite database. */
  readonly store: BlogStore;

  constructor(settings: BlogOptions) {
    super(
      [
        ["/", HomeHandler],
        ["/archive", ArchiveHandler],
        ["/feed", FeedHandler],
        ["/entry/([^/]+)", EntryHandler],
        ["/compose", ComposeHandler],
        ["/auth/create", AuthCreateHandler],
        ["/auth/login", AuthLoginHandler],
        ["/auth/logout", AuthLogoutHandler],
      ],
      {
        blog_title: settings.blog_title ?? "A tornado-ts blog",
        template_path: join(__dirname, "templates"),
        static_path: join(__dirname, "static"),
        xsrf_cookies: true,
        cookie_secret: settings.cookie_secret,
        login_url: "/auth/login",
        ui_modules: { Entry: EntryModule },
        debug: settings.debug ?? false,
      },
    );
    this.store = settings.store;
  }
}

/** A secret anyone can read in this file: fine on your own machine, never on a server. */
const DEVELOPMENT_COOKIE_SECRET = "tornado-ts blog demo: development only, pass --cookie_secret";

/** `--cookie_secret`, or the development secret with a warning. */
function cookieSecret(): string {
  if (options.cookie_secret) return options.cookie_secret;
  log.app_log.warning(
    "No --cookie_secret given: using the development secret, which anyone can read in blog.ts. Do not use it on a server.",
  );
  return DEVELOPMENT_COOKIE_SECRET;
}

async function main(): Promise<void> {
  parse_command_line();
  const store = await BlogStore.open(options.db_path);
  new Application({ cookie_secret: cookieSecret(), debug: options.debug, store }).listen(
    options.port,
    options.address || undefined,
  );
  console.log(`Blog at http://localhost:${options.port}/`);
  ioloop.IOLoop.current().start();
}

// Run only as a program, so tests can import the handlers.
if (require.main === module) {
  main().catch((error: unknown) => {
    log.app_log.error(`The blog could not start: ${String(error)}`);
    process.exitCode = 1;
  });
}
