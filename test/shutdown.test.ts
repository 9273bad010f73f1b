import { describe, expect, it } from 'vitest';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS, postGraphQL, startStack } from './helpers.js';
import { spawnGateway } from './process.js';

const QUERY = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error('condition not met in 5 s');
}

describe('graceful shutdown', () => {
  it('close() lets an in-flight operation finish, then refuses new connections', async () => {
    const stack = await startStack();
    stack.emulator.injectFault({ delayMs: 400 });
    const inFlight = stack.query(QUERY);
    await until(() => stack.emulator.requests.length === 1);

    const closed = stack.gateway.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
    await closed;
    await expect(fetch(stack.gateway.url)).rejects.toThrow();
    await stack.emulator.close();
  });

  it('SIGTERM on the process: the in-flight operation completes and the process exits 0', async () => {
    const emulator = await GraphEmulator.start();
    const gateway = spawnGateway({
      NODE_ENV: 'production',
      PAGE_ACCESS_TOKEN: DEMO_PAGE_TOKEN,
      GRAPH_API_URL: emulator.url,
      GATEWAY_API_KEYS: 'shutdown-test-key-0123',
      SHUTDOWN_GRACE_MS: '5000',
    });
    try {
      const url = await gateway.ready();

      emulator.injectFault({ delayMs: 500 });
      const inFlight = postGraphQL<any>(url, { query: QUERY }, { authorization: 'Bearer shutdown-test-key-0123' });
      await until(() => emulator.requests.length === 1);
      gateway.child.kill('SIGTERM');

      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
      expect(await gateway.exit).toBe(0);
      expect(gateway.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['Shutting down', 'Shutdown complete']));
    } finally {
      gateway.child.kill('SIGKILL');
      await emulator.close();
    }
  });
});
