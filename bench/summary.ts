import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { ratiosTable, resultsTable, verdictsTable, type Row, type Verdict } from './report.js';
import { ROOT } from './targets.js';

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly commit: string;
}

export function machine(): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit,
  };
}

export interface RunRecord {
  readonly command: string;
  readonly machine: Machine;
  readonly date: string;
  readonly settings: {
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly rounds: number;
    readonly connections: Readonly<Record<string, number>>;
    readonly upstreamConnections: number;
  };
  readonly rows: readonly Row[];
  readonly verdicts: readonly Verdict[];
  readonly cacheNote: string | undefined;
  readonly errorNotes: readonly string[];
  /** The most CPU other processes took during any one load, in cores. */
  readonly otherLoadCores: number;
}

const START = '<!-- bench:results:start (written by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

/** The generated part of BENCHMARKS.md: machine, command, tables. */
function resultsSection(run: RunRecord): string {
  const { machine: m, settings: s } = run;
  const connections = Object.entries(s.connections)
    .map(([latency, n]) => `${n} at ${latency} ms`)
    .join(', ');
  return [
    START,
    '## Latest run',
    '',
    `- Command: \`${run.command}\``,
    `- Date: ${run.date}; commit ${m.commit}`,
    `- Machine: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memoryGb} GiB; Node.js ${m.node}`,
    `- Load: autocannon, closed loop, ${connections} client connections; ${s.seconds} s per run after ${s.warmupSeconds} s of warm-up; ` +
      `${s.rounds} round(s) per target and scenario, target order reversed every other round; upstream connections (gateway and bare proxy): ${s.upstreamConnections}`,
    '- Load generator, target and emulator are three processes sharing the same cores.',
    `- Other processes on the machine used up to ${run.otherLoadCores.toFixed(2)} cores during a run.`,
    '',
    '### Results',
    '',
    resultsTable(run.rows, true),
    '',
    '### Gateway / baseline',
    '',
    ratiosTable(run.rows, true),
    '',
    '### Targets',
    '',
    verdictsTable(run.verdicts, true),
    ...(run.cacheNote ? ['', run.cacheNote] : []),
    ...run.errorNotes.flatMap((line) => ['', line.replaceAll('|', '\\|')]),
    END,
  ].join('\n');
}

/** Replaces the generated section of BENCHMARKS.md (or appends one), keeping the hand-written notes. */
export function writeBenchmarksMd(path: string, run: RunRecord): void {
  const section = resultsSection(run);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
