import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, type Running } from './processes.js';
import { DEMO_INSTAGRAM_ACCOUNT_ID, DEMO_PAGE_ID } from '../src/demo/emulator/data.js';
import type { ScenarioName } from './scenarios.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type TargetName = 'gateway' | 'mercurius-jit' | 'bare-proxy' | 'apollo-rest';

export interface Target {
  /** A TargetName, or `gateway:<label>` for a variant of the gateway. */
  readonly name: string;
  readonly description: string;
  /** Node script, relative to the repository root (built output). */
  readonly script: string;
  /** Environment on top of the common one (variants). */
  readonly env?: Readonly<Record<string, string>>;
  /** Request headers the load sends, e.g. a caller's key. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The scenarios it runs in; all when absent. */
  readonly scenarios?: readonly ScenarioName[];
  /** Exports its traces to the bench's OTLP sink (OTEL_EXPORTER_OTLP_ENDPOINT set to it). */
  readonly otlpSink?: boolean;
}

export const TARGETS: readonly Target[] = [
  { name: 'gateway', description: 'this gateway, built dist/, NODE_ENV=production', script: 'dist/main.js' },
  {
    name: 'mercurius-jit',
    description: 'Fastify + Mercurius, graphql-jit, a loader sending each request\'s users as Graph batch POSTs (bench/baselines/mercurius-jit.ts)',
    script: 'dist-bench/baselines/mercurius-jit.js',
  },
  {
    name: 'bare-proxy',
    description: 'node:http + undici, PSIDs by regex, one upstream GET per user (bench/baselines/bare-proxy.ts)',
    script: 'dist-bench/baselines/bare-proxy.js',
  },
  {
    name: 'apollo-rest',
    description: 'Apollo Server standalone + RESTDataSource, one GET per user (bench/baselines/apollo-rest.ts)',
    script: 'dist-bench/baselines/apollo-rest.js',
  },
];

const BENCH_CALLER_KEY = 'bench-caller-key-0123456789abcdef';

/**
 * The gateway with a caller configured (GATEWAY_CALLERS), the load authenticating as it: a bulk
 * caller with a budget it never reaches, so every lookup crosses the key check, the shedding check
 * and a budget count. Its one-user figure against the plain gateway's is the A/B the caller
 * feature must pass (at most 3 % lower). Part of full runs; `--variant caller` in any run.
 */
export const CALLER_VARIANT: Target = {
  name: 'gateway:caller',
  description: 'the gateway with GATEWAY_CALLERS set, loaded as a bulk caller with a budget it never reaches',
  script: 'dist/main.js',
  env: {
    GATEWAY_CALLERS: JSON.stringify({
      console: { key: 'bench-console-key-0123456789abcdef', priority: 'interactive' },
      bench: { key: BENCH_CALLER_KEY, priority: 'bulk', lookupsPerMinute: 10_000_000 },
    }),
  },
  headers: { authorization: `Bearer ${BENCH_CALLER_KEY}` },
  scenarios: ['one-user'],
};

const PRESET_VARIANTS: Readonly<Record<string, Target>> = { caller: CALLER_VARIANT };

/** Variants known by name: `--variant traced` (settings may follow, `traced:OTEL_TRACES_SAMPLER=…`). */
const PRESETS: Readonly<Record<string, { readonly env: Readonly<Record<string, string>>; readonly otlpSink?: boolean }>> = {
  // Every operation traced and exported (protobuf, the OTLP default) to a sink that drops the spans:
  // the cost of tracing on, beside the gateway without OTEL_* (tracing off, no SDK loaded).
  traced: { env: { OTEL_TRACES_SAMPLER: 'always_on' }, otlpSink: true },
};

/**
 * The gateway with extra environment, measured beside the others in the same A/B run: how a setting
 * (UPSTREAM_CONNECTIONS, LOG_LEVEL, …) changes the numbers. From `--variant label:KEY=VALUE,KEY=VALUE`;
 * `label@path/to/main.js:…` runs another build of the gateway (e.g. one of main, for before/after).
 * A bare label names a preset (`caller`: CALLER_VARIANT; `traced`, to which settings may be added).
 */
