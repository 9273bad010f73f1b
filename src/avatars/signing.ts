import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Kinds of user an avatar URL can name: `m` a Messenger PSID, `ig` an Instagram IGSID. Both are
 * read through the same Page's chain; the kind decides which profile type (and cache) answers.
 */
export type AvatarKind = 'm' | 'ig';

/** Whose picture an avatar URL shows. */
export interface AvatarSubject {
  readonly kind: AvatarKind;
  /** The Page's id; '' for the default Page of a gateway configured without PAGE_ID. */
  readonly pageId: string;
  /** PSID or IGSID: digits only. */
  readonly userId: string;
}

/** The path segment and query of one avatar URL. */
export interface SignedAvatar {
  /** The subject, encrypted: opaque to anyone without the key. */
  readonly id: string;
  readonly sig: string;
  /** Unix seconds after which the URL is refused; absent without AVATAR_URL_TTL. */
  readonly exp?: number | undefined;
}

interface KeySet {
  /** Derives the synthetic IV (deterministic encryption: one user, one stable URL). */
  readonly iv: Buffer;
  readonly enc: Buffer;
  readonly mac: Buffer;
}

const SUBJECT = /^(m|ig):(\d{0,32}):(\d{1,32})$/;
const ID = /^[A-Za-z0-9_-]{24,120}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;

/**
 * Signs and reads avatar URLs. Each AVATAR_SIGNING_KEY yields three keys by HKDF: one encrypts
 * the subject (AES-256-CTR with a synthetic IV, an HMAC of the subject, so the same user always
 * gets the same id and the id reveals nothing but that equality), one checks that IV on the way
 * back, one signs `id.exp` with HMAC-SHA256. The first key signs; every listed key verifies, so a
 * key is rotated by putting the new one first and dropping the old one once its URLs may go.
 *
 * Hand-written on node:crypto: JWE (jose) draws a random IV per token, which would give the same
 * picture a new URL on every query and defeat browser caching.
 */
export class AvatarSigner {
  private readonly keys: readonly KeySet[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new TypeError('AvatarSigner needs at least one key');
    this.keys = secrets.map((secret) => ({
      iv: derive(secret, 'iv'),
      enc: derive(secret, 'enc'),
      mac: derive(secret, 'mac'),
    }));
  }

  sign(subject: AvatarSubject, exp?: number): SignedAvatar {
    const key = this.keys[0]!;
    const plain = Buffer.from(`${subject.kind}:${subject.pageId}:${subject.userId}`, 'utf8');
    const iv = hmac(key.iv, plain).subarray(0, 16);
    const cipher = createCipheriv('aes-256-ctr', key.enc, iv);
    const id = Buffer.concat([iv, cipher.update(plain), cipher.final()]).toString('base64url');
    return { id, sig: signature(key.mac, id, exp), exp };
  }

  /** The subject of a well-signed URL, or why not: never throws, whatever the input. */
  verify(id: string, sig: string, exp: string | undefined, now: number): { subject: AvatarSubject } | { refused: 'signature' | 'expired' } {
    if (!ID.test(id) || !SIG.test(sig) || (exp !== undefined && !/^\d{1,12}$/.test(exp))) return { refused: 'signature' };
    const expiry = exp === undefined ? undefined : Number(exp);
    const given = Buffer.from(sig, 'base64url');
    for (const key of this.keys) {
      if (!timingSafeEqual(given, Buffer.from(signature(key.mac, id, expiry), 'base64url'))) continue;
      // Checked after the signature, so an expired URL is told apart only by its holder.
      if (expiry !== undefined && now >= expiry * 1000) return { refused: 'expired' };
      const subject = decrypt(key, Buffer.from(id, 'base64url'));
      return subject ? { subject } : { refused: 'signature' };
    }
    return { refused: 'signature' };
  }
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'messenger-profile-gateway/avatars', purpose, 32));
}

function hmac(key: Buffer, data: Buffer | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function signature(mac: Buffer, id: string, exp: number | undefined): string {
  return hmac(mac, `${id}.${exp ?? ''}`).toString('base64url');
}

function decrypt(key: KeySet, raw: Buffer): AvatarSubject | undefined {
  if (raw.length <= 16) return undefined;
  const iv = raw.subarray(0, 16);
  const decipher = createDecipheriv('aes-256-ctr', key.enc, iv);
  const plain = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
  if (!timingSafeEqual(iv, hmac(key.iv, plain).subarray(0, 16))) return undefined;
  const match = SUBJECT.exec(plain.toString('utf8'));
  if (!match) return undefined;
  return { kind: match[1] as AvatarKind, pageId: match[2]!, userId: match[3]! };
}
