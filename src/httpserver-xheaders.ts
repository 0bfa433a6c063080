/**
 * Reading the client's address and scheme from a proxy's headers (`xheaders`), in time linear
 * in the headers' length: each scan walks a header once, from its end, by index.
 */

/** True for the optional whitespace (space, tab) around list items in a header value. */
function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** `value.slice(start, end)` without the whitespace around it. */
function trimmedSlice(value: string, start: number, end: number): string {
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/**
 * The client's address by an `X-Forwarded-For` value, as Tornado reads it: the last
 * comma-separated entry that is not in `trusted` (the proxies in front of this server), or the
 * first entry when every one is trusted. Entries are trimmed of spaces and tabs; the result
 * is not validated (the caller checks it is an IP address). Linear in `header.length`.
 */
export function forwarded_for_address(header: string, trusted: ReadonlySet<string>): string {
  let end = header.length;
  for (;;) {
    const comma = end > 0 ? header.lastIndexOf(",", end - 1) : -1;
    const candidate = trimmedSlice(header, comma + 1, end);
    if (comma < 0 || !trusted.has(candidate)) return candidate;
    end = comma;
  }
}

/**
 * The scheme named by an `X-Scheme` or `X-Forwarded-Proto` value: its last comma-separated
 * entry, trimmed, when that is `http` or `https`; otherwise null. Linear in `header.length`.
 */
export function forwarded_protocol(header: string): "http" | "https" | null {
  const last = trimmedSlice(header, header.lastIndexOf(",") + 1, header.length);
  return last === "http" || last === "https" ? last : null;
}
