/**
 * The soak's attack phases (docs/bounds.md): a gateway with callers, Redis, webhook capture and
 * prefetch, serving a support console (interactive, 4 connections) while one hostile or bulk load
 * runs at a time. Each phase passes when the console's answers stay within their bounds: success
 * ≥ 99 % (not in the slow-upstream phase, where the Graph API itself is too slow to answer), p99
 * within the deadline plus a margin, and the gateway's peak RSS under MAX_PEAK_RSS_MB, with its
 * heap capped at MAX_HEAP_MB (and alive at the end). Each phase has a fresh gateway.
 */
import { createHmac } from 'node:crypto';
import { generatedPsid } from '../src/demo/emulator/data.js';
import type { RedisServer } from '../test/redis.js';
import { runLoad } from './load.js';
import { sampleRss, type Emulator } from './processes.js';
import { SCENARIOS } from './scenarios.js';
import { startTarget, TARGETS } from './targets.js';

const DEADLINE_MS = 5000;
/** What a response may take beyond the deadline: the event loop's own delay, the HTTP exchange. */
const MARGIN_MS = 1000;
const MAX_PEAK_RSS_MB = 400;
/** The gateway's V8 heap cap in these phases (--max-old-space-size). */
const MAX_HEAP_MB = 256;
const MIN_SUCCESS = 0.99;
const PAGE_ID = '100200300400500';
const APP_SECRET = 'soak-attacks-app-secret';
const KEYS = { console: 'soak-console-key-0123456789abcdef', sync: 'soak-sync-key-0123456789abcdef', hostile: 'soak-hostile-key-0123456789abcdef' };

interface Phase {
  readonly name: string;
  /** Whether the console must still be answered (not when the Graph API itself is slow). */
  readonly consoleAnswered: boolean;
  /** Runs the attack until `until` (ms since the epoch). */
  run(context: { url: string; webhookUrl: string; emulator: Emulator; until: number }): Promise<void>;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const post = (url: string, body: unknown, key: string) =>
  fetch(url, { method: 'POST', headers: bearer(key), body: JSON.stringify(body) }).then(
    (r) => r.arrayBuffer(),
    () => undefined,
  );

/** Runs `workers` loops of `step` until `until`. */
async function loop(workers: number, until: number, step: (i: number) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) await step(i++);
    }),
  );
}

const PHASES: readonly Phase[] = [
  {
    name: 'document padding (distinct documents with 15 kB and 1 MB comments)',
    consoleAnswered: true,
    run: ({ url, until }) =>
      loop(8, until, (i) =>
        post(url, { query: `# ${'x'.repeat(i % 2 ? 15_000 : 1_000_000)}\nquery Q${i} { __typename }` }, KEYS.hostile),
      ),
  },
  {
    name: 'probe loop (aliased pageStatus probes by a non-operator)',
    consoleAnswered: true,
    run: ({ url, until }) =>
      loop(8, until, (i) => {
        const aliases = Array.from({ length: 10 }, (_, k) => `p${k}: pageStatus(probePsid: "${generatedPsid((i * 10 + k) % 500)}") { breaker }`);
        return post(url, { query: `{ ${aliases.join(' ')} }` }, KEYS.hostile);
      }),
  },
  {
    name: 'refresh flood (refreshUser of random PSIDs past the budget)',
    consoleAnswered: true,
    run: ({ url, until }) =>
      loop(8, until, (i) => post(url, { query: `mutation { refreshUser(psid: "${8_000_000_000_000_000 + i}") { psid } }` }, KEYS.hostile)),
  },
  {
    name: 'prefetch flood (signed deliveries of 2,000 senders, some replayed)',
    consoleAnswered: true,
    run: ({ webhookUrl, until }) =>
      loop(2, until, async (i) => {
        // Every other delivery is a replay of the one before: it must cost nothing.
        const round = i - (i % 2);
        const messaging = Array.from({ length: 2000 }, (_, k) => ({
          sender: { id: String(9_000_000_000_000_000 + round * 2000 + k) },
          recipient: { id: PAGE_ID },
          timestamp: Date.now(),
          message: { mid: `m_${round}_${k}`, text: 'hi' },
        }));
        const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging }] });
        const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
        await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body }).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
      }),
  },
  {
    name: 'slow upstream (6 s per call) with 64 bulk clients of 50 cold users',
    consoleAnswered: false,
    run: async ({ url, emulator, until }) => {
      await emulator.fault({ delayMs: 6000, times: 1_000_000 });
      await loop(64, until, (i) => {
        const psids = Array.from({ length: 50 }, (_, k) => String(9_500_000_000_000_000 + i * 50 + k));
        return post(url, { query: 'query($p: [ID!]!) { users(psids: $p) { profile { firstName } } }', variables: { p: psids } }, KEYS.sync);
      });
    },
  },
];

