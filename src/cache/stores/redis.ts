import type { Redis } from 'ioredis';
import type { EntryStore, Swap } from './entry-store.js';

// Private: compare-and-set of one key in one step on the server. Entries are small JSON strings,
// so comparing them whole is cheaper than keeping a version beside each; the merge itself stays in
// TypeScript (cache/entry.ts), the one place its rules are written.
const SWAP = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return {0, current} end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return {1}`;

type SwapRedis = Redis & { swapEntry(key: string, expected: string, next: string, ttlSeconds: number): Promise<[number, string | null]> };

/** Entries in Redis, shared by every instance; `ttlSeconds` becomes the key's expiry. */
export class RedisStore implements EntryStore {
  private readonly client: SwapRedis;

  constructor(client: Redis) {
    this.client = client as SwapRedis;
    this.client.defineCommand('swapEntry', { numberOfKeys: 1, lua: SWAP });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  async swap(key: string, expected: string | undefined, next: string, ttlSeconds: number): Promise<Swap> {
    // An entry is never the empty string (it is JSON), so '' stands for "no entry".
    const [swapped, current] = await this.client.swapEntry(key, expected ?? '', next, Math.max(1, Math.ceil(ttlSeconds)));
    return swapped === 1 ? { outcome: 'swapped' } : { outcome: 'changed', current: current ?? undefined };
  }
}
