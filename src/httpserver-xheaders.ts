/**
 * Reading the client's address and scheme from a proxy's headers (`xheaders`), in time linear
 * in the headers' length: each scan walks a header once, from its end, by index, and reads only
 * as many entries as it needs.
 */

/**
 * The client's address by an `X-Forwarded-For` value, as Tornado reads it: the last
 * comma-separated entry that is not in `trusted` (the proxies in front of this server), or the
 * first entry when every one is trusted. Entries are trimmed of whitespace; the result
 * is not validated (the caller checks it is an IP address). Linear in `header.length`.
 */
export function forwarded_for_address(header: string, trusted: ReadonlySet<string>): string {
  let end = header.length;
  for (;;) {
    const comma = end > 0 ? header.lastIndexOf(",", end - 1) : -1;
    const candidate = header.slice(comma + 1, end).trim(); // as Python's strip()
    if (comma < 0 || !trusted.has(candidate)) return candidate;
    end = comma;
  }
}

/**
 * The scheme named by an `X-Scheme` or `X-Forwarded-Proto` value: its last comma-separated
 * entry, trimmed, when that is `http` or `https`; otherwise null. Linear in `header.length`.
 */
export function forwarded_protocol(header: string): "http" | "https" | null {
  const last = header.slice(header.lastIndexOf(",") + 1).trim();
  return last === "http" || last === "https" ? last : null;
}