export interface PhaseResult {
  readonly line: string;
  readonly failures: readonly string[];
}

/** Runs every attack phase for `phaseSeconds` against one gateway; answers one line per phase. */
export async function runAttacks(emulator: Emulator, redis: RedisServer, workdir: string, phaseSeconds: number): Promise<PhaseResult[]> {
  const results: PhaseResult[] = [];
  for (const phase of PHASES) results.push(await runPhase(phase, emulator, redis, workdir, phaseSeconds));
  return results;
}

/** One phase against a gateway of its own, so that each peak RSS is that phase's alone. */
async function runPhase(phase: Phase, emulator: Emulator, redis: RedisServer, workdir: string, phaseSeconds: number): Promise<PhaseResult> {
  const gateway = await startTarget(TARGETS[0]!, emulator, {
    cache: true,
    // A heap capped as a production container would cap it: a bound that only holds with
    // unlimited memory is none.
    nodeFlags: [`--max-old-space-size=${MAX_HEAP_MB}`],
    upstreamConnections: 64,
    cwd: workdir,
    env: {
      REDIS_URL: redis.url,
      LOG_LEVEL: 'warn',
      UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS),
      PAGE_ID,
      APP_SECRET,
      WEBHOOK_VERIFY_TOKEN: 'soak-verify-token',
      PREFETCH_ON_MESSAGE: 'true',
      DATA_DIR: workdir,
      GATEWAY_CALLERS: JSON.stringify({
        console: { key: KEYS.console, priority: 'interactive' },
        sync: { key: KEYS.sync, priority: 'bulk', lookupsPerMinute: 100_000 },
        hostile: { key: KEYS.hostile, priority: 'bulk', lookupsPerMinute: 20 },
      }),
    },
  });
  const url = gateway.url;
  const webhookUrl = url.replace(/\/graphql$/, '/webhook');
  const one = SCENARIOS.find((s) => s.name === 'one-user')!;
  try {
    const rss = sampleRss(gateway.pid);
    const until = Date.now() + phaseSeconds * 1000;
    const [load] = await Promise.all([
      runLoad({ url, bodies: one.bodies, seconds: phaseSeconds, connections: 4, headers: { authorization: `Bearer ${KEYS.console}` } }),
      phase.run({ url, webhookUrl, emulator, until }),
    ]);
    const peakMb = rss.stop() / 2 ** 20;
    const success = load.completed === 0 ? 0 : 1 - load.errors / load.completed;
    const failures = [
      ...(phase.consoleAnswered && success < MIN_SUCCESS ? [`console success ${(success * 100).toFixed(1)} % (at least ${MIN_SUCCESS * 100} %)`] : []),
      ...(load.p99Ms > DEADLINE_MS + MARGIN_MS ? [`console p99 ${load.p99Ms} ms (at most ${DEADLINE_MS + MARGIN_MS} ms)`] : []),
      ...(peakMb > MAX_PEAK_RSS_MB ? [`peak RSS ${peakMb.toFixed(0)} MB (at most ${MAX_PEAK_RSS_MB} MB)`] : []),
      ...(/\) exited \(/.test(gateway.describe().split('\n')[0]!) ? ['the gateway exited (out of memory?)'] : []),
    ];
    return {
      line: `  ${phase.name}: console ${load.completed} ops, ${(success * 100).toFixed(1)} % answered, p99 ${load.p99Ms} ms; peak RSS ${peakMb.toFixed(0)} MB${failures.length ? ` FAIL: ${failures.join('; ')}` : ''}`,
      failures,
    };
  } finally {
    await gateway.stop();
    await emulator.reset();
  }
}
