import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { onePerOperation, type Row } from '../bench/report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));

describe('npm run bench -- --quick', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds, loads every target in every scenario, and reports without errors', { timeout: 90_000 }, async () => {
    const json = join(dir, 'run.json');
    // The harness builds dist/ and dist-bench/ itself, so a fresh clone needs nothing else.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--seconds', '0.5', '--warmup', '0.2', '--json', json],
      { cwd: ROOT, timeout: 85_000, maxBuffer: 1 << 20 },
    );
    const run = JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] };

    const targets = ['gateway', 'mercurius-jit', 'bare-proxy', 'apollo-rest'];
    const scenarios = ['one-user', 'twenty-users', 'hot-cache'];
    // The Instagram scenario runs on the gateway only: the baselines know no Instagram users.
    expect(run.rows.map((r) => `${r.scenario}/${r.target}`).sort()).toEqual(
      [...scenarios.flatMap((s) => targets.map((t) => `${s}/${t}`)), 'instagram-one-user/gateway'].sort(),
    );
    for (const row of run.rows) {
      expect(row.errors, `${row.scenario}/${row.target} errors`).toBe(0);
      expect(row.operationsCompleted, `${row.scenario}/${row.target} operations`).toBeGreaterThan(0);
    }
    const twenty = (target: string) => run.rows.find((r) => r.scenario === 'twenty-users' && r.target === target)!;
    expect(onePerOperation(twenty('gateway'), 20)).toBe(true);
    // The expert peer batches too: one Graph batch POST per operation.
    expect(onePerOperation(twenty('mercurius-jit'), 20)).toBe(true);
    // The baselines make one GET per user.
    expect(twenty('bare-proxy').upstreamPerOp).toBeGreaterThan(19);

    // The printed table has a row per target and scenario, then the ratios and the targets.
    for (const scenario of scenarios) {
      for (const target of targets) expect(stdout).toMatch(new RegExp(`^0 ms\\s+${scenario}\\s+${target}\\s`, 'm'));
    }
    expect(stdout).toContain('gateway / baseline:');
    expect(stdout).toContain('twenty users/op: exactly 1 upstream HTTP request per operation');
    expect(stdout).toContain('Instagram one user/op: req/s within 5 % of Messenger one user/op');
  });
});
