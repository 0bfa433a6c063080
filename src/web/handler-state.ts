/**
 * The state of a `RequestHandler`'s response, as one field of bit flags (`_state`), and the
 * shape the handler's part modules (handler-output, handler-input, ...) see it by. Internal:
 * not exported by the package.
 *
 * A response moves OPEN → HEADERS_COMMITTED (status and headers fixed, cookies added) →
 * HEADERS_SENT (handed to the connection) → FINISHING (`finish()` sends the last chunk) →
 * FINISHED (logged, `on_finish` called). BROKEN is set beside any of them when the response
 * failed on its way out; later output is dropped. A refused header write clears
 * HEADERS_COMMITTED again (nothing went out, an error page can follow).
 */

/** Nothing sent, `finish()` not called. */
export const OPEN = 0;
/** Status and headers are fixed (`_headers_written`): set on the first `flush()` or in `finish()`. */
export const HEADERS_COMMITTED = 1;
/** The status line and headers were handed to the connection. */
export const HEADERS_SENT = 2;
/** `finish()` is sending the last chunk (transforms close their streams then); stays set. */
export const FINISHING = 4;
/** The response is over (`_finished`): no more output. */
export const FINISHED = 8;
/** The response failed on its way out: later output is dropped. */
export const BROKEN = 16;
