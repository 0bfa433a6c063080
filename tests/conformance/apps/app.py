"""The conformance apps in Python Tornado: the same routes as app.ts, answered by the real thing.

Run with Debian's Tornado: /usr/bin/python3 app.py --port=N --strict-port=M
It serves two applications on 127.0.0.1: the main one (static files, templates, signed cookies,
WebSockets) and a strict one (xsrf_cookies, compress_response, small size limits). Logging is quiet.
"""
import argparse
import asyncio
import logging
import os
import signal
import sys

import tornado.escape
import tornado.web
import tornado.websocket
from tornado.web import Finish, HTTPError

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC_PATH = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "static", "root"))
TEMPLATE_PATH = os.path.join(HERE, "templates")
# The secret of tests/fixtures/tornado-signed.json, so its cookies verify on both sides.
COOKIE_SECRET = "0123456789abcdef-tornado-ts-fixture-secret"
STRICT_MAX_BODY_SIZE = 4096
STRICT_MAX_MESSAGE_SIZE = 1024
LONG_TEXT = "All work and no play makes Jack a dull boy. " * 50

last_close = {"code": None, "reason": None}


# ---- HTTP surface ----


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


class Arguments(tornado.web.RequestHandler):
    def get(self):
        self.write(
            {
                "argument": self.get_argument("foo", None),
                "arguments": self.get_arguments("foo"),
                "query": self.get_query_arguments("foo"),
                "body": self.get_body_arguments("foo"),
            }
        )

    post = get


class RequiredArgument(tornado.web.RequestHandler):
    def get(self):
        self.write(self.get_argument("name"))


class PathArguments(tornado.web.RequestHandler):
    def get(self, first, second):
        self.write({"path": self.request.path, "args": [first, second]})


class NamedArguments(tornado.web.RequestHandler):
    def get(self, year, slug):
        self.write({"year": year, "slug": slug})


class OptionalArgument(tornado.web.RequestHandler):
    def get(self, number):
        self.write({"number": number})


class DecodedArgument(tornado.web.RequestHandler):
    def get(self, value):
        self.write({"path": self.request.path, "arg": value, "q": self.get_query_argument("q", None)})


class RaiseStatus(tornado.web.RequestHandler):
    def get(self, code):
        raise HTTPError(int(code))


class CustomReason(tornado.web.RequestHandler):
    def get(self):
        raise HTTPError(682, reason="Foo")


class UnknownStatus(tornado.web.RequestHandler):
    def get(self):
        self.set_status(299)
        self.write("odd status")


class Crash(tornado.web.RequestHandler):
    def get(self):
        raise ZeroDivisionError("division by zero")


class CustomErrorPage(tornado.web.RequestHandler):
    def get(self):
        raise HTTPError(418)

    def write_error(self, status_code, **kwargs):
        self.write({"status": status_code, "reason": self._reason})


class FinishEarly(tornado.web.RequestHandler):
    def get(self):
        self.set_status(401)
        self.set_header("WWW-Authenticate", 'Basic realm="conformance"')
        raise Finish("authentication required")


class FinishInPrepare(tornado.web.RequestHandler):
    def prepare(self):
        if self.get_argument("stop", None):
            self.finish("stopped in prepare")

    def get(self):
        self.write("get ran")


class Redirect(tornado.web.RequestHandler):
    def get(self):
        status = self.get_argument("status", None)
        self.redirect(
            self.get_argument("to"),
            permanent=self.get_argument("permanent", None) == "1",
            status=int(status) if status else None,
        )


class AddSlash(tornado.web.RequestHandler):
    @tornado.web.addslash
    def get(self):
        self.write("slash added")


class RemoveSlash(tornado.web.RequestHandler):
    @tornado.web.removeslash
    def get(self):
        self.write("slash removed")


class SetCookies(tornado.web.RequestHandler):
    def get(self):
        self.set_cookie("str", "asdf")
        self.set_cookie("scoped", "blah", domain="foo.com", path="/foo")
        self.set_cookie("age", "bar", max_age=10)
        self.set_cookie("https_only", "1", secure=True)
        self.set_cookie("script_hidden", "1", httponly=True)
        self.set_cookie("same_site", "1", samesite="Lax")
        self.set_cookie("equals", "a=b")
        self.set_cookie("days", "1", expires_days=2)
        self.set_cookie("twice", "first")
        self.set_cookie("twice", "second")
        self.write("cookies set")


