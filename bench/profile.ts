/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof DIR`):
 * self time per function and per package, as percentages of the busy samples (all but `(idle)`).
 *
 *   node --import tsx bench/profile.ts DIR/CPU.*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Share {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

/** Where a script URL belongs: a package, node's internals, the gateway's own code, or V8. */
export function owner(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(dist|src)\/(.*)$/.exec(url);
  return own ? `gateway ${own[2]}` : url;
}

export function summarise(profile: CpuProfile): { total: number; idle: number; functions: Share[]; owners: Share[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  const functions = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
    owners.set(owner(url), (owners.get(owner(url)) ?? 0) + us);
  }
  const shares = (map: Map<string, number>) =>
    [...map].map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, idle: idle / 1000, functions: shares(functions), owners: shares(owners) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const top = Number(values.top);
  for (const file of positionals) {
    const { total, idle, functions, owners } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const line = (s: Share) => `${s.percent.toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(7)} ms  ${s.name}`;
    process.stdout.write(`${file}: ${total.toFixed(0)} ms busy (+${idle.toFixed(0)} ms idle)\n\nself time by function:\n`);
    process.stdout.write(`${functions.slice(0, top).map(line).join('\n')}\n\nself time by package:\n`);
    process.stdout.write(`${owners.slice(0, top).map(line).join('\n')}\n`);
  }
}
