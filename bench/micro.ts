/**
 * In-process cost of the request pipeline, without sockets: `tsx bench/micro.ts [path] [count]`.
 * Builds requests as HTTPServer does (from raw headers) and serves them through an
 * Application into a connection that discards the output; prints microseconds per request.
 * A working tool for the hot path: the figures of record come from `npm run bench`.
 */
import { web, httputil, log } from "../src";

class HelloHandler extends web.RequestHandler {
  get() {
    this.write("Hello, world");
  }
}
class UserHandler extends web.RequestHandler {
  get(id: string) {
    this.write(`user ${id}`);
  }
}

const RESOLVED = Promise.resolve();
const sink: httputil.HTTPConnection = {
  write_headers: () => RESOLVED,
  write: () => RESOLVED,
  finish: () => {},
  set_close_callback: () => {},
};
const RAW_HEADERS = ["Host", "127.0.0.1:8888", "User-Agent", "wrk", "Accept", "*/*"];

async function main(): Promise<void> {
  log.access_log.setLevel(log.WARNING);
  const routes: web.Route[] = [
    ["/hello", HelloHandler],
    ["/user/([0-9]+)", UserHandler],
  ];
  const routeCount = Number(process.argv[4] ?? "0");
  for (let i = 0; i < routeCount; i++) routes.push([`/route${i}/([0-9]+)`, UserHandler]);
  const app = new web.Application(routes, { log_function: () => {} });
  const path = process.argv[2] ?? "/hello";
  const count = Number(process.argv[3] ?? "200000");
  const serve = () => {
    const request = new httputil.HTTPServerRequest({
      method: "GET",
      uri: path,
      version: "HTTP/1.1",
      headers: httputil.HTTPHeaders.from_raw(RAW_HEADERS),
      remote_ip: "127.0.0.1",
      protocol: "http",
      connection: sink,
    });
    return app.handle_request(request);
  };
  for (let i = 0; i < count / 4; i++) await serve();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await serve();
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`${path}: ${(ns / count / 1000).toFixed(2)} µs per request (${count} requests)`);
}
void main();
