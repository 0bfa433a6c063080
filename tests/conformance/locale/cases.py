"""Python Tornado's tornado.locale on the cases of tests/conformance/locale.test.ts.

Reads {"now": unix_seconds, "csv_dir": ..., "gettext_dir": ..., "cases": [...]} as JSON on stdin
and prints the list of answers as JSON: each answer is the result, or {"error": name} when
Tornado raised. The clock tornado.locale reads is fixed at "now".
"""
import datetime
import logging
import json
import sys
import types

import tornado.locale

logging.disable(logging.CRITICAL)  # the complaints about the fixtures are tested elsewhere
request = json.load(sys.stdin)
NOW = datetime.datetime.utcfromtimestamp(request["now"])


class FixedClock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return NOW

    @classmethod
    def now(cls, tz=None):
        return NOW if tz is None else NOW.replace(tzinfo=tz)


tornado.locale.datetime = types.SimpleNamespace(
    datetime=FixedClock, timedelta=datetime.timedelta, timezone=datetime.timezone
)


def load(kind):
    if kind == "csv":
        tornado.locale.load_translations(request["csv_dir"])
    elif kind == "gettext":
        tornado.locale.load_gettext_translations(request["gettext_dir"], "tornado_test")
    else:
        tornado.locale.load_translations(request["empty_dir"])
    # tornado-ts forgets the locales made before a load; Tornado keeps them.
    tornado.locale.Locale._cache = {}


def answer(case):
    op = case["op"]
    if op == "load":
        load(case["kind"])
        return None
    if op == "default":
        tornado.locale.set_default_locale(case["code"])
        return sorted(tornado.locale.get_supported_locales())
    if op == "closest":
        return tornado.locale.get(*case["codes"]).code
    loc = tornado.locale.Locale.get(case["code"])
    args = case.get("args", [])
    if op == "format_date":
        date, gmt_offset, relative, shorter, full_format = args
        return loc.format_date(date, gmt_offset, relative, shorter, full_format)
    if op == "format_day":
        date, gmt_offset, dow = args
        return loc.format_day(datetime.datetime.utcfromtimestamp(date), gmt_offset, dow)
    if op == "friendly_number":
        return loc.friendly_number(int(args[0]))
    if op == "info":
        return [loc.code, loc.name, loc.rtl, type(loc).__name__]
    return getattr(loc, op)(*args)


answers = []
for case in request["cases"]:
    try:
        answers.append(answer(case))
    except Exception as e:
        answers.append({"error": type(e).__name__})
json.dump(answers, sys.stdout, ensure_ascii=False)
