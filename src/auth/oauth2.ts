/**
 * Tornado's `OAuth2Mixin`: the provider-neutral half of an OAuth 2.0 login.
 *
 * `authorize_redirect` sends the browser to the provider's authorization page;
 * `_oauth_request_token_url` builds the URL a code is exchanged at; `oauth2_request` calls the
 * provider's API with the access token. `GoogleOAuth2Mixin` and `FacebookGraphMixin` build on it.
 * A subclass names the provider with two static properties, `_OAUTH_AUTHORIZE_URL` and
 * `_OAUTH_ACCESS_TOKEN_URL` (which is also how a test points a handler at a fake provider).
 * @module
 */
import { json_decode } from "../escape";
import { AsyncHTTPClient, HTTPClientError, type HTTPResponse } from "../httpclient";
import type { FetchOptions } from "../httpclient";
import { url_concat } from "../httputil/util";
import { AuthError } from "./errors";
import { py_str, urlencode, type ParamValue } from "./urls";
import type { HandlerClass } from "./mixin";

/** A query or form argument's value: strings as they are, numbers and booleans as Python's `str()` gives them. */
export type AuthArgValue = ParamValue;

/** The arguments of `authorize_redirect` (Tornado's keyword arguments). */
export interface AuthorizeRedirectArgs {
  /** Where the provider sends the browser back to (with `?code=...`). */
  redirect_uri?: string | null;
  /** The application's client id at the provider. */
  client_id?: string | null;
  /** Accepted and ignored, as in Tornado (where it has never had an effect and is deprecated since 6.4). */
  client_secret?: string | null;
  /** More query arguments; they replace the ones above of the same name. */
  extra_params?: Record<string, AuthArgValue> | null;
  /** The permissions asked for, sent space-separated as `scope`. */
  scope?: readonly string[] | null;
  /** `"code"` by default. */
  response_type?: string;
}

/** The arguments of `_oauth_request_token_url`. */
export interface RequestTokenUrlArgs {
  redirect_uri?: string | null;
  client_id?: string | null;
  client_secret?: string | null;
  code?: string | null;
  extra_params?: Record<string, AuthArgValue> | null;
}

/** The arguments of `oauth2_request`: the token, a POST body, and the query arguments. */
export interface OAuth2RequestArgs {
  /** Sent as the `access_token` query argument. */
  access_token?: string | null;
  /** When given, the request is a POST with these arguments form-encoded as its body. */
  post_args?: Record<string, AuthArgValue> | null;
  /** Any other query argument (sent only together with an access token, as in Tornado). */
  [name: string]: AuthArgValue | Record<string, AuthArgValue> | null | undefined;
}

/** The static properties an OAuth 2 handler class defines. */
export interface OAuth2Endpoints {
  /** The provider's authorization page. */
  _OAUTH_AUTHORIZE_URL?: string;
  /** The provider's token endpoint. */
  _OAUTH_ACCESS_TOKEN_URL?: string;
}

/** The URL without its query (which may hold a client secret) and fragment, for error messages. */
function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/**
 * Fetches `url` with `http` and parses the answer as JSON.
 * @throws AuthError when the provider answers with an error status, cannot be reached, or sends
 * something that is not JSON; the original error is the AuthError's `cause`.
 */
export async function fetchProviderJson(http: AsyncHTTPClient, url: string, options: FetchOptions = {}): Promise<any> {
  let response: HTTPResponse;
  try {
    response = await http.fetch(url, options);
  } catch (error) {
    if (!(error instanceof HTTPClientError)) throw error;
    throw new AuthError(`Error response ${error.message} fetching ${withoutQuery(url)}`, { cause: error });
  }
  try {
    return json_decode(response.body);
  } catch (error) {
    throw new AuthError(`Invalid JSON in the response from ${withoutQuery(url)}`, { cause: error });
  }
}

/** Copies the arguments that are set (not null or undefined) into `into`, in order. */
function setDefined(into: Map<string, AuthArgValue>, args: Record<string, AuthArgValue | null | undefined>): void {
  for (const [name, value] of Object.entries(args)) if (value != null) into.set(name, value);
}

/** Adds `extra` to `into`: an existing name keeps its place and takes the new value, as Python's `dict.update`. */
function update(into: Map<string, AuthArgValue>, extra: Record<string, AuthArgValue> | null | undefined): void {
  if (extra) for (const [name, value] of Object.entries(extra)) into.set(name, value);
}

