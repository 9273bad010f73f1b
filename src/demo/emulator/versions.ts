// The emulator's own reading of Graph API version strings (GRAPH_API.md): it shares no code with
// the gateway, so the two cannot agree on a bug.

const VERSION = /^v(\d+)\.(\d+)$/;

/** Whether a path segment names a Graph API version, such as v25.0. */
export function isVersionSegment(segment: string): boolean {
  return VERSION.test(segment);
}

/** True when version a is older than version b (both already checked by isVersionSegment). */
export function olderThan(a: string, b: string): boolean {
  const [, am = '0', an = '0'] = VERSION.exec(a) ?? [];
  const [, bm = '0', bn = '0'] = VERSION.exec(b) ?? [];
  return Number(am) < Number(bm) || (Number(am) === Number(bm) && Number(an) < Number(bn));
}

/** A request body or batch parameter as JSON, or undefined when it is not JSON. */
export function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
