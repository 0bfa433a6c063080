import { join } from "node:path";
import { web, ioloop } from "tornado-ts";

class ListHandler extends web.RequestHandler {
  get() {
    const items = ["bread", "cheese", "<olives>"];
    return this.render("list.html", { title: "Shopping", items });
  }
}

const port = Number(process.env.PORT ?? 8888);
const app = new web.Application([["/", ListHandler]], {
  template_path: join(__dirname, "templates"),
  static_path: join(__dirname, "static"),
});
app.listen(port);
console.log(`Listening on http://localhost:${port}/`);
ioloop.IOLoop.current().start();
