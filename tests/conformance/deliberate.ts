/**
 * The known differences between Python Tornado and tornado-ts, case by case and field by field.
 * A difference is let through only for the named case and field; one that stops differing fails.
 * `row` is the first cell of its row in docs/porting.md's "Deliberate differences" table.
 */
export interface DeliberateDifference {
  /** The id of the compared case. */
  case: string;
  /** The fields that differ: `status`, `reason`, `body`, `header:<name>`, `cookie:<name>`, or a client outcome's key. */
  fields: string[];
  /** docs/porting.md#deliberate-differences: the row's "what" cell, verbatim. */
  row: string;
}

const TOO_LARGE = "body larger than `max_body_size`";
const APOSTROPHE = "`xhtml_escape` of `'` (templates, `escape`)";
const APPLY = "`{% apply f %}`";
const HOOK_EXCEPTION = "an exception in `open`/`on_message` (sync or async)";
const OVERSIZE = "message over `websocket_max_message_size`";
const VERSION_7 = "`Sec-WebSocket-Version: 7`";
const CLOSE_ECHO = "the answer to a peer's close frame";
const ERROR_PAGE_INSTEAD_OF_PAGE = ["status", "reason", "body", "header:content-length", "header:etag"];

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    case: "http/body-over-max-body-size",
    fields: ["status", "reason", "body", "header:content-type", "header:content-length"],
    row: TOO_LARGE,
  },
  {
    case: "templates/argument-escaped-in-title",
    fields: ["body", "header:content-length", "header:etag"],
    row: APOSTROPHE,
  },
  { case: "templates/apply-text-function", fields: ERROR_PAGE_INSTEAD_OF_PAGE, row: APPLY },
  { case: "ws/exception-in-on-message", fields: ["close_code"], row: HOOK_EXCEPTION },
  { case: "ws-py/exception-in-on-message", fields: ["close_code"], row: HOOK_EXCEPTION },
  { case: "ws/oversize-message-closes", fields: ["close_reason"], row: OVERSIZE },
  { case: "ws-py/oversize-message-closes", fields: ["close_reason"], row: OVERSIZE },
  { case: "ws/client-close-echoed", fields: ["close_reason"], row: CLOSE_ECHO },
  {
    case: "ws/version-7",
    fields: [
      "status",
      "reason",
      "body",
      "header:content-type",
      "header:content-length",
      "header:upgrade",
      "header:sec-websocket-accept",
      "header:sec-websocket-version",
    ],
    row: VERSION_7,
  },
];
