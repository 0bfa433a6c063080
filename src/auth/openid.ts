/**
 * Tornado's `OpenIdMixin`: OpenID 2.0 login with Attribute Exchange (name, email, language,
 * username).
 * @module
 */
import { AsyncHTTPClient, type HTTPResponse } from "../httpclient";
import type { RequestHandler } from "../web/handler";
import { AuthError } from "./errors";
import type { HandlerClass } from "./mixin";
import { urlencode, urljoin } from "./urls";

const AX_NS = "http://openid.net/srv/ax/1.0";

// The AX type URIs of the attributes `authenticate_redirect` can ask for (besides "name").
const KNOWN_ATTRS: Readonly<Record<string, string>> = {
  email: "http://axschema.org/contact/email",
  language: "http://axschema.org/pref/language",
  username: "http://axschema.org/namePerson/friendly",
};

const NAME_ATTRS = ["firstname", "fullname", "lastname"];

/** Python's `repr()` of bytes, for the error message of a refused verification. */
function bytesRepr(body: Buffer): string {
  const text = body.toString("latin1");
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === "\\" || char === quote) out += "\\" + char;
    else if (char === "\t") out += "\\t";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || code >= 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += char;
  }
  return `b${quote}${out}${quote}`;
}

/** The attribute exchange arguments of the request for `ax_attrs`, added to `args`. */
function addAxArgs(args: Map<string, string>, ax_attrs: readonly string[]): void {
  args.set("openid.ns.ax", AX_NS);
  args.set("openid.ax.mode", "fetch_request");
  // Tornado iterates a Python set here, whose order varies with hashing; ours is the order given.
  let attrs = [...new Set(ax_attrs)];
  const required: string[] = [];
  if (attrs.includes("name")) {
    attrs = attrs.filter((name) => name !== "name" && !NAME_ATTRS.includes(name));
    required.push(...NAME_ATTRS);
    args.set("openid.ax.type.firstname", "http://axschema.org/namePerson/first");
    args.set("openid.ax.type.fullname", "http://axschema.org/namePerson");
    args.set("openid.ax.type.lastname", "http://axschema.org/namePerson/last");
  }
  for (const name of attrs) {
    if (!(name in KNOWN_ATTRS)) throw new Error(`Unknown OpenID attribute exchange attribute: ${name}`);
    args.set(`openid.ax.type.${name}`, KNOWN_ATTRS[name]);
    required.push(name);
  }
  args.set("openid.ax.required", required.join(","));
}

/** The alias the provider gave the AX extension (`openid.ns.<alias>`), or null without one. */
function axAlias(handler: RequestHandler): string | null {
  for (const key in handler.request.arguments) {
    if (key.startsWith("openid.ns.") && handler.get_argument(key) === AX_NS) return key.slice(10);
  }
  return null;
}

/** The AX value of type `uri` in the provider's answer, "" when it sent none. */
function axValue(handler: RequestHandler, alias: string | null, uri: string): string {
  if (!alias) return "";
  const prefix = `openid.${alias}.type.`;
  for (const name in handler.request.arguments) {
    if (handler.get_argument(name) === uri && name.startsWith(prefix)) {
      return handler.get_argument(`openid.${alias}.value.${name.slice(prefix.length)}`, "");
    }
  }
  return "";
}

/** The user of a verified answer: name parts, email, locale, username and claimed_id, when sent. */
function userFromAnswer(handler: RequestHandler): Record<string, string> {
  const alias = axAlias(handler);
  const email = axValue(handler, alias, "http://axschema.org/contact/email");
  const name = axValue(handler, alias, "http://axschema.org/namePerson");
  const first_name = axValue(handler, alias, "http://axschema.org/namePerson/first");
  const last_name = axValue(handler, alias, "http://axschema.org/namePerson/last");
  const username = axValue(handler, alias, "http://axschema.org/namePerson/friendly");
  const locale = axValue(handler, alias, "http://axschema.org/pref/language").toLowerCase();
  const user: Record<string, string> = {};
  const name_parts: string[] = [];
  if (first_name) name_parts.push((user.first_name = first_name));
  if (last_name) name_parts.push((user.last_name = last_name));
  if (name) user.name = name;
  else if (name_parts.length > 0) user.name = name_parts.join(" ");
  else if (email) user.name = email.split("@")[0];
  if (email) user.email = email;
  if (locale) user.locale = locale;
  if (username) user.username = username;
  const claimed_id = handler.get_argument("openid.claimed_id", null);
  if (claimed_id) user.claimed_id = claimed_id;
  return user;
}

