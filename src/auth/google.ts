/**
 * Tornado's `GoogleOAuth2Mixin`: logging in with Google through OAuth 2.0.
 *
 * Register the application in the Google Cloud console (Credentials, OAuth client ID, Web
 * application), then put the client id and secret in the application settings as
 * `{ google_oauth: { key: CLIENT_ID, secret: CLIENT_SECRET } }`.
 * @module
 */
import { endpointOf, fetchProviderJson, OAuth2Mixin } from "./oauth2";
import { urlencode } from "./urls";
import type { HandlerClass } from "./mixin";

/** Google's credentials as the `google_oauth` setting holds them. */
export interface GoogleOAuthSettings {
  /** The client id. */
  key: string;
  /** The client secret. */
  secret: string;
}

/** The arguments of `GoogleOAuth2Mixin.get_authenticated_user`. */
export interface GoogleAuthenticatedUserArgs {
  /** The same `redirect_uri` given to `authorize_redirect` (Google compares them exactly). */
  redirect_uri: string;
  /** The `code` query argument Google sent the browser back with. */
  code: string;
  /** The client id; the `key` of `get_google_oauth_settings()` when left out. */
  client_id?: string | null;
  /** The client secret; the `secret` of `get_google_oauth_settings()` when left out. */
  client_secret?: string | null;
}

/**
 * Tornado's `GoogleOAuth2Mixin`: `OAuth2Mixin` with Google's endpoints, plus
 * `get_google_oauth_settings` and `get_authenticated_user` (which exchanges the code for a token).
 */
export function GoogleOAuth2Mixin<TBase extends HandlerClass>(Base: TBase) {
  abstract class GoogleOAuth2Handler extends OAuth2Mixin(Base) {
    /** Google's authorization page. */
    static override _OAUTH_AUTHORIZE_URL: string | undefined = "https://accounts.google.com/o/oauth2/v2/auth";
    /** Google's token endpoint. */
    static override _OAUTH_ACCESS_TOKEN_URL: string | undefined = "https://www.googleapis.com/oauth2/v4/token";
    /** Google's user information endpoint, for `oauth2_request` with the access token. */
    static _OAUTH_USERINFO_URL = "https://www.googleapis.com/oauth2/v1/userinfo";
    /** The application setting that holds the credentials. */
    static _OAUTH_SETTINGS_KEY = "google_oauth";
    /** Tornado's flag (a leftover of its callback API); kept for code that reads it. */
    static _OAUTH_NO_CALLBACKS = false;

    /**
     * The Google credentials, `{ key, secret }`, from the application setting named by
     * `_OAUTH_SETTINGS_KEY`; override to keep them elsewhere (a database, say).
     * @throws TypeError when that setting is missing.
     */
    get_google_oauth_settings(): GoogleOAuthSettings {
      const key = (this.constructor as typeof GoogleOAuth2Handler)._OAUTH_SETTINGS_KEY;
      const settings = this.settings[key];
      if (settings == null || typeof settings !== "object") throw new TypeError(`the '${key}' setting is not set`);
      return settings as GoogleOAuthSettings;
    }

    /**
     * Exchanges the authorization `code` for an access token: POSTs `redirect_uri`, `code`,
     * `client_id`, `client_secret` and `grant_type=authorization_code`, form-encoded, to
     * `_OAUTH_ACCESS_TOKEN_URL`, and resolves to Google's JSON answer (`access_token`,
     * `expires_in`, `id_token`, ...). As in Tornado, it does not fetch the user's profile: call
     * `oauth2_request(_OAUTH_USERINFO_URL, { access_token })` for that.
     * @throws AuthError when Google answers with an error status or not JSON; TypeError when
     * credentials are left out and the settings have none.
     */
    async get_authenticated_user(args: GoogleAuthenticatedUserArgs): Promise<Record<string, any>> {
      let { client_id, client_secret } = args;
      if (client_id == null || client_secret == null) {
        const settings = this.get_google_oauth_settings();
        client_id ??= settings.key;
        client_secret ??= settings.secret;
      }
      const body = urlencode([
        ["redirect_uri", args.redirect_uri],
        ["code", args.code],
        ["client_id", client_id],
        ["client_secret", client_secret],
        ["grant_type", "authorization_code"],
      ]);
      const url = endpointOf(this, "_OAUTH_ACCESS_TOKEN_URL");
      return fetchProviderJson(this.get_auth_http_client(), url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
      });
    }
  }
  return GoogleOAuth2Handler;
}
