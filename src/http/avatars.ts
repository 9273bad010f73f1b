import type { IncomingMessage, ServerResponse } from 'node:http';
import { AVATAR_PATH } from '../avatars/links.js';
import type { AvatarResult, AvatarService } from '../avatars/service.js';
import { HttpError } from './respond.js';

export interface AvatarRouteOptions {
  readonly service: AvatarService;
  readonly count: (result: AvatarResult) => void;
  readonly clock: () => number;
}

// An avatar is only ever an image in someone else's page: nothing on the gateway's origin may run
// from it, and other origins may embed it.
const IMAGE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'cross-origin-resource-policy': 'cross-origin',
  'referrer-policy': 'no-referrer',
};

/**
 * `GET /avatars/<id>?sig=…[&exp=…]`: the picture bytes, with no API key (an `<img>` cannot send
 * one); the signature is the credential. 403 for a wrong or expired signature, before any lookup.
 */
export function avatarRoute({ service, count, clock }: AvatarRouteOptions) {
  return async (req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<boolean> => {
    if (!path.startsWith(AVATAR_PATH)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, 'Avatars answer GET only.', undefined, { allow: 'GET, HEAD' });
    }
    const params = new URLSearchParams(search.replace(/^\?/, ''));
    const answer = await service.serve(path.slice(AVATAR_PATH.length), params.get('sig') ?? '', params.get('exp') ?? undefined);
    count(answer.result);
    if (!('entry' in answer)) {
      if (answer.result === 'refused' && answer.reason === 'signature') throw new HttpError(403, 'Invalid or expired avatar URL.');
      if (answer.result === 'refused') throw new HttpError(502, 'The picture is on a host the gateway does not fetch from.');
      if (answer.result === 'not_found') throw new HttpError(404, 'No picture for this avatar.');
      const retry = answer.retryAfterSeconds ? { 'retry-after': String(answer.retryAfterSeconds) } : {};
      throw new HttpError(answer.rateLimited ? 429 : 503, 'The picture cannot be fetched now. Retry later.', undefined, retry);
    }
    const { entry } = answer;
    // Never cached by a browser past the URL's own expiry.
    const exp = Number(params.get('exp') ?? Number.NaN);
    const maxAge = Number.isFinite(exp) ? Math.max(0, Math.min(answer.maxAgeSeconds, Math.floor(exp - clock() / 1000))) : answer.maxAgeSeconds;
    const headers = { ...IMAGE_HEADERS, etag: entry.etag, 'cache-control': `private, max-age=${maxAge}` };
    if (matches(req.headers['if-none-match'], entry.etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-type': entry.contentType, 'content-length': String(entry.bytes.length) });
    res.end(req.method === 'HEAD' ? undefined : entry.bytes);
    return true;
  };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