class InvalidCookie(tornado.web.RequestHandler):
    def get(self):
        self.set_cookie("spaced", "a b")


class EchoCookies(tornado.web.RequestHandler):
    def get(self):
        self.write({name: self.get_cookie(name) for name in self.request.cookies})


class ClearCookies(tornado.web.RequestHandler):
    def get(self):
        self.clear_cookie("foo")
        self.clear_cookie("bar", path="/p", domain="example.com")
        self.write("cleared")


class AutomaticEtag(tornado.web.RequestHandler):
    def get(self):
        self.write("etag body")


class FixedEtag(tornado.web.RequestHandler):
    def compute_etag(self):
        return '"xyzzy"'

    def get(self):
        self.write("fixed etag")


class NoContent(tornado.web.RequestHandler):
    def get(self):
        self.set_status(204)


class Flush(tornado.web.RequestHandler):
    async def get(self):
        self.write("first ")
        await self.flush()
        self.write("second")


class JsonObject(tornado.web.RequestHandler):
    def get(self):
        self.write({"a": 1, "b": [1, 2], "c": "</script>é", "d": None, "e": True})


class JsonList(tornado.web.RequestHandler):
    def get(self):
        self.write([1, 2])


class Headers(tornado.web.RequestHandler):
    def get(self):
        self.set_header("X-Single", "one")
        self.add_header("X-Multi", "a")
        self.add_header("X-Multi", "b")
        self.set_header("X-Number", 42)
        self.set_header("X-Cleared", "x")
        self.clear_header("X-Cleared")
        self.set_header("Content-Language", "fr")
        self.write("headers")


