/** What both baselines read from the environment: the same variables the gateway reads. */
export interface BaselineEnv {
  /** Graph API origin plus optional path prefix, without version. */
  readonly graphApiUrl: string;
  readonly graphApiVersion: string;
  readonly accessToken: string;
  readonly port: number;
  readonly host: string;
  /** Upstream keep-alive connections (bare proxy only; Apollo + REST keeps Node's default agent). */
  readonly upstreamConnections: number;
}

export function readBaselineEnv(env: NodeJS.ProcessEnv = process.env): BaselineEnv {
  const accessToken = env.PAGE_ACCESS_TOKEN;
  const graphApiUrl = env.GRAPH_API_URL;
  if (!accessToken || !graphApiUrl) throw new TypeError('PAGE_ACCESS_TOKEN and GRAPH_API_URL are required');
  return {
    graphApiUrl: graphApiUrl.replace(/\/+$/, ''),
    graphApiVersion: env.GRAPH_API_VERSION ?? 'v25.0',
    accessToken,
    port: Number(env.PORT ?? 0),
    host: env.HOST ?? '127.0.0.1',
    upstreamConnections: Number(env.UPSTREAM_CONNECTIONS ?? 16),
  };
}

/** The one line the harness waits for on stdout before sending load. */
export function announce(url: string): void {
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}
