import { httpclient, web } from "../src";
import { serve } from "./support/serve";

// As Tornado's simple_httpclient: a POST sent without a Content-Type goes out as a form
// (application/x-www-form-urlencoded), so that `fetch(url, { method: "POST", body: urlencode(args) })`
// reaches the handler's get_argument; a Content-Type given is kept, other methods get none.

class ContentType extends web.RequestHandler {
  post() {
    this.write({ type: this.request.headers.get("Content-Type") ?? null, name: this.get_argument("name", null) });
  }
  put() {
    this.post();
  }
}

const client = () => new httpclient.AsyncHTTPClient();

test("a POST without a Content-Type is sent as a form, and its arguments are read", async () => {
  const server = await serve([["/", ContentType]]);
  const response = await client().fetch(server.get_url("/"), { method: "POST", body: "name=ay%C5%9Fe+y" });
  expect(JSON.parse(response.body.toString())).toEqual({ type: "application/x-www-form-urlencoded", name: "ayşe y" });
});

test("a Content-Type given is kept, and a PUT gets none added", async () => {
  const server = await serve([["/", ContentType]]);
  const json = await client().fetch(server.get_url("/"), {
    method: "POST",
    body: "{}",
    headers: { "Content-Type": "application/json" },
  });
  expect(JSON.parse(json.body.toString())).toEqual({ type: "application/json", name: null });
  const put = await client().fetch(server.get_url("/"), { method: "PUT", body: "name=x" });
  expect(JSON.parse(put.body.toString())).toEqual({ type: null, name: null });
});
