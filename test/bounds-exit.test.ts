import { describe, expect, it } from 'vitest';
import { GraphEmulator } from '../src/demo/emulator/server.js';
import { DEMO_PAGE_TOKEN } from './helpers.js';
import { spawnGateway } from './process.js';

describe('exits always, whatever became of stdout', () => {
  it('SIGTERM exits 0 after stdout\'s reader has gone (as `node dist/main.js | head -1` leaves it)', async () => {
    const emulator = await GraphEmulator.start();
    const gateway = spawnGateway({ NODE_ENV: 'production', PAGE_ACCESS_TOKEN: DEMO_PAGE_TOKEN, GRAPH_API_URL: emulator.url, GATEWAY_API_KEYS: 'exit-test-key-0123456789' });
    try {
      await gateway.ready();
      // The reader of the pipe is gone: every later write to stdout fails with EPIPE.
      gateway.child.stdout?.destroy();
      // stop() SIGKILLs after 5 s, which would leave no exit code: a hang shows as null.
      expect(await gateway.stop('SIGTERM')).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});
