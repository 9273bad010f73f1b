import { Redis } from 'ioredis';
import type { EntryStore, Swap } from './entry-store.js';

// Private: at start the gateway waits up to this long for Redis to be ready, so its first requests
// can already use what other instances stored; a Redis that does not answer delays the start by no
// more than this, one that refuses connections not at all.
const START_WAIT_MS = 2000;

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

/** One connection to REDIS_URL, shared by the profile cache and the Pages' quota state. */
export interface RedisConnection {
  readonly client: Redis;
  /** Whether Redis answers a PING within the command timeout. */
  readonly ping: () => Promise<boolean>;
  readonly close: () => Promise<void>;
}

/**
 * Connects to Redis without ever failing: while Redis is down commands fail at once (no offline
 * queue, no retries) and the client keeps reconnecting in the background.
 */
export async function connectRedis(url: string, commandTimeoutMs: number): Promise<RedisConnection> {
  const client = new Redis(url, {
    lazyConnect: true,
    // A command issued while disconnected fails at once rather than waiting for a reconnect: the
    // gateway would rather ask the Graph API than hold a request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(1000, commandTimeoutMs),
  });
  // Connection errors repeat on every reconnect attempt; each user of the connection logs the outage once.
  client.on('error', () => {});
  // A first failure rejects this promise, yet the client goes on reconnecting.
  client.connect().catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    // Ready, refused, or silent: whichever comes first ends the wait.
    client.once('ready', resolve).once('error', () => resolve());
    timer = setTimeout(resolve, START_WAIT_MS);
  });
  clearTimeout(timer);
  return {
    client,
    ping: async () => (await client.ping().catch(() => undefined)) === 'PONG',
    close: async () => {
      client.disconnect();
    },
  };
}
