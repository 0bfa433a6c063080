/**
 * `RequestHandler`'s execution pipeline: `_execute` (method check, body, path captures, user,
 * XSRF check, `prepare`, the verb, `finish`) as a step runner that stays synchronous while the
 * hooks do, and error handling: `send_error`, the default error page, exception logging, and
 * ending a response no error page can be written for. Functions of the handler
 * (`HandlerCore`); internal.
 */
import { app_log, exc_info, gen_log } from "../log";
import * as util from "../util";
import { Finish, HTTPError } from "./errors";
import { completeResponse, endBroken } from "./handler-output";
import * as inputModule from "./handler-input";
import { ABANDONED, type Chunk, type ErrorOptions, type HandlerCore } from "./handler-state";
import { errorPage } from "./response-errors";

// Bound once (see handler-state.ts): read on every request.
const { isPromiseLike } = util;
const { decodePathCaptures, parseBody } = inputModule;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Verb method names of the usual methods, without a `toLowerCase()` per request. */
const VERB_NAMES: Record<string, string | undefined> = {
  GET: "get",
  HEAD: "head",
  POST: "post",
  DELETE: "delete",
  PATCH: "patch",
  PUT: "put",
  OPTIONS: "options",
};

type Step = (h: HandlerCore, value: unknown) => unknown;

/** What `_execute` runs once the user is asked for, in order; each step gets the resolved result of the one before. */
const STEPS: readonly Step[] = [
  // The user (`get_current_user()`'s, awaited when a promise), the XSRF check, `prepare()`.
  (h, user) => {
    h.current_user = user;
    if (h.settings.xsrf_cookies && !SAFE_METHODS.has(h.request.method)) h.check_xsrf_cookie();
    return h.prepare();
  },
  // The verb method, unless `prepare()` finished the response.
  (h) => (h._finished ? undefined : callVerb(h)),
  // `finish()`, unless the response is finished or `_auto_finish` is off.
  (h) => {
    if (h._auto_finish && !h._finished) void h.finish();
  },
];

/**
 * The steps for a `@stream_request_body` handler whose request has a body: after `prepare()`,
 * the body is read (the server starts once `_prepared()` is called) and waited for; the verb
 * method and `finish()` run once it is complete, never when it was abandoned.
 */
const STREAM_STEPS: readonly Step[] = [
  STEPS[0],
  (h) => h._body_stream!._prepared(),
  (h, outcome) => {
    if (h._finished) return ABANDONED;
    if (outcome !== ABANDONED) return callVerb(h);
    // The body will not come (the client left, or a limit refused it and the server answered):
    // as Tornado's connection closing its delegate, the handler hears of it.
    connectionClosed(h);
    return ABANDONED;
  },
  (h, value) => (value === ABANDONED ? undefined : STEPS[2](h, value)),
];

/**
 * `_execute()`: the synchronous start (method check, body parse, path captures,
 * `get_current_user()`), then the steps. A promise only when a hook went async.
 */
export function execute(
  h: HandlerCore,
  rawArgs: Array<string | null>,
  rawKwargs: Record<string, string | null>,
): Promise<void> | undefined {
  const streamed = h._body_stream;
  let user: unknown;
  try {
    if (!h.SUPPORTED_METHODS.includes(h.request.method)) throw new HTTPError(405);
    // A streamed body is the handler's to read: there is no `request.body` to parse.
    if (streamed === null) parseBody(h);
    decodePathCaptures(h, rawArgs, rawKwargs);
    // A user assigned before (in `initialize`, say) stands, as Tornado's lazy `current_user` keeps it.
    user = h._current_user_loaded ? h._current_user : h.get_current_user();
  } catch (err) {
    handleExecuteError(h, err);
    return watchConnection(h);
  }
  return watchConnection(h, runSteps(h, streamed === null ? STEPS : STREAM_STEPS, 0, user));
}

/**
 * Runs `steps` (`STEPS` or `STREAM_STEPS`) from `index`, the first given `value`, each later one what the one before
 * returned. It continues synchronously on plain values and awaits only a promise, so a
 * handler whose hooks are all synchronous is answered before `_execute` returns.
 */
function runSteps(h: HandlerCore, steps: readonly Step[], index: number, value: unknown): Promise<void> | undefined {
  try {
    for (let i = index; ; i++) {
      if (isPromiseLike(value)) return resumeSteps(h, steps, value, i);
      if (i === steps.length) break;
      value = steps[i](h, value);
    }
  } catch (err) {
    handleExecuteError(h, err);
  }
  return undefined;
}

