/**
 * tornado-ts's web framework, as Tornado's `tornado.web`: `Application`, `RequestHandler`,
 * routes made with `url()`, and the exceptions a handler throws to end a request.
 *
 * ```ts
 * import { web, ioloop } from "tornado-ts";
 *
 * class MainHandler extends web.RequestHandler {
 *   get() {
 *     this.write("Hello, world");
 *   }
 * }
 *
 * new web.Application([["/", MainHandler]]).listen(8888);
 * ioloop.IOLoop.current().start();
 * ```
 */
export { RequestHandler } from "./handler";
export type { Chunk, CookieOptions, ErrorOptions, RequestHandlerClass } from "./handler";
export { Application, url } from "./application";
export type { Route, RouteTuple, RouteTarget, Settings } from "./application";
export { ErrorHandler, RedirectHandler } from "./handlers";
export { StaticFileHandler } from "./static";
export { UIModule, TemplateModule } from "./ui-modules";
export type { ResourceFiles, TemplateResources, UIModuleClass } from "./ui-modules";
export type { UINamespace } from "./handler-state";
export type { StaticContent, StaticFileHandlerOptions } from "./static";
export { addslash, removeslash, stream_request_body, verbDecorator } from "./decorators";
export type { VerbDecorator, VerbMethod } from "./decorators";
export { GZipContentEncoding } from "./transforms";
export type { OutputTransform, OutputTransformClass } from "./transforms";
export { HTTPError, Finish, MissingArgumentError } from "./errors";
export type { HTTPErrorOptions } from "./errors";
export { URLSpec } from "../routing";
export { authenticated } from "./auth";
export { create_signed_value, decode_signed_value, get_signature_key_version } from "./signing";
export type { CookieSecret } from "./signing";
