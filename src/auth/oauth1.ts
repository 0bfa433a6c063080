/**
 * Tornado's `OAuthMixin`: logging in with an OAuth 1.0 or 1.0a provider, and the HMAC-SHA1
 * request signing it rests on (`_oauth_signature`, `_oauth10a_signature`).
 *
 * The flow: `authorize_redirect()` fetches a request token, keeps it in the
 * `_oauth_request_token` cookie and redirects to the provider; the provider redirects back
 * with `oauth_token` (and, in 1.0a, `oauth_verifier`); `get_authenticated_user()` checks the
 * token against the cookie, trades it for an access token and asks the subclass's
 * `_oauth_get_user_future` for the user.
 * @module
 */
import { createHmac, randomUUID } from "node:crypto";
import { parse_qs_bytes, to_unicode, url_escape, utf8 } from "../escape";
import { AsyncHTTPClient, type HTTPResponse } from "../httpclient";
import { AuthError } from "./errors";
import type { HandlerClass } from "./mixin";
import { normalized_signing_url, params_map, py_str, urlencode, urljoin, type Params } from "./urls";

export type { ParamValue, Params } from "./urls";

/** The application's OAuth credentials with the provider (Tornado's `dict(key=..., secret=...)`). */
export interface ConsumerToken {
  key: string;
  secret: string;
}

/**
 * A request or access token: `key` and `secret`, the `verifier` of a 1.0a callback, and any
 * other fields the provider's token answer held (`user_id`, `screen_name`, ...).
 */
export interface OAuthToken {
  key: string;
  secret: string;
  [field: string]: string;
}

/** Python's `sorted(params.items())` order: by name, compared code point by code point. */
function byCodePoint(a: [string, unknown], b: [string, unknown]): number {
  return Buffer.compare(Buffer.from(a[0], "utf8"), Buffer.from(b[0], "utf8"));
}

/** The OAuth signature base string: method, normalized URL and sorted parameters, each escaped. */
function signatureBaseString(method: string, url: string, parameters: Params): string {
  const sorted = [...params_map(parameters)].sort(byCodePoint);
  const joined = sorted.map(([name, value]) => `${name}=${_oauth_escape(py_str(value))}`).join("&");
  return [method.toUpperCase(), normalized_signing_url(url), joined].map((part) => _oauth_escape(part)).join("&");
}

/** HMAC-SHA1 of the base string under `key`, in standard base64 (Tornado's bytes, as text). */
function hmacSha1Base64(key: Buffer, base: string): string {
  return createHmac("sha1", key).update(base, "utf8").digest("base64");
}

/**
 * The HMAC-SHA1 signature of an OAuth 1.0 request (http://oauth.net/core/1.0/#signing_process):
 * the key is the consumer secret and the token secret joined by `&`, NOT escaped.
 * @param parameters every query and body parameter the request sends (not `oauth_signature`).
 * @param token the request or access token, or null when there is none yet.
 * @returns the signature, base64.
 */
export function _oauth_signature(
  consumer_token: ConsumerToken,
  method: string,
  url: string,
  parameters: Params = {},
  token: { secret: string } | null = null,
): string {
  const key = Buffer.concat([utf8(consumer_token.secret), Buffer.from("&"), utf8(token ? token.secret : "")]);
  return hmacSha1Base64(key, signatureBaseString(method, url, parameters));
}

/**
 * The HMAC-SHA1 signature of an OAuth 1.0a request (http://oauth.net/core/1.0a/#signing_process):
 * as `_oauth_signature`, but both secrets are escaped (RFC 3986) before being joined by `&`.
 * @returns the signature, base64.
 */
export function _oauth10a_signature(
  consumer_token: ConsumerToken,
  method: string,
  url: string,
  parameters: Params = {},
  token: { secret: string } | null = null,
): string {
  const key = `${_oauth_escape(consumer_token.secret)}&${token ? _oauth_escape(token.secret) : ""}`;
  return hmacSha1Base64(Buffer.from(key, "utf8"), signatureBaseString(method, url, parameters));
}

