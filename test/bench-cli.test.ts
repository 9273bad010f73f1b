import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `npm run bench -- <args>` as npm runs it, without npm; none of these start a load. */
function bench(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status, stdout, stderr };
}

describe('npm run bench command line', () => {
  it('prints its usage for --help and -h, saying what --quick runs, and starts nothing', () => {
    for (const flag of ['--help', '-h']) {
      const { status, stdout, stderr } = bench(flag);
      expect(status).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^Usage: npm run bench -- \[options\]/);
      expect(stdout).toMatch(/--quick\s+a smoke run: 0 ms latency only, 1 s runs/);
      expect(stdout).toContain('one-user, twenty-users, hot-cache');
      expect(stdout).not.toContain('building');
    }
  });

  it.each([
    ['an unknown option', ['--quik'], /Unknown option '--quik'/],
    ['an unknown target', ['--targets', 'nginx'], /^Unknown target "nginx": expected one of gateway, /],
  ])('answers %s with what is wrong and the usage, exit 2, no stack trace', (_what, args, message) => {
    const { status, stderr } = bench(...args);
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: npm run bench');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
