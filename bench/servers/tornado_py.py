"""Python Tornado contestant (Debian's python3-tornado), run with /usr/bin/python3."""
import argparse
import asyncio
import logging
import resource
import signal
import sys

import tornado.web
import tornado.websocket

JSON_BODY = {"message": "Hello, world", "framework": "bench", "items": [1, 2, 3], "nested": {"ok": True}}


class HelloHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


class JsonHandler(tornado.web.RequestHandler):
    def get(self):
        self.write(JSON_BODY)


class UserHandler(tornado.web.RequestHandler):
    def get(self, uid):
        self.write("user " + uid)


class FormHandler(tornado.web.RequestHandler):
    def post(self):
        self.write("ok %s %s" % (self.get_body_argument("name"), self.get_body_argument("email")))


class StatsHandler(tornado.web.RequestHandler):
    def get(self):
        self.write({"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})


class EchoSocket(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


async def main(port):
    app = tornado.web.Application(
        [
            (r"/hello", HelloHandler),
            (r"/json", JsonHandler),
            (r"/user/([0-9]+)", UserHandler),
            (r"/stats", StatsHandler),
            (r"/form", FormHandler),
            (r"/ws/echo", EchoSocket),
        ],
        log_function=lambda handler: None,
    )
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    ns, _ = p.parse_known_args()
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    asyncio.run(main(ns.port))