/**
 * OAuth's percent-encoding (Python's `quote(value, safe="~")`): everything but letters, digits
 * and `_.-~` escaped, `/` and space included (space as `%20`); strings are UTF-8 encoded first.
 */
export function _oauth_escape(value: string | Buffer): string {
  // url_escape is quote_plus: a literal "+" is already %2B, so every "+" left is a space.
  return url_escape(value).replaceAll("+", "%20");
}

/**
 * Parses a provider's token answer (`oauth_token=...&oauth_token_secret=...&...`) into an
 * `OAuthToken`: `key`, `secret`, then the other fields (the first value of a repeated one).
 * @throws AuthError when `oauth_token` or `oauth_token_secret` is missing (Tornado: KeyError).
 */
export function _oauth_parse_response(body: Buffer | string): OAuthToken {
  const fields = parse_qs_bytes(to_unicode(body), false);
  const first = (name: string): string | undefined => fields[name]?.[0].toString("utf8");
  const key = first("oauth_token");
  const secret = first("oauth_token_secret");
  if (key === undefined || secret === undefined) {
    throw new AuthError("OAuth token answer lacks oauth_token or oauth_token_secret");
  }
  const token: OAuthToken = { key, secret };
  for (const name in fields) {
    if (name !== "oauth_token" && name !== "oauth_token_secret") token[name] = first(name)!;
  }
  return token;
}

/** The class-level settings of an OAuth 1 provider (static properties of the mixin's class). */
interface OAuthStatics {
  name: string;
  _OAUTH_REQUEST_TOKEN_URL: string;
  _OAUTH_ACCESS_TOKEN_URL: string;
  _OAUTH_AUTHORIZE_URL: string;
  _OAUTH_VERSION: string;
  _OAUTH_NO_CALLBACKS: boolean;
}

/** The class of `handler`, read for its provider settings (Tornado's `getattr(self, ...)`). */
function statics(handler: object): OAuthStatics {
  return handler.constructor as unknown as OAuthStatics;
}

/** The static property `name` of the handler's class; throws when the provider left it unset. */
function providerUrl(
  handler: object,
  name: "_OAUTH_REQUEST_TOKEN_URL" | "_OAUTH_ACCESS_TOKEN_URL" | "_OAUTH_AUTHORIZE_URL",
) {
  const cls = statics(handler);
  if (!cls[name]) throw new Error(`${cls.name} must set the static property ${name}`);
  return cls[name];
}

/** True when the handler's class speaks OAuth 1.0a (Tornado's default) rather than 1.0. */
function isVersion10a(handler: object): boolean {
  return statics(handler)._OAUTH_VERSION === "1.0a";
}

/** `base64(key)|base64(secret)`: Tornado's `_oauth_request_token` cookie value. */
function requestTokenCookie(token: OAuthToken): string {
  return `${utf8(token.key).toString("base64")}|${utf8(token.secret).toString("base64")}`;
}

/** The decoded parts of a `_oauth_request_token` cookie; AuthError unless it has exactly two. */
function parseRequestTokenCookie(cookie: string): [Buffer, Buffer] {
  const parts = cookie.split("|");
  if (parts.length !== 2) throw new AuthError("Malformed OAuth request token cookie");
  return [Buffer.from(parts[0], "base64"), Buffer.from(parts[1], "base64")];
}

/**
 * Tornado's `OAuthMixin` (OAuth 1.0 and 1.0a) over the handler class `Base`.
 *
 * A provider's subclass sets the static properties `_OAUTH_REQUEST_TOKEN_URL`,
 * `_OAUTH_ACCESS_TOKEN_URL`, `_OAUTH_AUTHORIZE_URL`, `_OAUTH_VERSION` (`"1.0a"`, the default, or
 * `"1.0"`) and `_OAUTH_NO_CALLBACKS`, and implements `_oauth_consumer_token` and
 * `_oauth_get_user_future`. See `TwitterMixin`.
 */
