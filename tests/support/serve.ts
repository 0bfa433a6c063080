import { web, testing, type httpserver } from "../../src";

const running: testing.TestServer[] = [];

/** Starts an Application with these routes on a free loopback port; closed after each test. */
export async function serve(
  routes: readonly web.Route[],
  settings: web.Settings = {},
  options: httpserver.HTTPServerOptions = {},
): Promise<testing.TestServer> {
  const server = await testing.start_server(new web.Application(routes, settings), options);
  running.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});
