/**
 * Tornado's `FacebookGraphMixin`: logging in with Facebook and calling the Graph API.
 *
 * Register the application with Facebook and keep its id and secret in the settings (Tornado's
 * examples use `facebook_api_key` and `facebook_secret`); `get_authenticated_user` takes them as
 * arguments.
 * @module
 */
import { createHmac } from "node:crypto";
import { AuthError } from "./errors";
import { fetchProviderJson, OAuth2Mixin, type OAuth2RequestArgs } from "./oauth2";
import type { HandlerClass } from "./mixin";

/** The arguments of `FacebookGraphMixin.get_authenticated_user`. */
export interface FacebookAuthenticatedUserArgs {
  /** The same `redirect_uri` given to `authorize_redirect`. */
  redirect_uri: string;
  /** The application id. */
  client_id: string;
  /** The application secret (also the key of `appsecret_proof`). */
  client_secret: string;
  /** The `code` query argument Facebook sent the browser back with. */
  code: string;
  /** User fields to ask for besides the default ones (`id`, `name`, `first_name`, ...). */
  extra_fields?: Iterable<string> | null;
}

/** The user fields `get_authenticated_user` always asks for, in the order they are sent. */
export const FACEBOOK_DEFAULT_FIELDS: readonly string[] = [
  "id",
  "name",
  "first_name",
  "last_name",
  "locale",
  "picture",
  "link",
];

/**
 * Facebook's `appsecret_proof`: the HMAC-SHA256 of the access token keyed with the application
 * secret (both UTF-8), as lowercase hex.
 */
export function appsecret_proof(access_token: string, client_secret: string): string {
  return createHmac("sha256", Buffer.from(client_secret, "utf8")).update(access_token, "utf8").digest("hex");
}

/** The default fields followed by the extra ones, each once. */
function requestedFields(extra: Iterable<string> | null | undefined): string[] {
  return [...new Set([...FACEBOOK_DEFAULT_FIELDS, ...(extra ?? [])])];
}

/**
 * Tornado's `FacebookGraphMixin`: `OAuth2Mixin` with Facebook's endpoints, plus
 * `get_authenticated_user` (code to token to user) and `facebook_request` (a Graph API call).
 */
export function FacebookGraphMixin<TBase extends HandlerClass>(Base: TBase) {
  abstract class FacebookGraphHandler extends OAuth2Mixin(Base) {
    /** Facebook's token endpoint (the trailing `?` is Tornado's; `url_concat` copes with it). */
    static override _OAUTH_ACCESS_TOKEN_URL: string | undefined = "https://graph.facebook.com/oauth/access_token?";
    /** Facebook's login dialog. */
    static override _OAUTH_AUTHORIZE_URL: string | undefined = "https://www.facebook.com/dialog/oauth?";
    /** Tornado's flag (a leftover of its callback API); kept for code that reads it. */
    static _OAUTH_NO_CALLBACKS = false;
    /** Where `facebook_request` paths are relative to. */
    static _FACEBOOK_BASE_URL = "https://graph.facebook.com";

    /**
     * Completes the login: GETs the token URL (`_oauth_request_token_url` with `redirect_uri`,
     * `code`, `client_id` and `client_secret`), then `/me` with the token, its `appsecret_proof`
     * and the `fields` (the defaults and `extra_fields`, comma-separated). Resolves to the
     * user: each requested field (null when Facebook left it out), `access_token`, and
     * `session_expires` (the token's `expires_in` as a string, as Tornado); null when `/me`
     * answers JSON `null`.
     * @throws AuthError when either request fails, answers not JSON, or the token answer has no
     * `access_token` (where Tornado fails an assertion).
     */
    async get_authenticated_user(args: FacebookAuthenticatedUserArgs): Promise<Record<string, any> | null> {
      const { redirect_uri, code, client_id, client_secret } = args;
      const fields = requestedFields(args.extra_fields);
      const tokenUrl = this._oauth_request_token_url({ redirect_uri, code, client_id, client_secret });
      const session = await fetchProviderJson(this.get_auth_http_client(), tokenUrl);
      const access_token: unknown = session?.access_token;
      if (typeof access_token !== "string") throw new AuthError("Facebook's token response has no access_token");
      const user = await this.facebook_request("/me", {
        access_token,
        appsecret_proof: appsecret_proof(access_token, client_secret),
        fields: fields.join(","),
      });
      if (user == null) return null;
      const fieldmap: Record<string, any> = {};
      for (const field of fields) fieldmap[field] = user[field] ?? null;
      fieldmap.access_token = access_token;
      fieldmap.session_expires = session.expires_in == null ? "None" : String(session.expires_in);
      return fieldmap;
    }

    /**
     * Calls the Graph API at `path` (relative to `_FACEBOOK_BASE_URL`, e.g. `"/me/feed"`) with
     * `oauth2_request`: the query arguments go with the `access_token`, `post_args` make it a POST.
     * Resolves to the parsed JSON answer.
     * @throws AuthError when Facebook answers with an error status or not JSON.
     */
    async facebook_request(path: string, args: OAuth2RequestArgs = {}): Promise<any> {
      const base = (this.constructor as typeof FacebookGraphHandler)._FACEBOOK_BASE_URL;
      return this.oauth2_request(base + path, args);
    }
  }
  return FacebookGraphHandler;
}
