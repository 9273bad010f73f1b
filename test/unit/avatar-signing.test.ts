import { describe, expect, it } from 'vitest';
import { allowedPicture } from '../../src/avatars/hosts.js';
import { pictureUrlExpiry } from '../../src/core/picture-url.js';
import { AvatarSigner } from '../../src/avatars/signing.js';

const KEY = 'unit-avatar-signing-key-0123456789abcdef';
const OTHER = 'another-avatar-signing-key-0123456789ab';
const PETER = { kind: 'm', pageId: '104285395231234', userId: '1254459154682919' } as const;

describe('AvatarSigner', () => {
  const signer = new AvatarSigner([KEY]);

  it('gives one user one stable, opaque id; another user another', () => {
    const a = signer.sign(PETER);
    expect(signer.sign(PETER)).toEqual(a);
    expect(a.id).not.toContain(PETER.userId);
    expect(Buffer.from(a.id, 'base64url').toString('latin1')).not.toContain(PETER.userId);
    expect(signer.sign({ ...PETER, userId: '1254459154682918' }).id).not.toBe(a.id);
    expect(signer.sign({ ...PETER, kind: 'ig' }).id).not.toBe(a.id);
  });

  it('reads back the subject of a well-signed URL, Instagram included', () => {
    const { id, sig } = signer.sign({ ...PETER, kind: 'ig' });
    expect(signer.verify(id, sig, undefined, 0)).toEqual({ subject: { ...PETER, kind: 'ig' } });
  });

  it('refuses a changed id, signature or expiry, and a URL past its expiry', () => {
    const now = 1_800_000_000_000;
    const exp = now / 1000 + 60;
    const { id, sig } = signer.sign(PETER, exp);
    expect(signer.verify(id, sig, String(exp), now)).toHaveProperty('subject');
    expect(signer.verify(id, sig, String(exp + 1), now)).toEqual({ refused: 'signature' });
    expect(signer.verify(id, sig, undefined, now)).toEqual({ refused: 'signature' });
    expect(signer.verify(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`, sig, String(exp), now)).toEqual({ refused: 'signature' });
    expect(signer.verify(id, sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), String(exp), now)).toEqual({ refused: 'signature' });
    expect(signer.verify(id, sig, String(exp), exp * 1000)).toEqual({ refused: 'expired' });
    expect(signer.verify('../../etc', 'x', '1e9', now)).toEqual({ refused: 'signature' });
  });

  it('rotation: a signer listing an old key after the new one verifies both, signs with the new one', () => {
    const old = new AvatarSigner([OTHER]).sign(PETER);
    const rotated = new AvatarSigner([KEY, OTHER]);
    expect(rotated.verify(old.id, old.sig, undefined, 0)).toEqual({ subject: PETER });
    expect(rotated.sign(PETER)).toEqual(signer.sign(PETER));
    expect(signer.verify(old.id, old.sig, undefined, 0)).toEqual({ refused: 'signature' });
  });
});

describe('picture hosts and expiries', () => {
  const meta = ['*.fbcdn.net', '*.fbsbx.com', '*.cdninstagram.com'];

  it('fetches only https URLs on the allowlist; plain http only for a loopback host listed exactly', () => {
    expect(allowedPicture('https://scontent-cdg4-1.xx.fbcdn.net/v/t1/p.jpg?oe=6650A1B2', meta)).toBeDefined();
    expect(allowedPicture('https://platform-lookaside.fbsbx.com/platform/profilepic/?psid=1&ext=1', meta)).toBeDefined();
    expect(allowedPicture('http://platform-lookaside.fbsbx.com/p', meta)).toBeUndefined();
    expect(allowedPicture('https://fbcdn.net.evil.example/p', meta)).toBeUndefined();
    expect(allowedPicture('https://evilfbcdn.net/p', meta)).toBeUndefined();
    expect(allowedPicture('https://user:pw@x.fbcdn.net/p', meta)).toBeUndefined();
    expect(allowedPicture('https://x.fbcdn.net:8443/p', meta)).toBeUndefined();
    expect(allowedPicture('http://127.0.0.1:9000/p', meta)).toBeUndefined();
    expect(allowedPicture('http://127.0.0.1:9000/p', ['127.0.0.1:9000'])).toBeDefined();
    expect(allowedPicture('http://127.0.0.1:9001/p', ['127.0.0.1:9000'])).toBeUndefined();
    expect(allowedPicture('http://cdn.example/p', ['cdn.example'])).toBeUndefined();
    expect(allowedPicture('file:///etc/passwd', ['*'])).toBeUndefined();
  });

  it('reads ext (seconds) and oe (hex seconds)', () => {
    expect(pictureUrlExpiry('https://platform-lookaside.fbsbx.com/p/?psid=1&ext=1700000000&hash=AT')).toBe(1_700_000_000_000);
    expect(pictureUrlExpiry('https://scontent.cdninstagram.com/v/p.jpg?oh=00_A&oe=6650A1B2')).toBe(0x6650a1b2 * 1000);
    expect(pictureUrlExpiry('https://scontent.cdninstagram.com/v/p.jpg')).toBeUndefined();
  });
});
