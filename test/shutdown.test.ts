import { describe, expect, it } from 'vitest';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PAGE_TOKEN, DEMO_PSIDS, gate, postGraphQL, startStack } from './helpers.js';
import { spawnGateway } from './process.js';

const QUERY = `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }`;

describe('graceful shutdown', () => {
  it('close() lets an in-flight operation finish, then refuses new connections', async () => {
    const stack = await startStack();
    const upstream = gate();
    try {
      stack.emulator.injectFault({ until: upstream.promise });
      const inFlight = stack.query(QUERY);
      await stack.emulator.received(1);

      const closed = stack.gateway.close();
      // The operation is still waiting for the Graph API while the gateway closes.
      upstream.release();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
      await closed;
      await expect(fetch(stack.gateway.url)).rejects.toThrow();
    } finally {
      upstream.release();
      await stack.close();
    }
  });

  it('SIGTERM on the process: the in-flight operation completes and the process exits 0', async () => {
    const emulator = await GraphEmulator.start();
    const upstream = gate();
    const gateway = spawnGateway({
      NODE_ENV: 'production',
      PAGE_ACCESS_TOKEN: DEMO_PAGE_TOKEN,
      GRAPH_API_URL: emulator.url,
      GATEWAY_API_KEYS: 'shutdown-test-key-0123',
      SHUTDOWN_GRACE_MS: '5000',
    });
    try {
      const url = await gateway.ready();

      emulator.injectFault({ until: upstream.promise });
      const inFlight = postGraphQL<any>(url, { query: QUERY }, { authorization: 'Bearer shutdown-test-key-0123' });
      await emulator.received(1);
      gateway.child.kill('SIGTERM');
      // Shutting down has begun with the operation in flight; only then does the Graph API answer.
      await gateway.waitForLine(/^Shutting down/);
      upstream.release();

      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ user: { profile: { firstName: 'Peter' } } });
      expect(await gateway.exit).toBe(0);
      expect(gateway.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['Shutting down', 'Shutdown complete']));
    } finally {
      upstream.release();
      gateway.child.kill('SIGKILL');
      await emulator.close();
    }
  });
});
