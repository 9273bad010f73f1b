/**
 * `npm run soak`: the built gateway (dist/, NODE_ENV=production, profile cache on a real
 * redis-server) under mixed one-user and twenty-user load for a while, on loopback only, with
 * about 1 % of upstream requests failing on purpose and its Redis frozen (SIGSTOP), then killed
 * and restarted, in the middle. It prints errors, latency percentiles, upstream calls and the
 * gateway's RSS over time, and fails on an error no injected fault explains or on RSS growth
 * after warm-up beyond 20 %. Then the attack phases (bench/attacks.ts), each a tenth of the run
 * (at least 10 s), with their own bounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startRedis, type RedisServer } from '../test/redis.js';
import { build } from './build.js';
import { runAttacks } from './attacks.js';
import { runLoad } from './load.js';
import { rssOf, startEmulator, type Emulator, type Running } from './processes.js';
import { SCENARIOS } from './scenarios.js';
import { EMULATOR_SCRIPT, ROOT, startTarget, TARGETS } from './targets.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    connections: { type: 'string', default: '16' },
    'fault-rate': { type: 'string', default: '0.01' },
    latency: { type: 'string', default: '5' },
    'no-build': { type: 'boolean', default: false },
  },
});

const seconds = positive('seconds');
const connections = positive('connections');
const faultRate = Number(args['fault-rate']);
const latencyMs = Number(args.latency);
if (!(faultRate >= 0 && faultRate < 0.5) || !(latencyMs >= 0)) throw new TypeError('--fault-rate takes 0 to 0.5, --latency a number of ms');

/** RSS may grow this much from the end of warm-up to the end of the run. */
const MAX_RSS_GROWTH = 0.2;
const warmupSeconds = Math.max(10, seconds * 0.2);
const freezeAt = seconds * 0.4;
const restartAt = seconds * 0.55;
const sampleEverySeconds = Math.max(2, seconds / 30);

/**
 * Faults the retries absorb: each fails one upstream exchange (or delays it). One at a time, spaced
 * by 1 / fault rate upstream requests, so no operation meets two in a row and the breaker (five
 * consecutive failed exchanges) never opens because of them.
 */
const FAULTS: readonly Readonly<Record<string, unknown>>[] = [
  { status: 500, rawBody: '' },
  {
    error: {
      status: 500,
      error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true },
    },
  },
  { nullEntries: true },
  { reset: true },
  { delayMs: 300 },
];

