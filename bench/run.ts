/**
 * `npm run bench`: the gateway against a bare proxy and Apollo + RESTDataSource, each in its own
 * process, under the same closed-loop load from autocannon, with the Graph API emulator in a
 * process of its own. See BENCHMARKS.md for what it measures and the latest full run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from './build.js';
import { measureOnce, probe } from './measure.js';
import { startOtlpSink } from './otlp-sink.js';
import { startEmulator, type Running } from './processes.js';
import { aggregate, cacheNote, errorNotes, ratiosTable, resultsTable, verdicts, verdictsTable, worstOtherLoad, type Measurement } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { machine, writeBenchmarksMd } from './summary.js';
import { CALLER_VARIANT, EMULATOR_SCRIPT, gatewayVariant, isGateway, ROOT, startTarget, TARGETS, type Target } from './targets.js';

const USAGE = `Usage: npm run bench -- [options]

Load test: the gateway against mercurius-jit, a bare proxy and Apollo + RESTDataSource, each in its
own process, with the Graph API emulator in another. See BENCHMARKS.md.

  --quick                   a smoke run: 0 ms latency only, 1 s runs after 0.3 s warm-up, 1 round,
                            no re-runs, no caller A/B, BENCHMARKS.md left alone; about a minute on
                            2 cores with the build (each scenario × target runs ~1.3 s, plus starts)
  --seconds N               seconds measured per run (default 10; --quick: 1)
  --warmup N                seconds of warm-up per run (default 2; --quick: 0.3)
  --rounds N                rounds of every scenario × target (default 2; --quick: 1)
  --latencies 0,50          emulated Graph API latencies in ms (default 0,50; --quick: 0)
  --connections N           client connections (default 32, 256 at ≥ 20 ms latency)
  --upstream-connections N  UPSTREAM_CONNECTIONS of every target (default 256)
  --scenarios a,b           ${SCENARIOS.map((s) => s.name).join(', ')}
  --targets a,b             ${TARGETS.map((t) => t.name).join(', ')}
  --variant label[@path/to/main.js][:NAME=value,...]
                            another gateway build or settings in the same rounds (traced, caller
                            are known by name); may repeat
  --env NAME=value          a setting for every gateway target; may repeat
  --retries N               re-runs of a run disturbed by other processes (default 2; --quick: 0)
  --cpu-prof DIR            write the gateway's CPU profiles to DIR
  --json FILE               write the results as JSON
  --write / --no-write      rewrite BENCHMARKS.md's results or not (default: only a full run does)
  --no-build                use the dist/ already built
  -h, --help                this text
`;

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        quick: { type: 'boolean', default: false },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        latencies: { type: 'string' },
        connections: { type: 'string' },
        'upstream-connections': { type: 'string' },
        scenarios: { type: 'string' },
        targets: { type: 'string' },
        env: { type: 'string', multiple: true, default: [] },
        variant: { type: 'string', multiple: true, default: [] },
        'cpu-prof': { type: 'string' },
        json: { type: 'string' },
        write: { type: 'boolean' },
        'no-write': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        retries: { type: 'string' },
      },
    }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
}

/** A mistyped option is the user's mistake, not the program's: say which, without a stack trace. */
function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

