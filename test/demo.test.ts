import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postGraphQL } from './helpers.js';
import { spawnGateway, type GatewayProcess } from './process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gateway-demo-'));

/** src/main.ts as a user runs it, with demo data kept in a temporary folder. */
const run = (env: Record<string, string>) => spawnGateway({ DATA_DIR: dataDir, ...env });

describe('npm start without a token (demo mode)', () => {
  let started: GatewayProcess | undefined;
  afterEach(() => {
    started?.child.kill('SIGKILL');
  });

  it('starts the emulator, says so, answers the headline query and stops cleanly on SIGTERM', async () => {
    started = run({ NODE_ENV: 'development' });
    const demo = await started.waitForLine(/Demo mode/);
    expect(demo.msg).toMatch(/built-in Graph API emulator/);
    const ready = await started.waitForLine(/Gateway ready at http:\/\/localhost:\d+\/graphql \(open it in a browser for Apollo Sandbox\)/);

    const res = await postGraphQL<any>(ready.url, {
      query: '{ user(psid: "1254459154682919") { profile { firstName timezone lastAdReferral { source type adId } } } }',
    });
    // The demo delivers a signed referral webhook for this user at start-up.
    expect(res.body).toEqual({
      data: { user: { profile: { firstName: 'Peter', timezone: -7, lastAdReferral: { source: 'ADS', type: 'OPEN_THREAD', adId: '6045246247433' } } } },
    });
    // Instagram contacts of the demo Page's account, side by side.
    const instagram = await postGraphQL<any>(ready.url, {
      query: '{ a: instagramUser(igsid: "6620000000000001") { profile { username followerCount } } b: instagramUser(igsid: "6620000000000002") { profile { username } } }',
    });
    expect(instagram.body).toEqual({ data: { a: { profile: { username: 'marta.souza', followerCount: 1824 } }, b: { profile: null } } });

    // Avatars: the emulator draws them, so demo mode shows pictures without any network.
    const avatar = await postGraphQL<any>(ready.url, { query: '{ user(psid: "1254459154682919") { profile { avatarUrl } } }' });
    const picture = await fetch(avatar.body.data.user.profile.avatarUrl);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await picture.arrayBuffer()).subarray(1, 4).toString('latin1')).toBe('PNG');

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
    const ready = await started.waitForLine(/Gateway ready/);
    await postGraphQL(ready.url, { query: '{ user(psid: "1") { profile { firstName } } }' });
    started.child.kill('SIGTERM');
    await started.exit;
    const all = JSON.stringify(started.lines);
    expect(all).not.toContain('EAAB-very-secret-token');
    expect(all).not.toContain('shh-app-secret');
  });
});

describe('a start with a token', () => {
  it('loads no demo or emulator module; demo mode does (the trace sees them)', async () => {
    const traced = async (env: Record<string, string>) => {
      const file = join(dataDir, `modules-${env.NODE_ENV}.txt`);
      const gateway = spawnGateway({ DATA_DIR: dataDir, ...env }, { traceModulesTo: file });
      await gateway.ready();
      expect(await gateway.stop()).toBe(0);
      return readFileSync(file, 'utf8').split('\n').filter((url) => url.includes('/src/'));
    };
    const production = await traced({ NODE_ENV: 'production', PAGE_ACCESS_TOKEN: 'EAAB-production-token', GRAPH_API_URL: 'http://127.0.0.1:9' });
    expect(production).toEqual(expect.arrayContaining([expect.stringMatching(/\/src\/gateway\.ts$/), expect.stringMatching(/\/src\/chain\/index\.ts$/)]));
    expect(production.filter((url) => /\/src\/demo\//.test(url))).toEqual([]);

    const demo = await traced({ NODE_ENV: 'development' });
    expect(demo).toEqual(expect.arrayContaining([expect.stringMatching(/\/src\/demo\/emulator\/server\.ts$/)]));
  });
});