/** Reads one of the endpoint URLs from the handler's class. @throws TypeError when the class does not define it. */
export function endpointOf(handler: object, name: keyof OAuth2Endpoints): string {
  const url = (handler.constructor as OAuth2Endpoints)[name];
  if (typeof url !== "string") throw new TypeError(`${handler.constructor.name} must define static ${name}`);
  return url;
}

/**
 * Tornado's `OAuth2Mixin`: adds `authorize_redirect`, `_oauth_request_token_url`,
 * `oauth2_request` and `get_auth_http_client` to a handler class. The result is abstract in
 * spirit: set the static `_OAUTH_AUTHORIZE_URL` and `_OAUTH_ACCESS_TOKEN_URL` in a subclass
 * (or use `GoogleOAuth2Mixin` / `FacebookGraphMixin`, which do).
 */
export function OAuth2Mixin<TBase extends HandlerClass>(Base: TBase) {
  abstract class OAuth2Handler extends Base {
    /** The provider's authorization URL; undefined here, set by a provider's mixin or a subclass. */
    static _OAUTH_AUTHORIZE_URL: string | undefined = undefined;
    /** The provider's token URL; undefined here, set by a provider's mixin or a subclass. */
    static _OAUTH_ACCESS_TOKEN_URL: string | undefined = undefined;

    /**
     * Redirects the browser to the provider's authorization page (`_OAUTH_AUTHORIZE_URL`) with
     * `response_type`, `redirect_uri`, `client_id`, the `extra_params` and the space-joined
     * `scope` as query arguments, in that order (Tornado's). Finishes the request (a 302).
     * @throws TypeError when the class has no `_OAUTH_AUTHORIZE_URL`; Error if the handler has
     * already finished or sent its headers.
     */
    authorize_redirect(args: AuthorizeRedirectArgs = {}): void {
      const query = new Map<string, AuthArgValue>([["response_type", args.response_type ?? "code"]]);
      setDefined(query, { redirect_uri: args.redirect_uri, client_id: args.client_id });
      update(query, args.extra_params);
      if (args.scope && args.scope.length > 0) query.set("scope", args.scope.join(" "));
      this.redirect(url_concat(endpointOf(this, "_OAUTH_AUTHORIZE_URL"), [...query].map(stringPair)));
    }

    /**
     * The token URL (`_OAUTH_ACCESS_TOKEN_URL`) with `redirect_uri`, `code`, `client_id`,
     * `client_secret` and the `extra_params` as query arguments, those given, in that order.
     * @throws TypeError when the class has no `_OAUTH_ACCESS_TOKEN_URL`.
     */
    _oauth_request_token_url(args: RequestTokenUrlArgs = {}): string {
      const query = new Map<string, AuthArgValue>();
      const { redirect_uri, code, client_id, client_secret } = args;
      setDefined(query, { redirect_uri, code, client_id, client_secret });
      update(query, args.extra_params);
      return url_concat(endpointOf(this, "_OAUTH_ACCESS_TOKEN_URL"), [...query].map(stringPair));
    }

    /**
     * Calls the provider's API at `url` with the access token and resolves to the parsed JSON
     * answer. With an `access_token`, it and the other arguments are appended as the query (as
     * in Tornado, the other arguments are dropped when there is no token); with `post_args` the
     * request is a POST whose body is those arguments form-encoded.
     * @throws AuthError when the provider answers with an error status, cannot be reached or
     * does not answer JSON (Tornado lets the `HTTPClientError` or `ValueError` through; here it
     * is the AuthError's `cause`).
     */
    async oauth2_request(url: string, args: OAuth2RequestArgs = {}): Promise<any> {
      const { access_token, post_args, ...query } = args;
      const all = new Map<string, AuthArgValue>();
      if (access_token) {
        all.set("access_token", access_token);
        for (const [name, value] of Object.entries(query)) all.set(name, value as AuthArgValue);
      }
      if (all.size > 0) url += "?" + urlencode(all);
      const http = this.get_auth_http_client();
      if (post_args != null) return fetchProviderJson(http, url, { method: "POST", body: urlencode(post_args) });
      return fetchProviderJson(http, url);
    }

    /** The `AsyncHTTPClient` the auth requests use (the IOLoop's shared one); override to use another. */
    get_auth_http_client(): AsyncHTTPClient {
      return new AsyncHTTPClient();
    }
  }
  return OAuth2Handler;
}

/** A `[name, value]` pair with the value as Python's `str()` gives it, for `url_concat`. */
function stringPair([name, value]: readonly [string, AuthArgValue]): [string, string] {
  return [name, py_str(value)];
}
