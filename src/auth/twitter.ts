/**
 * Tornado's `TwitterMixin`: logging in with Twitter (OAuth 1.0a) and calling its API signed
 * with the user's access token.
 * @module
 */
import { json_decode } from "../escape";
import type { HandlerClass } from "./mixin";
import { OAuthMixin, type ConsumerToken, type OAuthToken } from "./oauth1";
import { params_map, urlencode, type ParamValue, type Params } from "./urls";

/** `twitter_request`'s options: the access token, the POST body arguments, and query arguments. */
export interface TwitterRequestOptions {
  /** The user's access token (`user.access_token`); null or empty sends the request unsigned. */
  access_token?: OAuthToken | null;
  /** The POST body's arguments; when given (even empty) the request is a POST. */
  post_args?: Params | null;
  /** Any other key is a query-string argument. */
  [query: string]: ParamValue | OAuthToken | Params | null | undefined;
}

/** Python's truthiness of a decoded JSON value (an empty object or array is false). */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

/**
 * Tornado's `TwitterMixin` over the handler class `Base`: `authorize_redirect` /
 * `authenticate_redirect` then `get_authenticated_user` (the user of
 * `/account/verify_credentials`, with `username` and `access_token`), and `twitter_request`.
 *
 * Needs the application settings `twitter_consumer_key` and `twitter_consumer_secret`.
 */
export function TwitterMixin<TBase extends HandlerClass>(Base: TBase) {
  abstract class TwitterHandler extends OAuthMixin(Base) {
    static override _OAUTH_REQUEST_TOKEN_URL = "https://api.twitter.com/oauth/request_token";
    static override _OAUTH_ACCESS_TOKEN_URL = "https://api.twitter.com/oauth/access_token";
    static override _OAUTH_AUTHORIZE_URL = "https://api.twitter.com/oauth/authorize";
    /** The page that skips the consent screen for a user who already authorized the app. */
    static _OAUTH_AUTHENTICATE_URL = "https://api.twitter.com/oauth/authenticate";
    static override _OAUTH_NO_CALLBACKS = false;
    /** Where `twitter_request` paths are resolved: `<base><path>.json`. */
    static _TWITTER_BASE_URL = "https://api.twitter.com/1.1";

    /**
     * Like `authorize_redirect`, but to Twitter's authenticate page, which sends a user who
     * already authorized the app straight back: the one to use for single sign-on.
     * @throws `HTTPClientError` when Twitter refuses the request token; AuthError when its
     * answer has no token.
     */
    async authenticate_redirect(callback_uri: string | null = null): Promise<void> {
      const http = this.get_auth_http_client();
      const response = await http.fetch(this._oauth_request_token_url(callback_uri));
      this._on_request_token((this.constructor as typeof TwitterHandler)._OAUTH_AUTHENTICATE_URL, null, response);
    }

    /**
     * Calls the Twitter API at `path` (e.g. `"/statuses/user_timeline/btaylor"`, without the
     * version or `.json`; a full `http(s)://` URL is used as it is), signed with
     * `access_token`, and resolves to the decoded JSON answer. With `post_args` it POSTs them
     * as a form; other options are query arguments.
     * @throws `HTTPClientError` on a non-2xx answer; SyntaxError when the body is not JSON.
     */
    async twitter_request(path: string, options: TwitterRequestOptions = {}): Promise<any> {
      const { access_token = null, post_args = null, ...query } = options;
      const base = (this.constructor as typeof TwitterHandler)._TWITTER_BASE_URL;
      let url = path.startsWith("http:") || path.startsWith("https:") ? path : `${base}${path}.json`;
      const args = params_map(query as Record<string, ParamValue>);
      if (access_token && Object.keys(access_token).length > 0) {
        const all_args = new Map([...args, ...(post_args ? params_map(post_args) : [])]);
        const method = post_args !== null ? "POST" : "GET";
        const oauth = this._oauth_request_parameters(url, access_token, all_args, method);
        for (const [name, value] of Object.entries(oauth)) args.set(name, value);
      }
      if (args.size > 0) url += `?${urlencode(args)}`;
      const http = this.get_auth_http_client();
      const response =
        post_args !== null
          ? await http.fetch(url, { method: "POST", body: urlencode(post_args) })
          : await http.fetch(url);
      return json_decode(response.body);
    }

    /** The settings' `twitter_consumer_key` and `twitter_consumer_secret` (both required). */
    _oauth_consumer_token(): ConsumerToken {
      this.require_setting("twitter_consumer_key", "Twitter OAuth");
      this.require_setting("twitter_consumer_secret", "Twitter OAuth");
      return {
        key: this.settings.twitter_consumer_key as string,
        secret: this.settings.twitter_consumer_secret as string,
      };
    }

    /** The user of `/account/verify_credentials`, with `username` set to its `screen_name`. */
    async _oauth_get_user_future(access_token: OAuthToken): Promise<Record<string, any> | null> {
      const user = await this.twitter_request("/account/verify_credentials", { access_token });
      if (truthy(user)) user.username = user.screen_name;
      return user;
    }
  }
  return TwitterHandler;
}