export function OAuthMixin<TBase extends HandlerClass>(Base: TBase) {
  abstract class OAuthHandler extends Base {
    /** The provider's request-token URL. */
    static _OAUTH_REQUEST_TOKEN_URL = "";
    /** The provider's access-token URL. */
    static _OAUTH_ACCESS_TOKEN_URL = "";
    /** The provider's authorization page, where the user is redirected. */
    static _OAUTH_AUTHORIZE_URL = "";
    /** `"1.0a"` (the default) or `"1.0"`. */
    static _OAUTH_VERSION: "1.0" | "1.0a" = "1.0a";
    /** True when the provider only accepts callbacks registered in advance. */
    static _OAUTH_NO_CALLBACKS = false;

    /** The application's consumer key and secret with the provider. */
    abstract _oauth_consumer_token(): ConsumerToken;

    /**
     * The user the access token belongs to, usually fetched from the provider with it; null (or
     * an empty object) when there is none, which `get_authenticated_user` turns into AuthError.
     */
    abstract _oauth_get_user_future(access_token: OAuthToken): Promise<Record<string, any> | null>;

    /**
     * Fetches a request token, sets the `_oauth_request_token` cookie and redirects the user to
     * the provider's authorization page (with `callback_uri` `"oob"`, finishes the response with
     * that page's URL instead). Finishes the response: write nothing after it.
     * @param callback_uri where the provider sends the user back (relative to this request);
     * omit it when the callback is registered with the provider.
     * @param extra_params more parameters for the request-token request (1.0a only).
     * @throws Error when `callback_uri` is given and `_OAUTH_NO_CALLBACKS` is set;
     * `HTTPClientError` when the provider refuses; AuthError when its answer has no token.
     */
    async authorize_redirect(
      callback_uri: string | null = null,
      extra_params: Params | null = null,
      http_client: AsyncHTTPClient | null = null,
    ): Promise<void> {
      if (callback_uri && statics(this)._OAUTH_NO_CALLBACKS) {
        throw new Error("This service does not support oauth_callback");
      }
      const client = http_client ?? this.get_auth_http_client();
      const url = isVersion10a(this)
        ? this._oauth_request_token_url(callback_uri, extra_params)
        : this._oauth_request_token_url();
      const response = await client.fetch(url);
      this._on_request_token(providerUrl(this, "_OAUTH_AUTHORIZE_URL"), callback_uri, response);
    }

    /**
     * Completes the login in the callback handler: checks `oauth_token` against the
     * `_oauth_request_token` cookie (and clears it), fetches the access token and resolves to
     * the user from `_oauth_get_user_future`, with `access_token` added.
     * @throws AuthError when the cookie is missing or does not match, or no user comes back;
     * `MissingArgumentError` (a 400) without `oauth_token`; `HTTPClientError` when the provider
     * refuses.
     */
    async get_authenticated_user(http_client: AsyncHTTPClient | null = null): Promise<Record<string, any>> {
      const request_key = utf8(this.get_argument("oauth_token"));
      const oauth_verifier = this.get_argument("oauth_verifier", null);
      const request_cookie = this.get_cookie("_oauth_request_token");
      if (!request_cookie) throw new AuthError("Missing OAuth request token cookie");
      this.clear_cookie("_oauth_request_token");
      const [cookie_key, cookie_secret] = parseRequestTokenCookie(request_cookie);
      if (!cookie_key.equals(request_key)) throw new AuthError("Request token does not match cookie");
      const token: OAuthToken = { key: cookie_key.toString("utf8"), secret: cookie_secret.toString("utf8") };
      if (oauth_verifier) token.verifier = oauth_verifier;
      const client = http_client ?? this.get_auth_http_client();
      const response = await client.fetch(this._oauth_access_token_url(token));
      const access_token = _oauth_parse_response(response.body);
      const user = await this._oauth_get_user_future(access_token);
      if (!user || Object.keys(user).length === 0) throw new AuthError("Error getting user");
      user.access_token = access_token;
      return user;
    }

    /** The signed request-token URL (with `oauth_callback` and `extra_params` in 1.0a). */
    _oauth_request_token_url(callback_uri: string | null = null, extra_params: Params | null = null): string {
      const consumer_token = this._oauth_consumer_token();
      const url = providerUrl(this, "_OAUTH_REQUEST_TOKEN_URL");
      const args = this._oauth_base_args(consumer_token, null);
      let signature: string;
      if (isVersion10a(this)) {
        if (callback_uri === "oob") args.set("oauth_callback", "oob");
        else if (callback_uri) args.set("oauth_callback", urljoin(this.request.full_url(), callback_uri));
        if (extra_params) for (const [name, value] of params_map(extra_params)) args.set(name, py_str(value));
        signature = _oauth10a_signature(consumer_token, "GET", url, args);
      } else {
        signature = _oauth_signature(consumer_token, "GET", url, args);
      }
      args.set("oauth_signature", signature);
      return `${url}?${urlencode(args)}`;
    }

    /** Keeps the request token in its cookie, then redirects to (or finishes with) `authorize_url`. */
    _on_request_token(authorize_url: string, callback_uri: string | null, response: HTTPResponse): void {
      const request_token = _oauth_parse_response(response.body);
      this.set_cookie("_oauth_request_token", requestTokenCookie(request_token));
      const args = new Map([["oauth_token", request_token.key]]);
      if (callback_uri === "oob") {
        void this.finish(`${authorize_url}?${urlencode(args)}`);
        return;
      }
      if (callback_uri) args.set("oauth_callback", urljoin(this.request.full_url(), callback_uri));
      this.redirect(`${authorize_url}?${urlencode(args)}`);
    }

    /** The signed access-token URL for the request token (and its `verifier`). */
    _oauth_access_token_url(request_token: OAuthToken): string {
      const consumer_token = this._oauth_consumer_token();
      const url = providerUrl(this, "_OAUTH_ACCESS_TOKEN_URL");
      const args = this._oauth_base_args(consumer_token, request_token);
      if ("verifier" in request_token) args.set("oauth_verifier", request_token.verifier);
      const sign = isVersion10a(this) ? _oauth10a_signature : _oauth_signature;
      args.set("oauth_signature", sign(consumer_token, "GET", url, args, request_token));
      return `${url}?${urlencode(args)}`;
    }

    /**
     * The OAuth parameters (`oauth_consumer_key`, `oauth_token`, ..., `oauth_signature`) that
     * sign a request to `url` with the access token.
     * @param parameters every query and body argument the request will send.
     */
    _oauth_request_parameters(
      url: string,
      access_token: OAuthToken,
      parameters: Params = {},
      method = "GET",
    ): Record<string, string> {
      const consumer_token = this._oauth_consumer_token();
      const base_args = this._oauth_base_args(consumer_token, access_token);
      const args = new Map<string, string>(base_args);
      for (const [name, value] of params_map(parameters)) args.set(name, py_str(value));
      const sign = isVersion10a(this) ? _oauth10a_signature : _oauth_signature;
      base_args.set("oauth_signature", sign(consumer_token, method, url, args, access_token));
      return Object.fromEntries(base_args);
    }

    /** The parameters every signed request starts with, in Tornado's order. */
    _oauth_base_args(consumer_token: ConsumerToken, token: OAuthToken | null): Map<string, string> {
      const args = new Map([["oauth_consumer_key", consumer_token.key]]);
      if (token) args.set("oauth_token", token.key);
      args.set("oauth_signature_method", "HMAC-SHA1");
      args.set("oauth_timestamp", this._oauth_timestamp());
      args.set("oauth_nonce", this._oauth_nonce());
      args.set("oauth_version", "1.0");
      return args;
    }

    /** `oauth_timestamp`: whole seconds since the epoch, as text. Override to fix it in tests. */
    _oauth_timestamp(): string {
      return String(Math.floor(Date.now() / 1000));
    }

    /** `oauth_nonce`: 32 hex digits of a random UUID (Tornado's `uuid4().bytes` in hex). Override to fix it in tests. */
    _oauth_nonce(): string {
      return randomUUID().replaceAll("-", "");
    }

    /** The client the flow's requests go through: the IOLoop's shared `AsyncHTTPClient`. Override to use another. */
    get_auth_http_client(): AsyncHTTPClient {
      return new AsyncHTTPClient();
    }
  }
  return OAuthHandler;
}
