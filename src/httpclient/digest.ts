/**
 * HTTP digest access authentication for the client (RFC 7616, and RFC 2617/2069 servers), the
 * `auth_mode: "digest"` Tornado's curl client gets from curl: the `WWW-Authenticate` challenge
 * parser and the `Authorization: Digest ...` answer.
 */
import { createHash, randomBytes } from "node:crypto";
import type { HTTPHeaders } from "../httputil/headers";

/** One challenge of a `WWW-Authenticate` header: its scheme (as sent) and its parameters (names lower-cased). */
export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/** The parts of a Digest challenge the answer needs. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | null;
  /** The qop values offered, lower-cased; empty for an RFC 2069 server. */
  qop: string[];
  /** "MD5", "MD5-sess", "SHA-256" or "SHA-256-sess", as the server spelled it. */
  algorithm: string;
  stale: boolean;
}

/** What the answer to a challenge is computed from. */
export interface DigestInput {
  username: string;
  password: string;
  method: string;
  /** The request target: path and query. */
  uri: string;
  /** The client nonce; random when omitted (tests fix it). */
  cnonce?: string;
}

const HASHES: Readonly<Record<string, string>> = { MD5: "md5", "SHA-256": "sha256" };

const SEPARATORS = ' \t,="';

/**
 * Parses every challenge of `value` (one `WWW-Authenticate` header, which may hold several,
 * comma-separated) in one pass over it: time linear in its length whatever it holds.
 * Malformed pieces are skipped, never thrown on.
 */
export function parseChallenges(value: string): Challenge[] {
  const challenges: Challenge[] = [];
  let current: Challenge | null = null;
  let i = 0;
  while (i < value.length) {
    i = skipWhile(value, i, " \t,");
    const start = i;
    while (i < value.length && !SEPARATORS.includes(value[i])) i++;
    if (i === start) {
      i++; // a stray '=' or '"': skipped
      continue;
    }
    const token = value.slice(start, i);
    const after = skipWhile(value, i, " \t");
    if (value[after] === "=" && current !== null) {
      const [param, next] = readParamValue(value, skipWhile(value, after + 1, " \t"));
      current.params.set(token.toLowerCase(), param);
      i = next;
    } else {
      current = { scheme: token, params: new Map() };
      challenges.push(current);
      i = after;
    }
  }
  return challenges;
}

function skipWhile(value: string, i: number, chars: string): number {
  while (i < value.length && chars.includes(value[i])) i++;
  return i;
}

/** A token or quoted-string at `i` (backslash escapes undone), and the index after it. */
function readParamValue(value: string, i: number): [string, number] {
  if (value[i] !== '"') {
    const start = i;
    while (i < value.length && !" \t,".includes(value[i])) i++;
    return [value.slice(start, i), i];
  }
  let out = "";
  for (i++; i < value.length && value[i] !== '"'; i++) {
    if (value[i] === "\\" && i + 1 < value.length) i++;
    out += value[i];
  }
  return [out, i + 1];
}

/**
 * The first Digest challenge among `headers`' `WWW-Authenticate` values whose algorithm this
 * client computes and whose qop (when offered) includes "auth"; null when there is none.
 */
export function digestChallenge(headers: HTTPHeaders): DigestChallenge | null {
  for (const value of headers.get_list("WWW-Authenticate")) {
    for (const challenge of parseChallenges(value)) {
      const usable = asDigest(challenge);
      if (usable !== null) return usable;
    }
  }
  return null;
}

function asDigest({ scheme, params }: Challenge): DigestChallenge | null {
  const nonce = params.get("nonce");
  if (scheme.toLowerCase() !== "digest" || nonce === undefined) return null;
  const algorithm = params.get("algorithm") ?? "MD5";
  if (hashName(algorithm) === null) return null;
  const qopValue = params.get("qop");
  const qop = qopValue === undefined ? [] : qopValue.split(",").map((item) => item.trim().toLowerCase());
  if (qop.length > 0 && !qop.includes("auth")) return null;
  return {
    realm: params.get("realm") ?? "",
    nonce,
    opaque: params.get("opaque") ?? null,
    qop,
    algorithm,
    stale: params.get("stale")?.toLowerCase() === "true",
  };
}

/** node:crypto's name for a digest algorithm ("MD5-sess" hashes with MD5), or null for one not supported. */
function hashName(algorithm: string): string | null {
  const base = algorithm.toUpperCase().replace(/-SESS$/, "");
  return HASHES[base] ?? null;
}

/**
 * The `Authorization` header value answering `challenge` (RFC 7616 section 3.4): `Digest
 * username="...", realm="...", nonce="...", uri="...", response="..."`, then opaque, algorithm,
 * and `qop=auth, nc=00000001, cnonce="..."` when the server offered qop (the order Python's
 * urllib sends). Throws Error for an algorithm `digestChallenge` would not have returned.
 */
export function digestAuthorization(challenge: DigestChallenge, input: DigestInput): string {
  const name = hashName(challenge.algorithm);
  if (name === null) throw new Error(`unsupported digest algorithm ${challenge.algorithm}`);
  const hash = (text: string): string => createHash(name).update(text, "utf8").digest("hex");
  const cnonce = input.cnonce ?? randomBytes(8).toString("hex");
  const nc = "00000001";
  let ha1 = hash(`${input.username}:${challenge.realm}:${input.password}`);
  if (/-sess$/i.test(challenge.algorithm)) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(`${input.method}:${input.uri}`);
  const withQop = challenge.qop.length > 0;
  const response = withQop
    ? hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  let header =
    `Digest username="${quoted(input.username)}", realm="${quoted(challenge.realm)}", ` +
    `nonce="${quoted(challenge.nonce)}", uri="${quoted(input.uri)}", response="${response}"`;
  if (challenge.opaque !== null) header += `, opaque="${quoted(challenge.opaque)}"`;
  header += `, algorithm="${challenge.algorithm}"`;
  if (withQop) header += `, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  return header;
}

function quoted(text: string): string {
  return text.replace(/[\\"]/g, (char) => `\\${char}`);
}
