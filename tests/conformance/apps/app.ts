/**
 * The conformance apps in tornado-ts: the same routes as app.py, so that every request can be
 * answered by both and compared. Run with tsx: `app.ts --port=N --strict-port=M`.
 * It serves two applications on 127.0.0.1: the main one (static files, templates, signed cookies,
 * WebSockets) and a strict one (xsrf_cookies, compress_response, small size limits). Logging is quiet.
 */
import { join, resolve } from "node:path";
import { web, websocket, log, ioloop, escape, template } from "tornado-ts";

const STATIC_PATH = resolve(__dirname, "..", "..", "fixtures", "static", "root");
const TEMPLATE_PATH = join(__dirname, "templates");
// The secret of tests/fixtures/tornado-signed.json, so its cookies verify on both sides.
const COOKIE_SECRET = "0123456789abcdef-tornado-ts-fixture-secret";
const STRICT_MAX_BODY_SIZE = 4096;
const STRICT_MAX_MESSAGE_SIZE = 1024;
const LONG_TEXT = "All work and no play makes Jack a dull boy. ".repeat(50);

const lastClose: { code: number | null; reason: string | null } = { code: null, reason: null };

// ---- HTTP surface ----

class Hello extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

class Arguments extends web.RequestHandler {
  get() {
    this.write({
      argument: this.get_argument("foo", null),
      arguments: this.get_arguments("foo"),
      query: this.get_query_arguments("foo"),
      body: this.get_body_arguments("foo"),
    });
  }
  post() {
    this.get();
  }
}

class RequiredArgument extends web.RequestHandler {
  get() {
    this.write(this.get_argument("name") as string);
  }
}

class PathArguments extends web.RequestHandler {
  get(first: string, second: string) {
    this.write({ path: this.request.path, args: [first, second] });
  }
}

class NamedArguments extends web.RequestHandler {
  get({ year, slug }: { year: string; slug: string }) {
    this.write({ year, slug });
  }
}

class OptionalArgument extends web.RequestHandler {
  get(number: string | null) {
    this.write({ number });
  }
}

class DecodedArgument extends web.RequestHandler {
  get(value: string) {
    this.write({ path: this.request.path, arg: value, q: this.get_query_argument("q", null) });
  }
}

class RaiseStatus extends web.RequestHandler {
  get(code: string) {
    throw new web.HTTPError(Number(code));
  }
}

class CustomReason extends web.RequestHandler {
  get() {
    throw new web.HTTPError(682, null, { reason: "Foo" });
  }
}

class UnknownStatus extends web.RequestHandler {
  get() {
    this.set_status(299);
    this.write("odd status");
  }
}

class Crash extends web.RequestHandler {
  get() {
    throw new RangeError("division by zero");
  }
}

class CustomErrorPage extends web.RequestHandler {
  get() {
    throw new web.HTTPError(418);
  }
  write_error(status_code: number) {
    this.write({ status: status_code, reason: this._reason });
  }
}

class FinishEarly extends web.RequestHandler {
  get() {
    this.set_status(401);
    this.set_header("WWW-Authenticate", 'Basic realm="conformance"');
    throw new web.Finish("authentication required");
  }
}

class FinishInPrepare extends web.RequestHandler {
  prepare() {
    if (this.get_argument("stop", null)) void this.finish("stopped in prepare");
  }
  get() {
    this.write("get ran");
  }
}

class Redirect extends web.RequestHandler {
  get() {
    const status = this.get_argument("status", null) as string | null;
    this.redirect(
      this.get_argument("to") as string,
      this.get_argument("permanent", null) === "1",
      status ? Number(status) : null,
    );
  }
}

class AddSlash extends web.RequestHandler {
  @web.addslash
  get() {
    this.write("slash added");
  }
}

class RemoveSlash extends web.RequestHandler {
  @web.removeslash
  get() {
    this.write("slash removed");
  }
}

class SetCookies extends web.RequestHandler {
  get() {
    this.set_cookie("str", "asdf");
    this.set_cookie("scoped", "blah", { domain: "foo.com", path: "/foo" });
    this.set_cookie("age", "bar", { max_age: 10 });
    this.set_cookie("https_only", "1", { secure: true });
    this.set_cookie("script_hidden", "1", { httponly: true });
    this.set_cookie("same_site", "1", { samesite: "Lax" });
    this.set_cookie("equals", "a=b");
    this.set_cookie("days", "1", { expires_days: 2 });
    this.set_cookie("twice", "first");
    this.set_cookie("twice", "second");
    this.write("cookies set");
  }
}

class InvalidCookie extends web.RequestHandler {
  get() {
    this.set_cookie("spaced", "a b");
  }
}

