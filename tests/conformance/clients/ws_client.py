"""Tornado's own WebSocket client (websocket_connect) against one implementation of the conformance apps.

Run with Debian's Tornado: /usr/bin/python3 ws_client.py --port=N --strict-port=M
Runs every scenario in turn and prints one JSON object: scenario name -> what the client saw.
"""
import argparse
import asyncio
import json

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

STEP_TIMEOUT = 5


def describe_error(error):
    """An exception as the fields a scenario compares: its class, and its HTTP status if any."""
    return {"error": type(error).__name__, "code": getattr(error, "code", None)}


def describe_message(message):
    if isinstance(message, bytes):
        return {"binary": message.hex()}
    return message


async def read(conn):
    return await asyncio.wait_for(conn.read_message(), STEP_TIMEOUT)


async def exchange(url, messages, **connect_options):
    """Connects, sends each message (bytes as binary), reads one answer per message, then closes."""
    conn = await asyncio.wait_for(websocket_connect(url, **connect_options), STEP_TIMEOUT)
    answers = []
    for message in messages:
        await conn.write_message(message, binary=isinstance(message, bytes))
        answers.append(describe_message(await read(conn)))
    conn.close()
    return {"answers": answers}


async def read_until_closed(url, send=None):
    """Connects, optionally sends one message, and reads until the server closes."""
    conn = await asyncio.wait_for(websocket_connect(url), STEP_TIMEOUT)
    if send is not None:
        await conn.write_message(send, binary=isinstance(send, bytes))
    messages = []
    while True:
        message = await read(conn)
        if message is None:
            return {"messages": messages, "close_code": conn.close_code, "close_reason": conn.close_reason}
        messages.append(describe_message(message))


async def first_message(url, **connect_options):
    conn = await asyncio.wait_for(websocket_connect(url, **connect_options), STEP_TIMEOUT)
    message = describe_message(await read(conn))
    outcome = {"message": message, "selected_subprotocol": conn.selected_subprotocol}
    conn.close()
    return outcome


async def handshake_refused(request):
    try:
        conn = await asyncio.wait_for(websocket_connect(request), STEP_TIMEOUT)
    except Exception as error:
        return describe_error(error)
    conn.close()
    return {"error": None}


async def headers_on_101(url):
    conn = await asyncio.wait_for(websocket_connect(url), STEP_TIMEOUT)
    outcome = {name: conn.headers.get(name) for name in ("X-Default", "X-Prepare", "Upgrade", "Sec-Websocket-Protocol")}
    conn.close()
    return outcome


async def close_seen_by_server(url, http_base, code, reason):
    """Closes with `code` and `reason`, then polls /ws/last-close until the server's on_close has recorded them."""
    conn = await asyncio.wait_for(websocket_connect(url), STEP_TIMEOUT)
    await conn.write_message("hi")
    await read(conn)
    conn.close(code, reason)
    client = AsyncHTTPClient()
    deadline = asyncio.get_running_loop().time() + STEP_TIMEOUT
    while True:
        seen = json.loads((await client.fetch(http_base + "/ws/last-close")).body)
        if seen["code"] is not None or asyncio.get_running_loop().time() > deadline:
            return seen
        await asyncio.sleep(0.02)


def scenarios(port, strict_port):
    ws = "ws://127.0.0.1:%d" % port
    strict = "ws://127.0.0.1:%d" % strict_port
    http_base = "http://127.0.0.1:%d" % port
    return {
        "echo-text": lambda: exchange(ws + "/ws/echo", ["hello", "again"]),
        "echo-unicode": lambda: exchange(ws + "/ws/echo", ["h\u00e9llo \u2603"]),
        "echo-binary": lambda: exchange(ws + "/ws/echo", [b"hello \xe9\x00\xff"]),
        "json-from-open": lambda: first_message(ws + "/ws/json"),
        "path-argument-decoded": lambda: first_message(ws + "/ws/path/hello%20there"),
        "subprotocol-chosen": lambda: first_message(ws + "/ws/subprotocol", subprotocols=["badproto", "goodproto"]),
        "subprotocol-none-offered": lambda: first_message(ws + "/ws/subprotocol"),
        "server-close-code-and-reason": lambda: read_until_closed(ws + "/ws/close/4000"),
        "server-close-without-code": lambda: read_until_closed(ws + "/ws/close-bare"),
        "client-close-code-seen-by-server": lambda: close_seen_by_server(ws + "/ws/recording", http_base, 4001, "client bye"),
        "exception-in-on-message": lambda: read_until_closed(ws + "/ws/crash", "boom"),
        "largest-message-echoed": lambda: exchange(strict + "/ws/echo", ["x" * 1024]),
        "oversize-message-closes": lambda: read_until_closed(strict + "/ws/echo", "x" * 1025),
        "headers-on-101": lambda: headers_on_101(ws + "/ws/headers"),
        "not-found-is-404": lambda: handshake_refused(ws + "/ws/none"),
        "plain-page-refused": lambda: handshake_refused(ws + "/hello"),
        "prepare-refusal-401": lambda: handshake_refused(ws + "/ws/refuse"),
        "foreign-origin-is-403": lambda: handshake_refused(HTTPRequest(ws + "/ws/echo", headers={"Origin": "http://other.example"})),
    }


async def run_all(port, strict_port):
    results = {}
    for name, scenario in scenarios(port, strict_port).items():
        try:
            results[name] = await asyncio.wait_for(scenario(), STEP_TIMEOUT * 3)
        except Exception as error:
            results[name] = describe_error(error)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--strict-port", type=int, required=True)
    options = parser.parse_args()
    print(json.dumps(asyncio.run(run_all(options.port, options.strict_port))))
