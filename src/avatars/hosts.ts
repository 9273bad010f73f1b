const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Whether a picture URL may be fetched: its host matches an entry of the allowlist (`*.suffix`
 * for any subdomain, or an exact `host` or `host:port`), and it is https, except for a loopback
 * host listed exactly (demo mode's and the tests' emulator), which may be plain http. A wildcard
 * never admits a loopback host, nor a URL with credentials or a port the entry does not name.
 */
export function allowedPicture(raw: string, allowlist: readonly string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  const loopback = LOOPBACK.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return undefined;
  const host = url.hostname.toLowerCase();
  for (const entry of allowlist) {
    if (entry.startsWith('*.')) {
      if (!loopback && !url.port && host.endsWith(entry.slice(1).toLowerCase())) return url;
    } else if (entry.toLowerCase() === (entry.includes(':') && !entry.startsWith('[') ? url.host : host).toLowerCase()) {
      return url;
    }
  }
  return undefined;
}
