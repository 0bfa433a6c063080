/** Templates, rendered by Python Tornado and by tornado-ts from the same files (apps/templates). */
import { compareCases } from "./cases";
import { expectDeliberateCasesCompared } from "./compare";
import { useServerPair } from "./runner";

const pair = useServerPair();

compareCases(pair, [
  { id: "templates/extends-blocks-loops-escaping", request: { path: "/render/page.html" } },
  {
    id: "templates/argument-escaped-in-title",
    request: { path: "/render/page.html?title=%22quoted%22%20%27single%27%20%3Cscript%3E" },
  },
  { id: "templates/parent-default-blocks", request: { path: "/render/base.html" } },
  { id: "templates/escape-helpers-and-urls", request: { path: "/render/helpers.html" } },
  { id: "templates/set-while-include-modules", request: { path: "/render/statements.html" } },
  { id: "templates/apply-linkify", request: { path: "/render/apply-linkify.html" } },
  { id: "templates/apply-text-function", request: { path: "/render/apply-squeeze.html" } },
  { id: "templates/autoescape-none", request: { path: "/render/unescaped.html" } },
  { id: "templates/include-alone", request: { path: "/render/part.html" } },
  { id: "templates/whitespace-kept-outside-html", request: { path: "/render-text" } },
  { id: "templates/undefined-name-is-500", request: { path: "/render/broken.html" } },
  { id: "templates/missing-parent-is-500", request: { path: "/render/missing-parent.html" } },
  { id: "templates/missing-template-is-500", request: { path: "/render/no-such-template.html" } },
]);

test("every deliberate difference listed under templates/ names a compared case", () => {
  expectDeliberateCasesCompared("templates/");
});
