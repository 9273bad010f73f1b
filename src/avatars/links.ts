import type { Clock } from '../core/clock.js';
import type { AvatarSigner, AvatarSubject } from './signing.js';

export const AVATAR_PATH = '/avatars/';

/**
 * Makes the URL `avatarUrl` answers: on the gateway's public origin, the subject encrypted, signed,
 * and with AVATAR_URL_TTL an expiry. The expiry is rounded up to a step of min(TTL, 1 h), so one
 * user's URL stays the same (and cached by browsers) within a step.
 */
export function avatarLinks(signer: AvatarSigner, publicUrl: () => string, urlTtlSeconds: number, clock: Clock) {
  return (subject: AvatarSubject): string => {
    let exp: number | undefined;
    if (urlTtlSeconds > 0) {
      const step = Math.min(urlTtlSeconds, 3600);
      exp = Math.ceil((clock() / 1000 + urlTtlSeconds) / step) * step;
    }
    const { id, sig } = signer.sign(subject, exp);
    return `${publicUrl()}${AVATAR_PATH}${id}?sig=${sig}${exp === undefined ? '' : `&exp=${exp}`}`;
  };
}
