/**
 * The error every `tornado-ts/auth` mixin raises when a provider refuses or answers badly.
 *
 * Tornado's `tornado.auth.AuthError`: a login flow rejects with it when the provider's answer
 * is not a 2xx, cannot be parsed, or lacks what the flow needs (a token, a verified claim).
 * @module
 */

/** A third-party login failed: the provider's answer was an error or could not be used. */
export class AuthError extends Error {
  /** Always `"AuthError"`, so logs and `String(error)` name the failure. */
  override name = "AuthError";
}
