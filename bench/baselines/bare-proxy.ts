import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { announce, readBaselineEnv } from './env.js';

/**
 * The floor for this job: node:http + undici, no GraphQL. The PSIDs are pulled out of the request
 * body with a regex, each becomes one upstream GET with a fixed field list, and the answer is
 * written in the shape the GraphQL operation would have had. Nothing is validated beyond that.
 */
const env = readBaselineEnv();
const base = new URL(env.graphApiUrl);
const pool = new Pool(base.origin, { connections: env.upstreamConnections, keepAliveTimeout: 30_000 });
const prefix = `${base.pathname.replace(/\/+$/, '')}/${env.graphApiVersion}/`;
const query = `?fields=first_name,timezone&access_token=${encodeURIComponent(env.accessToken)}`;

const PSID = /"(\d{1,32})"/g;
const MANY = /\busers\s*\(/;

interface Profile {
  readonly firstName: string | null;
  readonly timezone: number | null;
}

async function lookup(psid: string): Promise<{ psid: string; profile: Profile | null }> {
  const { statusCode, body } = await pool.request({ method: 'GET', path: `${prefix}${psid}${query}` });
  const data = (await body.json()) as { first_name?: string; timezone?: number };
  if (statusCode !== 200) return { psid, profile: null };
  return { psid, profile: { firstName: data.first_name ?? null, timezone: data.timezone ?? null } };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = '';
  for await (const chunk of req as AsyncIterable<Buffer>) raw += chunk.toString('utf8');
  const psids = Array.from(raw.matchAll(PSID), (m) => m[1]!);
  const users = await Promise.all(psids.map(lookup));
  const data = MANY.test(raw) ? { users } : { user: users[0] ?? null };
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ data }));
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => {
    res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"errors":[{"message":"upstream failed"}]}');
  });
});
server.listen(env.port, env.host, () => {
  const { port } = server.address() as AddressInfo;
  announce(`http://${env.host}:${port}/graphql`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
