import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/** Where the emulator's CDN serves profile pictures, as Facebook's lookaside host does. */
export const PICTURE_PATH = '/platform/profilepic/';
/** How long a picture URL works, as the real ones: a few days. */
const PICTURE_TTL_SECONDS = 3 * 24 * 3600;
const SIZE = 32;

/**
 * A profile picture CDN that needs no network: each PSID gets a small PNG of its own colour, at a
 * URL that carries `ext` (Unix seconds) and a hash, like the real lookaside URLs; past `ext` the
 * URL answers 403 "URL signature expired", a tampered hash 403 too.
 */
export class PictureCdn {
  constructor(private readonly secret: string) {}

  url(origin: string, psid: string, nowMs: number): string {
    const ext = Math.floor(nowMs / 1000) + PICTURE_TTL_SECONDS;
    return `${origin}${PICTURE_PATH}?psid=${psid}&width=1024&ext=${ext}&hash=${this.hash(psid, ext)}`;
  }

  /** The answer to a GET of `url` (path and query) at `nowMs`, for a PSID that `known` says exists. */
  answer(search: URLSearchParams, nowMs: number, known: (psid: string) => boolean): { status: number; type: string; body: Buffer } {
    const psid = search.get('psid') ?? '';
    const ext = Number(search.get('ext') ?? Number.NaN);
    const hash = Buffer.from(search.get('hash') ?? '');
    const expected = Buffer.from(Number.isFinite(ext) ? this.hash(psid, ext) : '');
    if (hash.length !== expected.length || !timingSafeEqual(hash, expected)) return text(403, 'Bad URL hash');
    if (nowMs >= ext * 1000) return text(403, 'URL signature expired');
    if (!known(psid)) return text(404, 'Not found');
    return { status: 200, type: 'image/png', body: png(psid) };
  }

  private hash(psid: string, ext: number): string {
    return `AT${createHmac('sha256', this.secret).update(`${psid}:${ext}`).digest('base64url').slice(0, 20)}`;
  }
}

function text(status: number, message: string): { status: number; type: string; body: Buffer } {
  return { status, type: 'text/plain', body: Buffer.from(message) };
}

/** A SIZE×SIZE PNG in one colour derived from the PSID. */
function png(psid: string): Buffer {
  const [r, g, b] = createHash('sha256').update(psid).digest();
  const row = Buffer.alloc(1 + SIZE * 3);
  for (let x = 0; x < SIZE; x++) row.set([r!, g!, b!], 1 + x * 3);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: SIZE }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}
