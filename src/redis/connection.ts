import { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import { RedisGuard } from './guard.js';

// Private: at start the gateway waits up to this long for Redis to be ready, so its first requests
// can already use what other instances stored; a Redis that does not answer delays the start by no
// more than this, one that refuses connections not at all.
const START_WAIT_MS = 2000;

/**
 * The process's one command connection to REDIS_URL, and the guard every user sends its commands
 * through: the profile cache, caller budgets, the shared throttle and the referral store.
 */
export interface RedisConnection {
  readonly client: Redis;
  readonly guard: RedisGuard;
  /** Whether Redis answers a PING within the command timeout; outside the guard, for /readyz. */
  readonly ping: () => Promise<boolean>;
  readonly close: () => Promise<void>;
}

export interface RedisConnectionOptions {
  /** REDIS_TIMEOUT_MS: the longest wait for one command, whoever sends it. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

/**
 * Connects to Redis without ever failing: while Redis is down commands fail at once (no offline
 * queue, no retries) and the client keeps reconnecting in the background.
 */
export async function connectRedis(url: string, { timeoutMs, logger, clock }: RedisConnectionOptions): Promise<RedisConnection> {
  const client = new Redis(url, {
    lazyConnect: true,
    // A command issued while disconnected fails at once rather than waiting for a reconnect: the
    // gateway would rather ask the Graph API than hold a request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1000, timeoutMs),
  });
  // Connection errors repeat on every reconnect attempt; the guard logs the outage once.
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
    guard: new RedisGuard({ timeoutMs, logger, clock }),
    ping: async () => (await client.ping().catch(() => undefined)) === 'PONG',
    close: async () => {
      client.disconnect();
    },
  };
}
