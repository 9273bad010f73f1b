const VERSION = /^v(\d{1,3})\.(\d{1,2})$/;

/** Whether a string looks like a Graph API version such as v25.0. */
export function isGraphVersion(value: string): boolean {
  return VERSION.test(value);
}

/** [major, minor] of a version string. */
function parseVersion(version: string): readonly [number, number] {
  const match = VERSION.exec(version);
  if (!match) throw new TypeError(`Expected a Graph API version like v25.0, got "${version}"`);
  return [Number(match[1]), Number(match[2])];
}

/** True when version a is older than version b. */
export function versionBefore(a: string, b: string): boolean {
  const [am, an] = parseVersion(a);
  const [bm, bn] = parseVersion(b);
  return am < bm || (am === bm && an < bn);
}
