/**
 * When a CDN picture URL stops working, in ms since the epoch: `ext` (Unix seconds) on Facebook's
 * lookaside URLs, `oe` (hex Unix seconds) on fbcdn and Instagram URLs; past it the CDN answers 403.
 * Undefined when the URL says neither.
 */
export function pictureUrlExpiry(raw: string): number | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(raw).searchParams;
  } catch {
    return undefined;
  }
  const ext = params.get('ext');
  if (ext !== null && /^\d{1,12}$/.test(ext)) return Number(ext) * 1000;
  const oe = params.get('oe');
  if (oe !== null && /^[0-9A-Fa-f]{1,10}$/.test(oe)) return Number.parseInt(oe, 16) * 1000;
  return undefined;
}
