/**
 * The form Tornado's auth mixins take in TypeScript.
 *
 * Python writes `class Login(RequestHandler, GoogleOAuth2Mixin)`; TypeScript has one base
 * class, so each mixin is a function from a handler class to a subclass of it:
 * `class Login extends auth.GoogleOAuth2Mixin(web.RequestHandler)`. Mixins compose the same
 * way, and the result is still a `RequestHandler`, so routes and `instanceof` work as usual.
 * @module
 */
import type { RequestHandler } from "../web/handler";

/** Any `RequestHandler` class (or subclass) that a mixin can extend. */
export type HandlerClass = abstract new (...args: any[]) => RequestHandler;