function positive(name: 'seconds' | 'connections'): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} takes a positive number, got ${args[name]}`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One line of the gateway's /metrics, e.g. gateway_cache_store_state{store="redis"}. */
async function metric(gateway: Running, series: string): Promise<number | undefined> {
  const text = await fetch(gateway.url.replace(/\/graphql$/, '/metrics')).then((r) => r.text(), () => '');
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Whether a bad answer is what an injected fault can cause: a lookup the Graph API failed. */
function explainedByFault(status: number, body: string): boolean {
  if (status !== 200) return false;
  try {
    const errors = (JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] }).errors ?? [];
    return errors.length > 0 && errors.every((e) => e.extensions?.code === 'UPSTREAM_UNAVAILABLE');
  } catch {
    return false;
  }
}

/** Injects faults into about `faultRate` of the emulator's requests until stopped; answers how many. */
function injectFaults(emulator: Emulator): { stop(): Promise<number> } {
  let injected = 0;
  let running = true;
  const loop = (async () => {
    if (faultRate === 0) return;
    const spacing = Math.round(1 / faultRate);
    let next = (await emulator.stats()).requests + spacing;
    while (running) {
      await sleep(50);
      const { requests } = await emulator.stats();
      if (requests < next) continue;
      await emulator.fault({ ...FAULTS[injected % FAULTS.length], times: 1 });
      injected += 1;
      // At most one fault per tick, and on average one per `spacing` requests.
      next += spacing;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return injected;
    },
  };
}

interface Sample {
  readonly atSeconds: number;
  readonly rssBytes: number;
  readonly storeState: number | undefined;
}

async function soak(workdir: string, redis: RedisServer): Promise<boolean> {
  const emulator = await startEmulator(join(ROOT, EMULATOR_SCRIPT), latencyMs, workdir);
  let gateway: Running | undefined;
  try {
    gateway = await startTarget(TARGETS[0]!, emulator, {
      cache: true,
      upstreamConnections: 64,
      cwd: workdir,
      // A short TTL keeps lookups (and so faults) coming after warm-up.
      env: { REDIS_URL: redis.url, PROFILE_CACHE_TTL: '5', LOG_LEVEL: 'warn' },
    });
    const target = gateway;
    // One operation in four looks up twenty users.
    const [one, twenty] = [SCENARIOS.find((s) => s.name === 'one-user')!, SCENARIOS.find((s) => s.name === 'twenty-users')!];
    const bodies = one.bodies.flatMap((body, i) => (i % 3 === 2 ? [body, twenty.bodies[i % twenty.bodies.length]!] : [body]));

    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1000;
    const samples: Sample[] = [];
    const events: string[] = [];
    const sampler = setInterval(() => {
      void metric(target, 'gateway_cache_store_state{store="redis"}').then((storeState) =>
        samples.push({ atSeconds: elapsed(), rssBytes: rssOf(target.pid), storeState }),
      );
    }, sampleEverySeconds * 1000);
    const timers = [
      setTimeout(() => {
        redis.freeze();
        events.push(`${elapsed().toFixed(0)} s: Redis frozen (SIGSTOP)`);
      }, freezeAt * 1000),
      setTimeout(() => {
        void redis.restart().then(() => events.push(`${elapsed().toFixed(0)} s: Redis killed and restarted, empty`));
      }, restartAt * 1000),
    ];
    const faults = injectFaults(emulator);
    let explained = 0;
    const unexplained: string[] = [];
    const load = await runLoad({
      url: target.url,
      bodies,
      seconds,
      connections,
      onBadAnswer: (status, body) => {
        if (explainedByFault(status, body)) explained += 1;
        else unexplained.push(`HTTP ${status} ${body.slice(0, 300)}`);
      },
    });
    clearInterval(sampler);
    timers.forEach(clearTimeout);
    const injected = await faults.stop();
    samples.push({ atSeconds: elapsed(), rssBytes: rssOf(target.pid), storeState: await metric(target, 'gateway_cache_store_state{store="redis"}') });
    const stats = await emulator.stats();

    const others = unexplained.length + load.unanswered;
    const baseline = samples.find((s) => s.atSeconds >= warmupSeconds) ?? samples[0]!;
    const final = samples.at(-1)!;
    const growth = final.rssBytes / baseline.rssBytes - 1;
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    const failures = [
      ...(others > 0 ? [`${others} error(s) no injected fault explains`] : []),
      ...(explained > injected * connections ? [`${explained} failed lookups, more than ${injected} injected faults can cause`] : []),
      ...(growth > MAX_RSS_GROWTH ? [`RSS grew ${(growth * 100).toFixed(0)} % after warm-up (at most ${MAX_RSS_GROWTH * 100} %)`] : []),
      ...(load.completed === 0 ? ['no operation completed'] : []),
    ];
    const lines = [
      `soak: ${seconds} s, ${connections} connections, upstream latency ${latencyMs} ms, one-user and twenty-user operations (3:1), cache on Redis (PROFILE_CACHE_TTL=5)`,
      `operations: ${load.completed} (${load.rps.toFixed(0)}/s)`,
      `errors: ${load.errors} (${explained} after injected faults, ${others} other)`,
      `latency: p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, p99.9 ${load.p999Ms} ms`,
      `upstream: ${stats.requests} requests, ${stats.subRequests} sub-requests (${(stats.subRequests / Math.max(1, load.completed)).toFixed(2)} per operation); ${injected} faults injected (${((injected / Math.max(1, stats.requests)) * 100).toFixed(1)} % of requests)`,
      `events: ${events.join('; ') || 'none'}`,
      `cache store state (0 answering, 1 paused, 2 probing): ${samples.map((s) => s.storeState ?? '?').join(' ')}`,
      `RSS (MB) every ${sampleEverySeconds.toFixed(0)} s: ${samples.map((s) => mb(s.rssBytes)).join(' ')}`,
      `RSS after warm-up (${warmupSeconds.toFixed(0)} s): ${mb(baseline.rssBytes)} MB, at the end: ${mb(final.rssBytes)} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %)`,
      ...unexplained.slice(0, 3).map((e) => `  error: ${e}`),
      failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);

    await gateway.stop();
    gateway = undefined;
    await emulator.reset();
    const phaseSeconds = Math.max(10, Math.round(seconds / 10));
    const attacks = await runAttacks(emulator, redis, workdir, phaseSeconds);
    const attackFailures = attacks.flatMap((a) => a.failures);
    process.stdout.write(
      `attack phases, ${phaseSeconds} s each, a support console (4 connections) answered meanwhile:\n${attacks.map((a) => a.line).join('\n')}\n${attackFailures.length === 0 ? 'PASS' : `FAIL: ${attackFailures.length} bound(s) missed`}\n`,
    );
    return failures.length === 0 && attackFailures.length === 0;
  } catch (error) {
    if (gateway) log(gateway.describe());
    throw error;
  } finally {
    await gateway?.stop();
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  if (!args['no-build']) {
    log('building dist/ …');
    await build(['tsconfig.build.json']);
  }
  log(`soaking for ${seconds} s: warm-up ${warmupSeconds.toFixed(0)} s, Redis frozen at ${freezeAt.toFixed(0)} s and restarted at ${restartAt.toFixed(0)} s`);
  const workdir = mkdtempSync(join(tmpdir(), 'gateway-soak-'));
  const redis = await startRedis();
  const passed = await soak(workdir, redis).finally(async () => {
    await redis.stop();
    rmSync(workdir, { recursive: true, force: true });
  });
  process.exit(passed ? 0 : 1);
}

// Ctrl-C, a kill, or a reader that went away: exit, which stops every child (processes.ts).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => process.exit(1));

main().catch((error: unknown) => {
  log(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