class EchoCookies extends web.RequestHandler {
  get() {
    const cookies: Record<string, string | null> = {};
    for (const name of Object.keys(this.cookies)) cookies[name] = this.get_cookie(name);
    this.write(cookies);
  }
}

class ClearCookies extends web.RequestHandler {
  get() {
    this.clear_cookie("foo");
    this.clear_cookie("bar", { path: "/p", domain: "example.com" });
    this.write("cleared");
  }
}

class AutomaticEtag extends web.RequestHandler {
  get() {
    this.write("etag body");
  }
}

class FixedEtag extends web.RequestHandler {
  compute_etag() {
    return '"xyzzy"';
  }
  get() {
    this.write("fixed etag");
  }
}

class NoContent extends web.RequestHandler {
  get() {
    this.set_status(204);
  }
}

class Flush extends web.RequestHandler {
  async get() {
    this.write("first ");
    await this.flush();
    this.write("second");
  }
}

class JsonObject extends web.RequestHandler {
  get() {
    this.write({ a: 1, b: [1, 2], c: "</script>é", d: null, e: true });
  }
}

class JsonList extends web.RequestHandler {
  get() {
    this.write([1, 2] as unknown as web.Chunk);
  }
}

class Headers extends web.RequestHandler {
  get() {
    this.set_header("X-Single", "one");
    this.add_header("X-Multi", "a");
    this.add_header("X-Multi", "b");
    this.set_header("X-Number", 42);
    this.set_header("X-Cleared", "x");
    this.clear_header("X-Cleared");
    this.set_header("Content-Language", "fr");
    this.write("headers");
  }
}

class ContentType extends web.RequestHandler {
  get() {
    this.set_header("Content-Type", "text/plain; charset=UTF-8");
    this.write("plain");
  }
}

class OnlyGet extends web.RequestHandler {
  get() {
    this.write("get");
  }
}

class NoMethods extends web.RequestHandler {}

class HeadAndGet extends web.RequestHandler {
  get() {
    this.write("body of get");
  }
  head() {
    this.set_header("X-Head", "1");
  }
}

class Options extends web.RequestHandler {
  options() {
    this.set_header("Allow", "GET, OPTIONS");
    this.set_status(204);
  }
}

class EchoBody extends web.RequestHandler {
  post() {
    this.set_header("Content-Type", "application/octet-stream");
    this.write(this.request.body);
  }
  put() {
    this.post();
  }
}

class Multipart extends web.RequestHandler {
  post() {
    const fields: Record<string, string[]> = {};
    for (const name of Object.keys(this.request.body_arguments)) fields[name] = this.get_body_arguments(name);
    const files: Record<string, Array<Record<string, string>>> = {};
    for (const [name, parts] of Object.entries(this.request.files)) {
      files[name] = parts.map((f) => ({
        filename: f.filename,
        content_type: f.content_type,
        body: f.body.toString("utf8"),
      }));
    }
    this.write({ fields, files });
  }
}

class Unicode extends web.RequestHandler {
  get() {
    this.write("héllo ☃");
  }
}

// No apostrophe: Tornado 6.2 escapes it unlike 6.3+ and tornado-ts (a deliberate difference, docs/porting.md).
const ESCAPE_INPUTS = [
  "a b/c?d=\u00e9&e+f%41",
  '</script> & "q" \u2028',
  "&lt;&amp;&#39;&#x27;&quot;&nbsp;&bogus;&#65;&#x42;",
  "  lots \t of \n space  ",
  "see www.example.com, http://x.org/a?b=1&c=<2> and mailto:a@b.c",
];

class Escape extends web.RequestHandler {
  get() {
    this.set_header("Content-Type", "text/plain; charset=UTF-8");
    for (const text of ESCAPE_INPUTS) {
      this.write(escape.json_encode({ text, list: [1, null, true] }) + "\n");
      this.write(`${escape.url_escape(text)} ${escape.url_escape(text, false)}\n`);
      this.write(`${escape.url_unescape(text)} ${escape.url_unescape(text, "utf-8", false)}\n`);
      this.write(escape.xhtml_unescape(text) + "\n");
      this.write(escape.squeeze(text) + "\n");
      this.write(template.linkify(text) + "\n");
    }
  }
}

class StaticUrl extends web.RequestHandler {
  get() {
    this.write({
      versioned: this.static_url("robots.txt"),
      plain: this.static_url("robots.txt", null, { include_version: false }),
    });
  }
}

class ReverseUrl extends web.RequestHandler {
  get() {
    this.write(this.reverse_url("named", "2024", "a-b"));
  }
}

class LoginRequired extends web.RequestHandler {
  get_current_user() {
    return this.get_cookie("user");
  }
  @web.authenticated
  get() {
    this.write(`hello ${this.current_user}`);
  }
  @web.authenticated
  post() {
    this.write("posted");
  }
}

