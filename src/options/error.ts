/** The error of `tornado.options`, Python's `tornado.options.Error`. */
export class OptionsError extends Error {
  /** Makes the error with its message; `name` reads `"options.Error"` in stack traces. */
  constructor(message: string) {
    super(message);
    this.name = "options.Error";
  }
}
