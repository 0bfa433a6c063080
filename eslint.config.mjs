// Lint: typescript-eslint's recommended rules, formatting left to Prettier (eslint-config-prettier
// turns off the rules it decides). The choices beyond the recommended set, and why:
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "docs/api/", "bench/node_modules/", "tests/.samples/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // `==` only where it means what Python's `is None` does: null or undefined, both at once.
      eqeqeq: ["error", "always", { null: "ignore" }],
      // Hooks a subclass overrides (`get(...args)`, `on_message(message)`, `set_extra_headers(path)`)
      // declare their parameters for the documentation and the override's signature, and use none.
      // Unused variables are still errors; a leading underscore marks one kept on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { args: "none", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Parsers over HTTP bytes match control characters on purpose (refusing them is their job).
      "no-control-regex": "off",
      // Walking a logger's parent chain starts from `this`: `let logger = this` is the loop, not an alias.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["logger"] }],
      // Tornado's API is duck-typed where Python's is: handler verbs take the route's groups as `any`
      // so that a subclass may declare `get(id: string)`, decorators wrap any verb, and a template
      // namespace holds values of any type. Every other `any` is a review comment.
      "@typescript-eslint/no-explicit-any": "off",
      // Prefer `import type` for type-only imports: they vanish from the emitted JavaScript, so a
      // type import cannot create a runtime import cycle.
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly", __dirname: "readonly" },
    },
  },
);