/**
 * Tornado's `OpenIdMixin` over the handler class `Base`. A provider's subclass sets the static
 * property `_OPENID_ENDPOINT`; the handler calls `authenticate_redirect()`, and, when the
 * provider sends the user back (`openid.mode` is present), `get_authenticated_user()`.
 */
export function OpenIdMixin<TBase extends HandlerClass>(Base: TBase) {
  abstract class OpenIdHandler extends Base {
    /** The identity provider's endpoint URL. */
    static _OPENID_ENDPOINT = "";

    /**
     * Redirects to the provider's login, asking back to `callback_uri` (default: this request's
     * URI) with the attributes `ax_attrs` (any of `name`, `email`, `language`, `username`).
     * @throws Error for an attribute it does not know.
     */
    authenticate_redirect(
      callback_uri: string | null = null,
      ax_attrs: readonly string[] = ["name", "email", "language", "username"],
    ): void {
      const args = this._openid_args(callback_uri || this.request.uri, ax_attrs);
      this.redirect(`${this._openid_endpoint()}?${urlencode(args)}`);
    }

    /**
     * Verifies the provider's answer in the callback handler, by POSTing its arguments back
     * with `openid.mode=check_authentication`, and resolves to the user it names.
     * @throws AuthError unless the provider answers `is_valid:true`; `HTTPClientError` on a
     * non-2xx answer.
     */
    async get_authenticated_user(http_client: AsyncHTTPClient | null = null): Promise<Record<string, string>> {
      const args = new Map<string, Buffer | string>();
      for (const [name, values] of Object.entries(this.request.arguments)) args.set(name, values[values.length - 1]);
      args.set("openid.mode", "check_authentication");
      const client = http_client ?? this.get_auth_http_client();
      const response = await client.fetch(this._openid_endpoint(), { method: "POST", body: urlencode(args) });
      return this._on_authentication_verified(response);
    }

    /** The arguments of the redirect to the provider, in Tornado's order. */
    _openid_args(
      callback_uri: string,
      ax_attrs: readonly string[] = [],
      oauth_scope: string | null = null,
    ): Map<string, string> {
      const url = urljoin(this.request.full_url(), callback_uri);
      const args = new Map([
        ["openid.ns", "http://specs.openid.net/auth/2.0"],
        ["openid.claimed_id", "http://specs.openid.net/auth/2.0/identifier_select"],
        ["openid.identity", "http://specs.openid.net/auth/2.0/identifier_select"],
        ["openid.return_to", url],
        ["openid.realm", urljoin(url, "/")],
        ["openid.mode", "checkid_setup"],
      ]);
      if (ax_attrs.length > 0) addAxArgs(args, ax_attrs);
      if (oauth_scope) {
        args.set("openid.ns.oauth", "http://specs.openid.net/extensions/oauth/1.0");
        args.set("openid.oauth.consumer", this.request.host.split(":")[0]);
        args.set("openid.oauth.scope", oauth_scope);
      }
      return args;
    }

    /** The user of the answer once the provider confirmed it. @throws AuthError without `is_valid:true`. */
    _on_authentication_verified(response: HTTPResponse): Record<string, string> {
      if (!response.body.includes("is_valid:true")) {
        throw new AuthError(`Invalid OpenID response: ${bytesRepr(response.body)}`);
      }
      return userFromAnswer(this);
    }

    /** `_OPENID_ENDPOINT` of the handler's class; throws when it is unset. */
    _openid_endpoint(): string {
      const cls = this.constructor as typeof OpenIdHandler;
      if (!cls._OPENID_ENDPOINT) throw new Error(`${cls.name} must set the static property _OPENID_ENDPOINT`);
      return cls._OPENID_ENDPOINT;
    }

    /** The client the verification goes through: the IOLoop's shared `AsyncHTTPClient`. Override to use another. */
    get_auth_http_client(): AsyncHTTPClient {
      return new AsyncHTTPClient();
    }
  }
  return OpenIdHandler;
}
