import { readFileSync } from "node:fs";
import { join } from "node:path";
import { web, log, testing, httpserver, httputil } from "../src";
import { serve } from "./support/serve";
import { exchangeUntilClose, openSocket, readUntil, splitResponse, waitForClose } from "./support/wire";

class Info extends web.RequestHandler {
  get() {
    this.write({ remote_ip: this.request.remote_ip, protocol: this.request.protocol });
  }
  post() {
    this.write({ size: this.request.body.length });
  }
}

describe("request callbacks", () => {
  test("a plain function can answer through request.connection", async () => {
    const callback = (request: httputil.HTTPServerRequest) => {
      const headers = new httputil.HTTPHeaders({ "Content-Length": "5" });
      void request.connection!.write_headers(
        { version: "HTTP/1.1", code: 200, reason: "OK" },
        headers,
        Buffer.from("plain"),
      );
      request.connection!.finish();
    };
    const server = await testing.start_server(callback);
    try {
      expect((await server.fetch("/")).text).toBe("plain");
    } finally {
      await server.close();
    }
  });

  test("an exception in a plain callback is logged and the server keeps going", async () => {
    let calls = 0;
    const callback = (request: httputil.HTTPServerRequest) => {
      calls++;
      if (calls === 1) throw new Error("callback failure");
      void request.connection!.write_headers(
        { version: "HTTP/1.1", code: 200, reason: "OK" },
        new httputil.HTTPHeaders({ "Content-Length": "2" }),
        "ok",
      );
      request.connection!.finish();
    };
    const server = await testing.start_server(callback);
    try {
      const socket = await openSocket(server.port);
      await testing.ExpectLog.around(log.app_log, /Uncaught exception while serving/, async () => {
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      socket.destroy();
      expect((await server.fetch("/")).text).toBe("ok");
    } finally {
      await server.close();
    }
  });
});

describe("xheaders", () => {
  test("X-Real-Ip and X-Scheme set remote_ip and protocol when xheaders is on", async () => {
    const server = await serve([["/", Info]], {}, { xheaders: true });
    const response = await server.fetch("/", { headers: { "X-Real-Ip": "4.4.4.4", "X-Scheme": "https" } });
    expect(response.json()).toEqual({ remote_ip: "4.4.4.4", protocol: "https" });
  });

  test("X-Forwarded-For takes the last address not in trusted_downstream; X-Forwarded-Proto the last value", async () => {
    const server = await serve([["/", Info]], {}, { xheaders: true, trusted_downstream: ["5.5.5.5"] });
    const response = await server.fetch("/", {
      headers: { "X-Forwarded-For": "1.1.1.1, 2.2.2.2, 5.5.5.5", "X-Forwarded-Proto": "http, https" },
    });
    expect(response.json()).toEqual({ remote_ip: "2.2.2.2", protocol: "https" });
  });

  test("invalid addresses and schemes are ignored", async () => {
    const server = await serve([["/", Info]], {}, { xheaders: true });
    const response = await server.fetch("/", { headers: { "X-Real-Ip": "not-an-ip", "X-Scheme": "gopher" } });
    expect(response.json()).toEqual({ remote_ip: "127.0.0.1", protocol: "http" });
  });

  test("without xheaders the headers are not trusted", async () => {
    const server = await serve([["/", Info]]);
    const response = await server.fetch("/", { headers: { "X-Real-Ip": "4.4.4.4", "X-Scheme": "https" } });
    expect(response.json()).toEqual({ remote_ip: "127.0.0.1", protocol: "http" });
  });

  test("the protocol option overrides request.protocol", async () => {
    const server = await serve([["/", Info]], {}, { protocol: "https" });
    expect((await server.fetch("/")).json().protocol).toBe("https");
  });
});

describe("body limits", () => {
  test("a declared body over max_body_size gets 413 and the handler never runs", async () => {
    let ran = false;
    class Never extends web.RequestHandler {
      post() {
        ran = true;
      }
    }
    const server = await serve([["/", Never]], {}, { max_body_size: 1024 });
    const raw = await testing.ExpectLog.around(log.gen_log, /413 POST \/ .*max_body_size/, () =>
      exchangeUntilClose(server.port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"),
    );
    const { statusLine, headerLines, body } = splitResponse(raw);
    expect(statusLine).toBe("HTTP/1.1 413 Request Entity Too Large");
    expect(headerLines).toContain("Connection: close");
    expect(body).toBe(
      "<html><title>413: Request Entity Too Large</title><body>413: Request Entity Too Large</body></html>",
    );
    expect(ran).toBe(false);
  });

  test("a chunked body that grows past max_body_size gets 413 and the connection closes", async () => {
    const server = await serve([["/", Info]], {}, { max_body_size: 1024 });
    const chunk = "x".repeat(800);
    const request = `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(800).toString(16)}\r\n${chunk}\r\n${(800).toString(16)}\r\n${chunk}\r\n`;
    const raw = await testing.ExpectLog.around(log.gen_log, /413/, () => exchangeUntilClose(server.port, request));
    expect(splitResponse(raw).statusLine).toBe("HTTP/1.1 413 Request Entity Too Large");
  });

  test("a body within max_body_size reaches the handler whole", async () => {
    const server = await serve([["/", Info]], {}, { max_body_size: 1024 });
    expect((await server.fetch("/", { method: "POST", body: "y".repeat(1024) })).json()).toEqual({ size: 1024 });
  });

  test("body_timeout closes a connection whose body stalls", async () => {
    const server = await serve([["/", Info]], {}, { body_timeout: 0.1 });
    const socket = await openSocket(server.port);
    await testing.ExpectLog.around(log.gen_log, /Timeout reading body from 127\.0\.0\.1/, async () => {
      socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
      await waitForClose(socket, 3000);
    });
  });
});

describe("connections", () => {
  test("keep-alive is on by default: two requests on one connection", async () => {
    const server = await serve([["/", Info]]);
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, (r) => r.endsWith("}"));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const second = await readUntil(socket, (r) => r.endsWith("}"));
    expect(second).toMatch(/^HTTP\/1\.1 200 OK/);
    socket.destroy();
  });

  test("no_keep_alive closes the connection after each response", async () => {
    const server = await serve([["/", Info]], {}, { no_keep_alive: true });
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(splitResponse(raw).headerLines).toContain("Connection: close");
  });

  test("idle_connection_timeout closes an idle keep-alive connection", async () => {
    const server = await serve([["/", Info]], {}, { idle_connection_timeout: 0.2 });
    const socket = await openSocket(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, (r) => r.endsWith("}"));
    await waitForClose(socket, 3000);
  });

  test("a malformed request gets a short 400 and the connection closes", async () => {
    const server = await serve([["/", Info]]);
    const raw = await testing.ExpectLog.around(log.gen_log, /Malformed HTTP message from/, () =>
      exchangeUntilClose(server.port, "NOT HTTP AT ALL\r\n\r\n"),
    );
    expect(raw).toBe("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });

  test("an HTTP/1.1 request without Host gets 400", async () => {
    const server = await serve([["/", Info]]);
    const raw = await exchangeUntilClose(server.port, "GET / HTTP/1.1\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  });

  test("ready() rejects with the address when the port is taken", async () => {
    const first = await serve([["/", Info]]);
    const second = new httpserver.HTTPServer(new web.Application([])).listen(first.port, "127.0.0.1");
    await expect(second.ready()).rejects.toThrow(
      `HTTPServer could not listen on 127.0.0.1:${first.port}: listen EADDRINUSE`,
    );
  });

  test("stop() stops accepting; close_all_connections() closes open ones", async () => {
    const app = new web.Application([["/", Info]]);
    const server = await new httpserver.HTTPServer(app).listen(0, "127.0.0.1").ready();
    const port = server.port!;
    const socket = await openSocket(port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, (r) => r.endsWith("}"));
    server.stop();
    await expect(openSocket(port)).rejects.toThrow(/ECONNREFUSED/);
    await server.close_all_connections();
    await waitForClose(socket, 3000);
  });
});

describe("HTTPS", () => {
  test("ssl_options serves HTTPS and requests report protocol https", async () => {
    const fixtures = join(__dirname, "fixtures");
    const ssl_options = {
      key: readFileSync(join(fixtures, "test.key")),
      cert: readFileSync(join(fixtures, "test.crt")),
    };
    const server = await serve([["/", Info]], {}, { ssl_options });
    expect(server.get_url("/")).toMatch(/^https:/);
    const response = await server.fetch("/", { validate_cert: false });
    expect(response.json()).toEqual({ remote_ip: "127.0.0.1", protocol: "https" });
  });
});

describe("Content-Length", () => {
  test("a body shorter than the declared Content-Length is logged and the connection closed, not left hanging", async () => {
    class Short extends web.RequestHandler {
      get() {
        this.set_header("Content-Length", "100");
        this.write("only this");
      }
    }
    const server = await serve([["/", Short]]);
    const socket = await openSocket(server.port);
    await testing.ExpectLog.around(
      log.gen_log,
      /Tried to write 91 bytes less than Content-Length for GET \//,
      async () => {
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await waitForClose(socket, 3000);
      },
    );
  });
});