// ---- templates ----

class Render extends web.RequestHandler {
  get(name: string) {
    return this.render(name, {
      title: this.get_argument("title", "<Tom & Jerry>"),
      items: ["a", "<b>", "c"],
      count: 3,
      data: { k: "v" },
      text: "see http://example.com/x?a=1&b=2 now",
    });
  }
}

class RenderText extends web.RequestHandler {
  get() {
    this.set_header("Content-Type", "text/plain; charset=UTF-8");
    this.write(this.render_string("whitespace.txt", { items: ["one", "two"] }));
  }
}

// ---- signed cookies and XSRF ----

class SignedSet extends web.RequestHandler {
  get() {
    const expires_days = this.get_argument("session", null) ? null : 30;
    this.set_signed_cookie(this.get_argument("name", "session") as string, this.get_argument("value") as string, {
      expires_days,
    });
    this.write("signed");
  }
}

class SignedGet extends web.RequestHandler {
  get() {
    const name = this.get_argument("name", "session") as string;
    const value = this.get_signed_cookie(name, null, Number(this.get_argument("max_age_days", "31")));
    this.write({
      value_hex: value === null ? null : value.toString("hex"),
      key_version: this.get_signed_cookie_key_version(name),
    });
  }
}

class SignedCreate extends web.RequestHandler {
  get() {
    this.write(this.create_signed_value(this.get_argument("name") as string, this.get_argument("value") as string));
  }
}

class SignedDecode extends web.RequestHandler {
  get() {
    const value = web.decode_signed_value(
      COOKIE_SECRET,
      this.get_argument("name") as string,
      this.get_argument("value") as string,
    );
    this.write({ value_hex: value === null ? null : value.toString("hex") });
  }
}

class XsrfForm extends web.RequestHandler {
  get() {
    this.write(this.xsrf_form_html());
  }
  post() {
    this.write("posted");
  }
}

class XsrfToken extends web.RequestHandler {
  get() {
    this.write(this.xsrf_token);
  }
}

class LongText extends web.RequestHandler {
  get() {
    this.write(LONG_TEXT);
  }
}

class ShortText extends web.RequestHandler {
  get() {
    this.write("short");
  }
}

class VaryLanguage extends web.RequestHandler {
  get() {
    this.set_header("Vary", "Accept-Language");
    this.write(LONG_TEXT);
  }
}

class LongJson extends web.RequestHandler {
  get() {
    this.write({ items: Array.from({ length: 400 }, (_, i) => i) });
  }
}

class StrictEcho extends web.RequestHandler {
  post() {
    this.write(this.request.body);
  }
}

// ---- WebSockets ----

class EchoSocket extends websocket.WebSocketHandler {
  on_message(message: string | Buffer) {
    void this.write_message(message, Buffer.isBuffer(message));
  }
}

class JsonSocket extends websocket.WebSocketHandler {
  open() {
    void this.write_message({ hello: "world", n: 1 });
  }
  on_message() {}
}

class CloseSocket extends websocket.WebSocketHandler {
  open(code: string) {
    this.close(Number(code), "bye");
  }
  on_message() {}
}

class BareCloseSocket extends websocket.WebSocketHandler {
  open() {
    this.close();
  }
  on_message() {}
}

class PathArgSocket extends websocket.WebSocketHandler {
  open(arg: string) {
    void this.write_message(arg);
  }
  on_message() {}
}

class SubprotocolSocket extends websocket.WebSocketHandler {
  select_subprotocol(subprotocols: string[]) {
    return subprotocols.includes("goodproto") ? "goodproto" : null;
  }
  open() {
    void this.write_message(`subprotocol=${this.selected_subprotocol ?? "none"}`);
  }
  on_message() {}
}

/** Chooses a subprotocol the client did not offer: Tornado's assertion, a 500. */
class UnofferedSubprotocolSocket extends websocket.WebSocketHandler {
  select_subprotocol() {
    return "notoffered";
  }
}

class HeadersSocket extends websocket.WebSocketHandler {
  set_default_headers() {
    this.set_header("X-Default", "yes");
  }
  prepare() {
    this.set_header("X-Prepare", "yes");
  }
  on_message(message: string | Buffer) {
    void this.write_message(message);
  }
}

class RefusingSocket extends websocket.WebSocketHandler {
  prepare() {
    throw new web.HTTPError(401);
  }
  on_message() {}
}

class CrashingSocket extends websocket.WebSocketHandler {
  on_message() {
    throw new Error("on_message failed");
  }
}