class ContentType(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.write("plain")


class OnlyGet(tornado.web.RequestHandler):
    def get(self):
        self.write("get")


class NoMethods(tornado.web.RequestHandler):
    pass


class HeadAndGet(tornado.web.RequestHandler):
    def get(self):
        self.write("body of get")

    def head(self):
        self.set_header("X-Head", "1")


class Options(tornado.web.RequestHandler):
    def options(self):
        self.set_header("Allow", "GET, OPTIONS")
        self.set_status(204)


class EchoBody(tornado.web.RequestHandler):
    def post(self):
        self.set_header("Content-Type", "application/octet-stream")
        self.write(self.request.body)

    put = post


class Multipart(tornado.web.RequestHandler):
    def post(self):
        fields = {name: self.get_body_arguments(name) for name in self.request.body_arguments}
        files = {
            name: [{"filename": f.filename, "content_type": f.content_type, "body": f.body.decode()} for f in parts]
            for name, parts in self.request.files.items()
        }
        self.write({"fields": fields, "files": files})


class Unicode(tornado.web.RequestHandler):
    def get(self):
        self.write("héllo ☃")


# No apostrophe: Tornado 6.2 escapes it unlike 6.3+ and tornado-ts (a deliberate difference, docs/porting.md).
ESCAPE_INPUTS = [
    "a b/c?d=\u00e9&e+f%41",
    "</script> & \"q\" \u2028",
    "&lt;&amp;&#39;&#x27;&quot;&nbsp;&bogus;&#65;&#x42;",
    "  lots \t of \n space  ",
    "see www.example.com, http://x.org/a?b=1&c=<2> and mailto:a@b.c",
]


class Escape(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        for text in ESCAPE_INPUTS:
            self.write(tornado.escape.json_encode({"text": text, "list": [1, None, True]}) + "\n")
            self.write(tornado.escape.url_escape(text) + " " + tornado.escape.url_escape(text, plus=False) + "\n")
            self.write(tornado.escape.url_unescape(text) + " " + tornado.escape.url_unescape(text, plus=False) + "\n")
            self.write(tornado.escape.xhtml_unescape(text) + "\n")
            self.write(tornado.escape.squeeze(text) + "\n")
            self.write(tornado.escape.linkify(text) + "\n")


class StaticUrl(tornado.web.RequestHandler):
    def get(self):
        self.write({"versioned": self.static_url("robots.txt"), "plain": self.static_url("robots.txt", include_version=False)})


class ReverseUrl(tornado.web.RequestHandler):
    def get(self):
        self.write(self.reverse_url("named", "2024", "a-b"))


class LoginRequired(tornado.web.RequestHandler):
    def get_current_user(self):
        return self.get_cookie("user")

    @tornado.web.authenticated
    def get(self):
        self.write("hello " + self.current_user)

    @tornado.web.authenticated
    def post(self):
        self.write("posted")


# ---- templates ----


class Render(tornado.web.RequestHandler):
    def get(self, name):
        self.render(
            name,
            title=self.get_argument("title", "<Tom & Jerry>"),
            items=["a", "<b>", "c"],
            count=3,
            data={"k": "v"},
            text="see http://example.com/x?a=1&b=2 now",
        )


class RenderText(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.write(self.render_string("whitespace.txt", items=["one", "two"]))


# ---- signed cookies and XSRF ----


# Tornado 6.2 spells signed cookies set_secure_cookie/get_secure_cookie (6.3 added the _signed_ names).
class SignedSet(tornado.web.RequestHandler):
    def get(self):
        days = None if self.get_argument("session", None) else 30
        self.set_secure_cookie(self.get_argument("name", "session"), self.get_argument("value"), expires_days=days)
        self.write("signed")


class SignedGet(tornado.web.RequestHandler):
    def get(self):
        name = self.get_argument("name", "session")
        value = self.get_secure_cookie(name, max_age_days=float(self.get_argument("max_age_days", "31")))
        self.write(
            {
                "value_hex": value.hex() if value is not None else None,
                "key_version": self.get_secure_cookie_key_version(name),
            }
        )


class SignedCreate(tornado.web.RequestHandler):
    def get(self):
        self.write(self.create_signed_value(self.get_argument("name"), self.get_argument("value")))


class SignedDecode(tornado.web.RequestHandler):
    def get(self):
        value = tornado.web.decode_signed_value(COOKIE_SECRET, self.get_argument("name"), self.get_argument("value"))
        self.write({"value_hex": value.hex() if value is not None else None})


class XsrfForm(tornado.web.RequestHandler):
    def get(self):
        self.write(self.xsrf_form_html())

    def post(self):
        self.write("posted")


class XsrfToken(tornado.web.RequestHandler):
    def get(self):
        self.write(self.xsrf_token)


class LongText(tornado.web.RequestHandler):
    def get(self):
        self.write(LONG_TEXT)


class ShortText(tornado.web.RequestHandler):
    def get(self):
        self.write("short")


class VaryLanguage(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Vary", "Accept-Language")
        self.write(LONG_TEXT)


class LongJson(tornado.web.RequestHandler):
    def get(self):
        self.write({"items": list(range(400))})


class StrictEcho(tornado.web.RequestHandler):
    def post(self):
        self.write(self.request.body)


# ---- WebSockets ----


class EchoSocket(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


class JsonSocket(tornado.websocket.WebSocketHandler):
    def open(self):
        self.write_message({"hello": "world", "n": 1})

    def on_message(self, message):
        pass


class CloseSocket(tornado.websocket.WebSocketHandler):
    def open(self, code):
        self.close(int(code), "bye")

    def on_message(self, message):
        pass


class BareCloseSocket(tornado.websocket.WebSocketHandler):
    def open(self):
        self.close()

    def on_message(self, message):
        pass


class PathArgSocket(tornado.websocket.WebSocketHandler):
    def open(self, arg):
        self.write_message(arg)

    def on_message(self, message):
        pass


class UnofferedSubprotocolSocket(tornado.websocket.WebSocketHandler):
    def select_subprotocol(self, subprotocols):
        return "notoffered"


class SubprotocolSocket(tornado.websocket.WebSocketHandler):
    def select_subprotocol(self, subprotocols):
        return "goodproto" if "goodproto" in subprotocols else None

    def open(self):
        self.write_message("subprotocol=%s" % (self.selected_subprotocol or "none"))

    def on_message(self, message):
        pass


class HeadersSocket(tornado.websocket.WebSocketHandler):
    def set_default_headers(self):
        self.set_header("X-Default", "yes")

    def prepare(self):
        self.set_header("X-Prepare", "yes")

    def on_message(self, message):
        self.write_message(message)


class RefusingSocket(tornado.websocket.WebSocketHandler):
    def prepare(self):
        raise HTTPError(401)

    def on_message(self, message):
        pass


class CrashingSocket(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        raise ValueError("on_message failed")


class RecordingSocket(tornado.websocket.WebSocketHandler):
    def open(self):
        last_close.update(code=None, reason=None)

    def on_message(self, message):
        self.write_message(message)

    def on_close(self):
        last_close.update(code=self.close_code, reason=self.close_reason)


class LastClose(tornado.web.RequestHandler):
    def get(self):
        self.write(dict(last_close))


def main_app():
    return tornado.web.Application(
        [
            (r"/hello", Hello),
            (r"/args", Arguments),
            (r"/required", RequiredArgument),
            (r"/path/([^/]+)/([^/]+)", PathArguments),
            tornado.web.url(r"/named/(?P<year>[0-9]+)/(?P<slug>[a-z-]+)", NamedArguments, name="named"),
            (r"/optional/([0-9]+)?", OptionalArgument),
            (r"/decode/(.*)", DecodedArgument),
            (r"/status/([0-9]+)", RaiseStatus),
            (r"/reason", CustomReason),
            (r"/unknown-status", UnknownStatus),
            (r"/crash", Crash),
            (r"/custom-error", CustomErrorPage),
            (r"/finish", FinishEarly),
            (r"/finish-in-prepare", FinishInPrepare),
            (r"/redirect", Redirect),
            (r"/redirect-handler/(\w+)/(\w+)", tornado.web.RedirectHandler, {"url": "/{1}/{0}"}),
            (r"/src", tornado.web.RedirectHandler, {"url": "/dst"}),
            (r"/temporary", tornado.web.RedirectHandler, {"url": "/elsewhere", "permanent": False}),
            (r"/addslash/?", AddSlash),
            (r"/removeslash/?", RemoveSlash),
            (r"/cookies/set", SetCookies),
            (r"/cookies/echo", EchoCookies),
            (r"/cookies/invalid", InvalidCookie),
            (r"/cookies/clear", ClearCookies),
            (r"/etag", AutomaticEtag),
            (r"/etag/fixed", FixedEtag),
            (r"/no-content", NoContent),
            (r"/flush", Flush),
            (r"/json", JsonObject),
            (r"/json/list", JsonList),
            (r"/headers", Headers),
            (r"/content-type", ContentType),
            (r"/only-get", OnlyGet),
            (r"/no-methods", NoMethods),
            (r"/head-and-get", HeadAndGet),
            (r"/options", Options),
            (r"/echo", EchoBody),
            (r"/multipart", Multipart),
            (r"/unicode", Unicode),
            (r"/escape", Escape),
            (r"/static-url", StaticUrl),
            (r"/reverse-url", ReverseUrl),
            (r"/login-required", LoginRequired),
            (r"/render/([a-z-]+\.html)", Render),
            (r"/render-text", RenderText),
            (r"/signed/set", SignedSet),
            (r"/signed/get", SignedGet),
            (r"/signed/create", SignedCreate),
            (r"/signed/decode", SignedDecode),
            (r"/ws/echo", EchoSocket),
            (r"/ws/json", JsonSocket),
            (r"/ws/close/([0-9]+)", CloseSocket),
            (r"/ws/close-bare", BareCloseSocket),
            (r"/ws/path/([^/]+)", PathArgSocket),
            (r"/ws/subprotocol", SubprotocolSocket),
            (r"/ws/subprotocol-unoffered", UnofferedSubprotocolSocket),
            (r"/ws/headers", HeadersSocket),
            (r"/ws/refuse", RefusingSocket),
            (r"/ws/crash", CrashingSocket),
            (r"/ws/recording", RecordingSocket),
            (r"/ws/last-close", LastClose),
        ],
        cookie_secret=COOKIE_SECRET,
        login_url="/login",
        static_path=STATIC_PATH,
        static_handler_args={"default_filename": "index.html"},
        template_path=TEMPLATE_PATH,
    )


def strict_app():
    return tornado.web.Application(
        [
            (r"/hello", Hello),
            (r"/xsrf/form", XsrfForm),
            (r"/xsrf/token", XsrfToken),
            (r"/xsrf/error", tornado.web.ErrorHandler, {"status_code": 417}),
            (r"/gzip/long", LongText),
            (r"/gzip/short", ShortText),
            (r"/gzip/vary", VaryLanguage),
            (r"/gzip/json", LongJson),
            (r"/echo", StrictEcho),
            (r"/ws/echo", EchoSocket),
        ],
        cookie_secret=COOKIE_SECRET,
        xsrf_cookies=True,
        compress_response=True,
        websocket_max_message_size=STRICT_MAX_MESSAGE_SIZE,
    )


async def serve(port, strict_port):
    main_app().listen(port, "127.0.0.1")
    strict_app().listen(strict_port, "127.0.0.1", max_body_size=STRICT_MAX_BODY_SIZE)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--strict-port", type=int, required=True)
    options = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(serve(options.port, options.strict_port))
