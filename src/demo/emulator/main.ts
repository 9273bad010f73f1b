import { parseArgs } from 'node:util';
import { DEMO_PAGE_TOKEN } from './data.js';
import { GraphEmulator } from './server.js';

// The emulator as its own process: `npm run emulator -- --port 8080 --latency 50`.
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    latency: { type: 'string', default: '0' },
    'app-secret': { type: 'string' },
    // Calls that exhaust the app's and each Page's quota (usage headers at 100%).
    'call-budget': { type: 'string' },
  },
});
const emulator = await GraphEmulator.start({
  host: values.host,
  port: Number(values.port),
  latencyMs: Number(values.latency),
  ...(values['app-secret'] ? { appSecret: values['app-secret'] } : {}),
  ...(values['call-budget'] ? { appCallBudget: Number(values['call-budget']), pageCallBudget: Number(values['call-budget']) } : {}),
});
process.stdout.write(`${JSON.stringify({ url: emulator.url, token: DEMO_PAGE_TOKEN })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}