export function gatewayVariant(spec: string): Target {
  const known = PRESET_VARIANTS[spec];
  if (known) return known;
  const [name = '', assignments = ''] = spec.split(/:(.*)/s);
  const [label, script = TARGETS[0]!.script] = name.split('@');
  const env = Object.fromEntries(
    assignments
      .split(',')
      .filter(Boolean)
      .map((kv) => {
        const at = kv.indexOf('=');
        if (at <= 0) throw new TypeError(`--variant ${spec}: expected label:KEY=VALUE[,KEY=VALUE]`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
  );
  const preset = PRESETS[label ?? ''];
  if (preset) {
    const settings = [...Object.entries(preset.env).map(([k, v]) => `${k}=${v}`), ...(assignments ? [assignments] : [])].join(',');
    return {
      name: `gateway:${label}`,
      description: `the gateway (${script}) exporting its traces over OTLP/HTTP to a local sink, with ${settings}`,
      script,
      env: { ...preset.env, ...env },
      otlpSink: preset.otlpSink ?? false,
    };
  }
  if (!spec.includes(':')) {
    throw new TypeError(`--variant ${spec}: expected label:KEY=VALUE[,KEY=VALUE] or one of ${[...Object.keys(PRESET_VARIANTS), ...Object.keys(PRESETS)].join(', ')}`);
  }
  return { name: `gateway:${label}`, description: `the gateway (${script}) with ${assignments || 'no changes'}`, script, env };
}

export const isGateway = (target: Target) => target.name === 'gateway' || target.name.startsWith('gateway:');

export const EMULATOR_SCRIPT = 'dist/demo/emulator/main.js';

export interface Upstream {
  readonly url: string;
  readonly token: string;
}

export interface TargetOptions {
  readonly cache: boolean;
  /** UPSTREAM_CONNECTIONS for the gateway and the bare proxy. */
  readonly upstreamConnections: number;
  /** Extra `node` flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  /** Extra environment, e.g. LOG_LEVEL. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory: somewhere without a .env file, so nothing but env reaches the gateway. */
  readonly cwd: string;
  /** The OTLP sink's URL, for targets with `otlpSink`. */
  readonly otlpSink?: string | undefined;
}

/** Starts one target in its own process, pointed at the emulator, on a free loopback port. */
export async function startTarget(target: Target, upstream: Upstream, options: TargetOptions): Promise<Running> {
  // The port is chosen here, not with PORT=0: readiness must not depend on the target's logs
  // (LOG_LEVEL=silent is one of the variants worth measuring).
  const port = await freePort();
  if (target.otlpSink && !options.otlpSink) throw new TypeError(`${target.name} exports traces, but no OTLP sink was started`);
  return startProcess({
    name: target.name,
    url: `http://127.0.0.1:${port}/graphql`,
    args: [...(options.nodeFlags ?? []), resolve(ROOT, target.script)],
    cwd: options.cwd,
    env: {
      NODE_ENV: 'production',
      PAGE_ACCESS_TOKEN: upstream.token,
      // The emulator's demo Page and its Instagram account (the instagram-one-user scenario).
      PAGE_ID: DEMO_PAGE_ID,
      INSTAGRAM_ACCOUNT_ID: DEMO_INSTAGRAM_ACCOUNT_ID,
      GRAPH_API_URL: upstream.url,
      GRAPH_API_VERSION: 'v25.0',
      HOST: '127.0.0.1',
      PORT: String(port),
      UPSTREAM_CONNECTIONS: String(options.upstreamConnections),
      PROFILE_CACHE_TTL: options.cache ? '300' : '0',
      ...options.env,
      ...target.env,
      ...(target.otlpSink && options.otlpSink ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpSink } : {}),
    },
  });
}
