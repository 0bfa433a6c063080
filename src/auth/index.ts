/**
 * Tornado's `tornado.auth`: logging in with third-party providers (OAuth 2, OAuth 1.0a, OpenID).
 *
 * Each mixin is a function that takes a handler class and returns a subclass with the
 * provider's methods: `class Login extends auth.GoogleOAuth2Mixin(web.RequestHandler)`.
 * @module
 */
export { AuthError } from "./errors";
export type { HandlerClass } from "./mixin";
export {
  OAuthMixin,
  _oauth_signature,
  _oauth10a_signature,
  _oauth_escape,
  _oauth_parse_response,
  type ConsumerToken,
  type OAuthToken,
  type ParamValue,
  type Params,
} from "./oauth1";
export { urlencode } from "./urls";
export { TwitterMixin, type TwitterRequestOptions } from "./twitter";
export { OpenIdMixin } from "./openid";
export {
  OAuth2Mixin,
  type AuthArgValue,
  type AuthorizeRedirectArgs,
  type OAuth2Endpoints,
  type OAuth2RequestArgs,
  type RequestTokenUrlArgs,
} from "./oauth2";
export { GoogleOAuth2Mixin, type GoogleAuthenticatedUserArgs, type GoogleOAuthSettings } from "./google";
export {
  FacebookGraphMixin,
  FACEBOOK_DEFAULT_FIELDS,
  appsecret_proof,
  type FacebookAuthenticatedUserArgs,
} from "./facebook";