class RecordingSocket extends websocket.WebSocketHandler {
  open() {
    lastClose.code = null;
    lastClose.reason = null;
  }
  on_message(message: string | Buffer) {
    void this.write_message(message);
  }
  on_close() {
    lastClose.code = this.close_code;
    lastClose.reason = this.close_reason;
  }
}

class LastClose extends web.RequestHandler {
  get() {
    this.write({ ...lastClose });
  }
}

function mainApp(): web.Application {
  return new web.Application(
    [
      ["/hello", Hello],
      ["/args", Arguments],
      ["/required", RequiredArgument],
      ["/path/([^/]+)/([^/]+)", PathArguments],
      web.url("/named/(?P<year>[0-9]+)/(?P<slug>[a-z-]+)", NamedArguments, null, "named"),
      ["/optional/([0-9]+)?", OptionalArgument],
      ["/decode/(.*)", DecodedArgument],
      ["/status/([0-9]+)", RaiseStatus],
      ["/reason", CustomReason],
      ["/unknown-status", UnknownStatus],
      ["/crash", Crash],
      ["/custom-error", CustomErrorPage],
      ["/finish", FinishEarly],
      ["/finish-in-prepare", FinishInPrepare],
      ["/redirect", Redirect],
      ["/redirect-handler/(\\w+)/(\\w+)", web.RedirectHandler, { url: "/{1}/{0}" }],
      ["/src", web.RedirectHandler, { url: "/dst" }],
      ["/temporary", web.RedirectHandler, { url: "/elsewhere", permanent: false }],
      ["/addslash/?", AddSlash],
      ["/removeslash/?", RemoveSlash],
      ["/cookies/set", SetCookies],
      ["/cookies/echo", EchoCookies],
      ["/cookies/invalid", InvalidCookie],
      ["/cookies/clear", ClearCookies],
      ["/etag", AutomaticEtag],
      ["/etag/fixed", FixedEtag],
      ["/no-content", NoContent],
      ["/flush", Flush],
      ["/json", JsonObject],
      ["/json/list", JsonList],
      ["/headers", Headers],
      ["/content-type", ContentType],
      ["/only-get", OnlyGet],
      ["/no-methods", NoMethods],
      ["/head-and-get", HeadAndGet],
      ["/options", Options],
      ["/echo", EchoBody],
      ["/multipart", Multipart],
      ["/unicode", Unicode],
      ["/escape", Escape],
      ["/static-url", StaticUrl],
      ["/reverse-url", ReverseUrl],
      ["/login-required", LoginRequired],
      ["/render/([a-z-]+\\.html)", Render],
      ["/render-text", RenderText],
      ["/signed/set", SignedSet],
      ["/signed/get", SignedGet],
      ["/signed/create", SignedCreate],
      ["/signed/decode", SignedDecode],
      ["/ws/echo", EchoSocket],
      ["/ws/json", JsonSocket],
      ["/ws/close/([0-9]+)", CloseSocket],
      ["/ws/close-bare", BareCloseSocket],
      ["/ws/path/([^/]+)", PathArgSocket],
      ["/ws/subprotocol", SubprotocolSocket],
      ["/ws/subprotocol-unoffered", UnofferedSubprotocolSocket],
      ["/ws/headers", HeadersSocket],
      ["/ws/refuse", RefusingSocket],
      ["/ws/crash", CrashingSocket],
      ["/ws/recording", RecordingSocket],
      ["/ws/last-close", LastClose],
    ],
    {
      cookie_secret: COOKIE_SECRET,
      login_url: "/login",
      static_path: STATIC_PATH,
      static_handler_args: { default_filename: "index.html" },
      template_path: TEMPLATE_PATH,
    },
  );
}

function strictApp(): web.Application {
  return new web.Application(
    [
      ["/hello", Hello],
      ["/xsrf/form", XsrfForm],
      ["/xsrf/token", XsrfToken],
      ["/xsrf/error", web.ErrorHandler, { status_code: 417 }],
      ["/gzip/long", LongText],
      ["/gzip/short", ShortText],
      ["/gzip/vary", VaryLanguage],
      ["/gzip/json", LongJson],
      ["/echo", StrictEcho],
      ["/ws/echo", EchoSocket],
    ],
    {
      cookie_secret: COOKIE_SECRET,
      xsrf_cookies: true,
      compress_response: true,
      websocket_max_message_size: STRICT_MAX_MESSAGE_SIZE,
    },
  );
}

function portFlag(name: string): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const port = Number(arg?.slice(name.length + 3));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`--${name}=N is required`);
  return port;
}

log.getLogger("tornado").setLevel(log.CRITICAL + 1);
mainApp().listen(portFlag("port"), "127.0.0.1");
strictApp().listen(portFlag("strict-port"), "127.0.0.1", { max_body_size: STRICT_MAX_BODY_SIZE });
ioloop.IOLoop.current().start();
