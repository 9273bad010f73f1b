import { LRUCache } from 'lru-cache';
import type { RedisConnection } from '../redis/connection.js';

/** The last good picture of one user, as served. */
export interface AvatarEntry {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly etag: string;
  /** The CDN URL the bytes came from. */
  readonly source: string;
  /** When that URL stops working (ms since the epoch), when it says. */
  readonly sourceExpiry?: number | undefined;
  /** When the bytes were fetched (ms since the epoch). */
  readonly fetchedAt: number;
}

type Meta = Omit<AvatarEntry, 'bytes'>;

export interface AvatarCacheOptions {
  /** AVATAR_CACHE_MAX_BYTES: the in-memory copies, pictures and their metadata. */
  readonly maxBytes: number;
  /** AVATAR_CACHE_TTL: how long last good bytes are kept, in memory and in Redis. */
  readonly ttlSeconds: number;
  /** With REDIS_URL: every instance, and a restarted one, finds the bytes another fetched. */
  readonly redis?: RedisConnection | undefined;
}

// Rough size of an entry's metadata, so many tiny pictures still count against the cap.
const META_BYTES = 512;

/**
 * Picture bytes by key: an LRU bounded by bytes in this process, in front of Redis when it is
 * configured (through the process's one guard: a failing Redis is a miss, never an error).
 */
export class AvatarCache {
  private readonly memory: LRUCache<string, AvatarEntry>;

  constructor(private readonly options: AvatarCacheOptions) {
    this.memory = new LRUCache<string, AvatarEntry>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => entry.bytes.length + META_BYTES,
      ttl: options.ttlSeconds * 1000,
    });
  }

  /** Bytes the in-memory copies take, for gateway_avatar_cache_bytes. */
  get memoryBytes(): number {
    return this.memory.calculatedSize;
  }

  async get(key: string): Promise<AvatarEntry | undefined> {
    const local = this.memory.get(key);
    if (local) return local;
    const redis = this.options.redis;
    if (!redis) return undefined;
    const answer = await redis.guard.run(() => redis.client.getBuffer(key));
    const entry = answer.outcome === 'answered' && answer.value ? unpack(answer.value) : undefined;
    if (entry) this.memory.set(key, entry);
    return entry;
  }

  async set(key: string, entry: AvatarEntry): Promise<void> {
    this.memory.set(key, entry);
    const redis = this.options.redis;
    if (redis) await redis.guard.run(() => redis.client.set(key, pack(entry), 'EX', this.options.ttlSeconds));
  }

  /** Forgets a user's picture everywhere: the Graph API says they are no longer to be shown. */
  async delete(key: string): Promise<void> {
    this.memory.delete(key);
    const redis = this.options.redis;
    if (redis) await redis.guard.run(() => redis.client.del(key));
  }
}

// Private: one Redis string per picture, `<meta length, 4 bytes><meta JSON><bytes>`, so a read is one GET.
function pack(entry: AvatarEntry): Buffer {
  const { bytes, ...meta } = entry;
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(json.length);
  return Buffer.concat([head, json, bytes]);
}

function unpack(raw: Buffer): AvatarEntry | undefined {
  try {
    const length = raw.readUInt32BE(0);
    const meta = JSON.parse(raw.subarray(4, 4 + length).toString('utf8')) as Meta;
    if (typeof meta.etag !== 'string' || typeof meta.contentType !== 'string' || typeof meta.fetchedAt !== 'number') return undefined;
    return { ...meta, bytes: raw.subarray(4 + length) };
  } catch {
    return undefined;
  }
}
