import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as Meta sends in X-Hub-Signature-256. */
export function signBody(body: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/**
 * The app secret whose signature matches the raw body, or undefined. Compared in constant time;
 * every secret is tried so timing does not tell which one matched.
 */
export function matchingSecret(body: Buffer, header: string | undefined, secrets: readonly string[]): string | undefined {
  if (!header) return undefined;
  const given = Buffer.from(header);
  let match: string | undefined;
  for (const secret of secrets) {
    const expected = Buffer.from(signBody(body, secret));
    if (given.length === expected.length && timingSafeEqual(given, expected)) match ??= secret;
  }
  return match;
}
