import { testing, websocket } from "tornado-ts";
import { make_app } from "./app";

class AppTest extends testing.AsyncHTTPTestCase {
  get_app() {
    return make_app();
  }
}

const t = new AppTest();
beforeEach(() => t.setUp());
afterEach(() => t.tearDown());

test("the home page greets the world by default", async () => {
  const response = await t.fetch("/");
  expect(response.code).toBe(200);
  expect(response.text).toBe("Hello, world");
});

test("the home page greets the name it is given", async () => {
  const response = await t.fetch("/?name=Ada");
  expect(response.text).toBe("Hello, Ada");
});

test("an unknown page is a 404", async () => {
  const response = await t.fetch("/nowhere");
  expect(response.code).toBe(404);
});

test("the echo socket sends every message back", async () => {
  const url = t.get_url("/ws/echo").replace("http://", "ws://");
  const connection = await websocket.websocket_connect(url);
  await connection.write_message("ping");
  expect(await connection.read_message()).toBe("ping");
  connection.close();
});
