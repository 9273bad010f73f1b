import { fileURLToPath } from 'node:url';
import { startProcess, type Running } from './processes.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type TargetName = 'gateway' | 'bare-proxy' | 'apollo-rest';

export interface Target {
  readonly name: TargetName;
  readonly description: string;
  /** Node script, relative to the repository root (built output). */
  readonly script: string;
}

export const TARGETS: readonly Target[] = [
  { name: 'gateway', description: 'this gateway, built dist/, NODE_ENV=production', script: 'dist/main.js' },
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

export const EMULATOR_SCRIPT = 'dist/emulator/main.js';

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
}

/** Starts one target in its own process, pointed at the emulator, on a free loopback port. */
export function startTarget(target: Target, upstream: Upstream, options: TargetOptions): Promise<Running> {
  return startProcess({
    name: target.name,
    args: [...(options.nodeFlags ?? []), `${ROOT}${target.script}`],
    cwd: options.cwd,
    env: {
      NODE_ENV: 'production',
      PAGE_ACCESS_TOKEN: upstream.token,
      GRAPH_API_URL: upstream.url,
      GRAPH_API_VERSION: 'v25.0',
      HOST: '127.0.0.1',
      PORT: '0',
      UPSTREAM_CONNECTIONS: String(options.upstreamConnections),
      PROFILE_CACHE_TTL: options.cache ? '300' : '0',
      ...options.env,
    },
  });
}