const args = parseCommandLine();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const list = (raw: string | undefined) => raw?.split(',').map((s) => s.trim()).filter(Boolean);
const quick = args.quick;
const settings = {
  seconds: Number(args.seconds ?? (quick ? 1 : 10)),
  warmupSeconds: Number(args.warmup ?? (quick ? 0.3 : 2)),
  rounds: Number(args.rounds ?? (quick ? 1 : 2)),
  latencies: (list(args.latencies) ?? (quick ? ['0'] : ['0', '50'])).map(Number),
  /** Concurrent client connections; at 50 ms enough to keep the processes, not the clock, the limit. */
  connections: (latencyMs: number) => Number(args.connections ?? (latencyMs >= 20 ? 256 : 32)),
  upstreamConnections: Number(args['upstream-connections'] ?? 256),
  /** A run during which other processes used more than this many cores is run again, up to `retries` times. */
  noiseCores: 0.15,
  retries: Number(args.retries ?? (quick ? 0 : 2)),
  scenarios: pick(SCENARIOS, list(args.scenarios), 'scenario'),
  targets: [
    ...pick(TARGETS, list(args.targets), 'target'),
    ...args.variant.map(gatewayVariant),
    // A full run measures the cost of a configured caller too (see CALLER_VARIANT).
    ...(!quick && !args.targets && !args.variant.length ? [CALLER_VARIANT] : []),
  ],
  gatewayEnv: Object.fromEntries(args.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  /** Only a full run of everything updates BENCHMARKS.md unless asked otherwise. */
  write:
    !args['no-write'] &&
    (args.write ?? (!quick && !args.scenarios && !args.targets && !args.latencies && !args['cpu-prof'] && !args.variant.length)),
};
const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');

function pick<T extends { name: string }>(all: readonly T[], names: string[] | undefined, what: string): T[] {
  if (!names) return [...all];
  return names.map((name) => {
    const found = all.find((item) => item.name === name);
    if (!found) usageError(`Unknown ${what} "${name}": expected one of ${all.map((i) => i.name).join(', ')}`);
    return found;
  });
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The targets that run in a scenario (a variant may run in some only). */
function targetsOf(scenario: Scenario): Target[] {
  return settings.targets.filter(
    (target) => (!target.scenarios || target.scenarios.includes(scenario.name)) && (!scenario.gatewayOnly || isGateway(target)),
  );
}

async function measureAt(latencyMs: number, workdir: string, measurements: Measurement[]): Promise<void> {
  const emulator = await startEmulator(join(ROOT, EMULATOR_SCRIPT), latencyMs, workdir);
  // Where a `traced` variant sends its spans.
  const sink = settings.targets.some((target) => target.otlpSink) ? await startOtlpSink() : undefined;
  const running = new Map<string, Running>();
  try {
    // Baselines have no cache: one process serves every scenario. The gateway gets one per cache setting.
    const keyOf = (target: Target, cache: boolean) => (isGateway(target) ? `${target.name}|${cache}` : target.name);
    const wanted = new Map<string, { target: Target; cache: boolean }>();
    for (const scenario of settings.scenarios) {
      for (const target of targetsOf(scenario)) wanted.set(keyOf(target, scenario.cache), { target, cache: scenario.cache });
    }
    await Promise.all(
      [...wanted].map(async ([key, { target, cache }]) => {
        const gateway = isGateway(target);
        const proc = await startTarget(target, emulator, {
          cache,
          upstreamConnections: settings.upstreamConnections,
          cwd: workdir,
          otlpSink: sink?.url,
          ...(gateway ? { env: settings.gatewayEnv, nodeFlags: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [] } : {}),
        });
        running.set(key, proc);
      }),
    );

    // Rounds outermost: scenarios compared with each other in one run (Instagram's one user against
    // Messenger's) are measured in turns, so a machine getting busier does not favour the first.
    for (let round = 0; round < settings.rounds; round++) {
      for (const scenario of settings.scenarios) {
        // A/B alternation: every other round runs the targets in reverse order.
        const order = round % 2 === 0 ? targetsOf(scenario) : [...targetsOf(scenario)].reverse();
        for (const target of order) {
          const proc = running.get(keyOf(target, scenario.cache))!;
          await probe(proc.url, scenario, target.name, target.headers).catch((error: unknown) => {
            throw new Error(`${error instanceof Error ? error.message : String(error)}\n${proc.describe()}`);
          });
          const spec = {
            latencyMs,
            scenario,
            targetName: target.name,
            round,
            target: proc,
            emulator,
            connections: settings.connections(latencyMs),
            seconds: settings.seconds,
            warmupSeconds: settings.warmupSeconds,
            ...(target.headers ? { headers: target.headers } : {}),
          };
          // Other processes of the machine competing for the cores spoil a run: run it again, keep the quietest.
          let best = await measureOnce(spec);
          for (let retry = 0; retry < settings.retries && best.otherCores > settings.noiseCores; retry++) {
            log(`  (other processes used ${best.otherCores.toFixed(2)} cores: running ${target.name} again)`);
            const again = await measureOnce(spec);
            if (again.otherCores < best.otherCores) best = again;
          }
          measurements.push(best);
          log(
            `  ${latencyMs} ms  ${scenario.name.padEnd(12)}  ${target.name.padEnd(14)}  round ${round + 1}: ` +
              `${best.load.rps.toFixed(0)} req/s, p99 ${best.load.p99Ms} ms, ` +
              `${(best.upstreamRequests / Math.max(1, best.load.sent)).toFixed(2)} upstream/op, ` +
              `${best.load.errors} errors, other load ${best.otherCores.toFixed(2)} cores`,
          );
          if (best.load.firstError) log(`    first error: ${best.load.firstError}`);
        }
      }
    }
  } finally {
    await Promise.all([...running.values()].map((p) => p.stop()));
    await emulator.stop();
    if (sink) {
      const { requests, bytes } = sink.stats();
      log(`  OTLP sink: ${requests} export requests, ${(bytes / 1e6).toFixed(1)} MB of spans received`);
      await sink.close();
    }
  }
}

async function main(): Promise<void> {
  if (!args['no-build']) {
    log('building dist/ and dist-bench/ …');
    await build(['tsconfig.build.json', 'tsconfig.bench.json']);
  }
  const workdir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  const measurements: Measurement[] = [];
  const started = new Date();
  try {
    for (const latencyMs of settings.latencies) {
      log(`upstream latency ${latencyMs} ms, ${settings.connections(latencyMs)} connections, ${settings.seconds} s per run (+${settings.warmupSeconds} s warm-up), ${settings.rounds} round(s)`);
      await measureAt(latencyMs, workdir, measurements);
    }
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }

  const rows = aggregate(measurements);
  const checks = verdicts(rows);
  const note = cacheNote(rows);
  const errors = errorNotes(rows);
  const otherLoadCores = worstOtherLoad(measurements);
  const noise =
    `other processes on the machine used up to ${otherLoadCores.toFixed(2)} cores during a run` +
    (otherLoadCores > 0.1 ? ' (a busy machine: treat the numbers with care, or run again when it is quiet)' : '');
  const text = [
    resultsTable(rows, false),
    '',
    'gateway / baseline:',
    ratiosTable(rows, false),
    '',
    'targets:',
    verdictsTable(checks, false),
    ...(note ? ['', note] : []),
    ...errors,
    noise,
  ].join('\n');
  process.stdout.write(`\n${text}\n`);

  const run = {
    command,
    machine: machine(),
    date: started.toISOString(),
    settings: { ...settings, connections: Object.fromEntries(settings.latencies.map((l) => [l, settings.connections(l)])), scenarios: settings.scenarios.map((s) => s.name), targets: settings.targets.map((t) => t.name) },
    rows,
    verdicts: checks,
    cacheNote: note,
    errorNotes: errors,
    otherLoadCores,
    measurements,
  };
  if (args.json) writeFileSync(args.json, `${JSON.stringify(run, null, 2)}\n`);
  if (settings.write) {
    writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), run);
    log('wrote BENCHMARKS.md');
  }
}

// Ctrl-C, a kill, or a reader that went away (`| head`): exit, which stops every child (processes.ts).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(130));
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => process.exit(1));

main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
