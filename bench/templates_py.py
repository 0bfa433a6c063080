"""Python Tornado's side of the template scenario (bench/templates.ts): the same page and data.

Prints one JSON line: {"python tornado": {"us": [...], "html": "..."}}, µs per render per sample,
each sample timed with time.perf_counter over about --sample-ms of renders.
"""
import argparse
import json
import time
import types

import tornado.template

SOURCE = (
    "<html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><table>\n"
    "{% for row in rows %}<tr><td>{{ row.name }}</td><td>{{ row.email }}</td><td>{{ row.note }}</td>"
    '{% if row.active %}<td class="on">active</td>{% end %}</tr>\n{% end %}</table></body></html>\n'
)


def page_data():
    rows = [
        types.SimpleNamespace(
            name="user <%d> & co" % i,
            email="u%d@example.com" % i,
            note="note %d > %d & more" % (i, i - 1),
            active=i % 3 == 0,
        )
        for i in range(100)
    ]
    return {"title": "Orders & <returns>", "rows": rows}


def sample(render, ms):
    n = 0
    t0 = time.perf_counter()
    stop = t0 + ms / 1000
    t = t0
    while t < stop:
        for _ in range(20):
            render()
        n += 20
        t = time.perf_counter()
    return (t - t0) * 1e6 / n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--sample-ms", type=float, default=200)
    ns = p.parse_args()
    t = tornado.template.Template(SOURCE, name="page.html")
    data = page_data()
    render = lambda: t.generate(**data)  # noqa: E731
    html = render().decode("utf-8")
    sample(render, ns.sample_ms)
    us = [sample(render, ns.sample_ms) for _ in range(ns.samples)]
    print(json.dumps({"python tornado": {"us": us, "html": html}}))


if __name__ == "__main__":
    main()
