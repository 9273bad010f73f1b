import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postGraphQL } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gateway-demo-'));

interface Started {
  child: ChildProcess;
  lines: Record<string, any>[];
  exit: Promise<number | null>;
}

/** Runs src/main.ts as a user would (through tsx), with a clean environment plus `env`. */
function run(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ msg: line });
      }
    });
  }
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exit };
}

async function waitForLine(started: Started, pattern: RegExp): Promise<Record<string, any>> {
  for (let i = 0; i < 200; i++) {
    const line = started.lines.find((l) => pattern.test(String(l.msg)));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`No line matching ${pattern}; got ${JSON.stringify(started.lines)}`);
}

describe('npm start without a token (demo mode)', () => {
  let started: Started | undefined;
  afterEach(() => {
    started?.child.kill('SIGKILL');
  });

  it('starts the emulator, says so, answers the headline query and stops cleanly on SIGTERM', async () => {
    started = run({ NODE_ENV: 'development' });
    const demo = await waitForLine(started, /Demo mode/);
    expect(demo.msg).toMatch(/built-in Graph API emulator/);
    const ready = await waitForLine(started, /Gateway ready at http:\/\/localhost:\d+\/graphql \(open it in a browser for Apollo Sandbox\)/);

    const res = await postGraphQL<any>(ready.url, {
      query: '{ user(psid: "1254459154682919") { profile { firstName timezone lastAdReferral { source type adId } } } }',
    });
    // The demo delivers a signed referral webhook for this user at start-up.
    expect(res.body).toEqual({
      data: { user: { profile: { firstName: 'Peter', timezone: -7, lastAdReferral: { source: 'ADS', type: 'OPEN_THREAD', adId: '6045246247433' } } } },
    });

    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });

  it('refuses to start in production without a token', async () => {
    started = run({ NODE_ENV: 'production' });
    expect(await started.exit).toBe(1);
    expect(JSON.stringify(started.lines)).toMatch(/PAGE_ACCESS_TOKEN \(or PAGES\) is required/);
  });

  it('fails fast on a bad variable, naming it', async () => {
    started = run({ UPSTREAM_TIMEOUT_MS: 'soon' });
    expect(await started.exit).toBe(1);
    expect(JSON.stringify(started.lines)).toMatch(/UPSTREAM_TIMEOUT_MS must be a whole number/);
  });

  it('never prints the token, even with debug logs', async () => {
    started = run({ PAGE_ACCESS_TOKEN: 'EAAB-very-secret-token', APP_SECRET: 'shh-app-secret', LOG_LEVEL: 'trace', GRAPH_API_URL: 'http://127.0.0.1:9' });
    const ready = await waitForLine(started, /Gateway ready/);
    await postGraphQL(ready.url, { query: '{ user(psid: "1") { profile { firstName } } }' });
    started.child.kill('SIGTERM');
    await started.exit;
    const all = JSON.stringify(started.lines);
    expect(all).not.toContain('EAAB-very-secret-token');
    expect(all).not.toContain('shh-app-secret');
  });
});
