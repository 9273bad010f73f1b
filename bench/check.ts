/**
 * `npm run bench:check`: the harness's self-test, run by CI after the tests (too slow for `npm test`).
 * A very short `--quick` run that builds, loads every target in every scenario and fails on any
 * error, a missing row or a broken batching claim. It measures nothing worth keeping.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onePerOperation, type Row } from './report.js';
import { ROOT } from './targets.js';

const TARGETS = ['gateway', 'mercurius-jit', 'bare-proxy', 'apollo-rest'];
const SCENARIOS = ['one-user', 'twenty-users', 'hot-cache'];

const dir = mkdtempSync(join(tmpdir(), 'bench-check-'));
try {
  const json = join(dir, 'run.json');
  // The harness builds dist/ and dist-bench/ itself, so a fresh clone needs nothing else.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/run.ts', '--quick', '--seconds', '0.5', '--warmup', '0.2', '--json', json],
    { cwd: ROOT, timeout: 120_000, maxBuffer: 1 << 20 },
  );
  const run = JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] };

  assert.deepEqual(
    run.rows.map((r) => `${r.scenario}/${r.target}`).sort(),
    // The Instagram scenario runs on the gateway only: the baselines know no Instagram users.
    [...SCENARIOS.flatMap((s) => TARGETS.map((t) => `${s}/${t}`)), 'instagram-one-user/gateway'].sort(),
    'a row per scenario and target',
  );
  for (const row of run.rows) {
    assert.equal(row.errors, 0, `${row.scenario}/${row.target}: errors`);
    assert.ok(row.operationsCompleted > 0, `${row.scenario}/${row.target}: no operation completed`);
  }
  const twenty = (target: string) => run.rows.find((r) => r.scenario === 'twenty-users' && r.target === target)!;
  assert.ok(onePerOperation(twenty('gateway'), 20), 'gateway: one batch POST per operation of twenty users');
  // The expert peer batches too: one Graph batch POST per operation.
  assert.ok(onePerOperation(twenty('mercurius-jit'), 20), 'mercurius-jit: one batch POST per operation of twenty users');
  // The baselines make one GET per user.
  assert.ok(twenty('bare-proxy').upstreamPerOp > 19, 'bare-proxy: one GET per user');

  // The printed table has a row per target and scenario, then the ratios and the targets.
  for (const scenario of SCENARIOS) {
    for (const target of TARGETS) assert.match(stdout, new RegExp(`^0 ms\\s+${scenario}\\s+${target}\\s`, 'm'), `printed row ${scenario}/${target}`);
  }
  assert.ok(stdout.includes('gateway / baseline:'), 'printed ratios');
  assert.ok(stdout.includes('twenty users/op: exactly 1 upstream HTTP request per operation'), 'printed targets');
  assert.ok(stdout.includes('Instagram one user/op: req/s within 5 % of Messenger one user/op'), 'printed the Instagram target');
  console.log(`bench:check passed: ${run.rows.length} scenario/target rows without errors`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
