import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { Redis } from 'ioredis';

// Private: at start the gateway waits up to this long for Redis to be ready, so its first requests
// can already use what other instances stored; a Redis that does not answer delays the start by no
// more than this, one that refuses connections not at all.
const START_WAIT_MS = 2000;

/** Apollo's KeyValueCache over an ioredis client; `ttl` is in seconds, as the interface says. */
export class RedisStore implements KeyValueCache<string> {
  constructor(private readonly client: Redis) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl;
    if (ttl) await this.client.set(key, value, 'EX', Math.ceil(ttl));
    else await this.client.set(key, value);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(key)) > 0;
  }
}

/** One connection to REDIS_URL, shared by the profile cache and the Pages' quota state. */
export interface RedisConnection {
  readonly client: Redis;
  /** Whether the connection is up and ready for commands. */
  readonly reachable: () => boolean;
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
    reachable: () => client.status === 'ready',
    close: async () => {
      client.disconnect();
    },
  };
}