/** Waits for a step that went async, then runs the rest; never rejects. */
async function resumeSteps(
  h: HandlerCore,
  steps: readonly Step[],
  pending: PromiseLike<unknown>,
  next: number,
): Promise<void> {
  let value: unknown;
  try {
    value = await pending;
  } catch (err) {
    handleExecuteError(h, err);
    return;
  }
  await runSteps(h, steps, next, value);
}

/**
 * When the response outlives `_execute`'s synchronous part, asks the connection to call
 * `on_connection_close` if the client leaves first. (A response finished synchronously
 * cannot see the client leave, so it costs no listener.) Returns `pending`, if given.
 */
function watchConnection(h: HandlerCore, pending?: Promise<void>): Promise<void> | undefined {
  if (!h._finished) h.request.connection?.set_close_callback(() => connectionClosed(h));
  return pending;
}

function callVerb(h: HandlerCore): unknown {
  const method = h.request.method;
  const verb = (h as unknown as Record<string, unknown>)[VERB_NAMES[method] ?? method.toLowerCase()];
  if (typeof verb !== "function") throw new HTTPError(405);
  for (const _ in h.path_kwargs) return verb.call(h, h.path_kwargs);
  return verb.apply(h, h.path_args);
}

function handleExecuteError(h: HandlerCore, error: unknown): void {
  try {
    h._handle_request_exception(error);
  } catch (inner) {
    app_log.error("Exception in exception handler", exc_info(inner));
    if (!h._finished) abandon(h);
  }
}

/** Ends a response no error page can be written for (bare 500 or closed connection, see `endBroken`); logs it. */
function abandon(h: HandlerCore): void {
  try {
    endBroken(h);
    completeResponse(h);
  } catch (err) {
    app_log.error("Exception ending a failed response", exc_info(err));
  }
}

/** Handlers told of their connection closing, so that a streamed body's end and the socket's close make one call. */
const closeNotified = new WeakSet<HandlerCore>();

/** Calls `on_connection_close` once per handler; what it throws is logged. */
function connectionClosed(h: HandlerCore): void {
  if (closeNotified.has(h)) return;
  closeNotified.add(h);
  try {
    h.on_connection_close();
  } catch (err) {
    app_log.error("Exception in on_connection_close", exc_info(err));
  }
}

/** `_handle_request_exception()`: `Finish` finishes; anything else is logged and becomes an error page. */
export function handleRequestException(h: HandlerCore, error: unknown): void {
  if (error instanceof Finish) {
    if (!h._finished) void h.finish(...(error.args as [Chunk?]));
    return;
  }
  try {
    h.log_exception(error);
  } catch (err) {
    app_log.error("Error in exception logger", exc_info(err));
  }
  if (h._finished) return;
  const status = error instanceof HTTPError ? error.status_code : 500;
  h.send_error(status, { exc_info: error });
}

/** `send_error()`: cleared headers and body, the status, `write_error()`, `finish()`; a closed connection once headers are out. */
export function sendError(h: HandlerCore, status_code: number, kwargs: ErrorOptions): void {
  if (h._headers_written) {
    // Finishing would make a truncated body look complete to the client: close the connection instead.
    gen_log.error("Cannot send error response after headers written");
    if (!h._finished) abandon(h);
    return;
  }
  h.clear();
  let reason = kwargs.reason;
  if (kwargs.exc_info instanceof HTTPError && kwargs.exc_info.reason) reason = kwargs.exc_info.reason;
  h.set_status(status_code, reason);
  try {
    if (status_code !== 304) h.write_error(status_code, kwargs);
  } catch (err) {
    app_log.error("Uncaught exception in write_error", exc_info(err));
  }
  if (!h._finished) void h.finish();
}

/** `write_error()`'s default: Tornado's small HTML page, with the stack under `serve_traceback`. */
export function writeErrorPage(h: HandlerCore, status_code: number, kwargs: ErrorOptions): void {
  void h.finish(errorPage(status_code, h._reason, h.settings.serve_traceback ? kwargs.exc_info : undefined));
}

/** `log_exception()`: an `HTTPError` with a log message as a warning, anything else as an error with its stack. */
export function logException(h: HandlerCore, error: unknown): void {
  if (error instanceof HTTPError) {
    if (error.log_message) {
      // With no arguments the message is not a format (Python's `%` would not apply either): a
      // `%` in it, from a client's argument name say, is printed as it is.
      if (error.args.length === 0)
        gen_log.warning("%d %s: %s", error.status_code, h._request_summary(), error.log_message);
      else gen_log.warning("%d %s: " + error.log_message, error.status_code, h._request_summary(), ...error.args);
    }
    return;
  }
  app_log.error("Uncaught exception %s\n%s", h._request_summary(), String(h.request), exc_info(error));
}
