import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from './load.js';
import { cpuMsOf, machineBusyMs, sampleRss, type Emulator, type Running } from './processes.js';
import type { Measurement } from './report.js';
import type { Scenario } from './scenarios.js';

export interface RunSpec {
  readonly latencyMs: number;
  readonly scenario: Scenario;
  readonly targetName: string;
  readonly round: number;
  readonly target: Running;
  readonly emulator: Emulator;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Extra request headers (a caller's key). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Waits until operations still in flight when the load stopped have made their upstream calls: the
 * emulator's counters stand still and the target is idle (an overloaded target can go a while
 * without a new upstream call while it still has queued work). At most 10 s.
 */
async function settle(emulator: Emulator, target: Running): Promise<{ requests: number; subRequests: number }> {
  let last = await emulator.stats();
  let cpu = cpuMsOf(target.pid);
  for (let i = 0; i < 50; i++) {
    await sleep(200);
    const now = await emulator.stats();
    const nowCpu = cpuMsOf(target.pid);
    // /proc counts CPU in 10 ms ticks: an idle process gains at most one or two in 200 ms.
    if (now.requests === last.requests && now.subRequests === last.subRequests && nowCpu - cpu <= 20) return now;
    last = now;
    cpu = nowCpu;
  }
  return last;
}

/** A few full answers, parsed and checked, before any load: every target must answer the same. */
export async function probe(url: string, scenario: Scenario, targetName: string, headers: Readonly<Record<string, string>> = {}): Promise<void> {
  for (let i = 0; i < Math.min(3, scenario.bodies.length); i++) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: scenario.bodies[i]! });
    const problem = response.ok ? scenario.check(i, await response.json()) : `HTTP ${response.status}`;
    if (problem) throw new Error(`${targetName} gave a wrong answer in ${scenario.name}: ${problem}`);
  }
}

/**
 * One timed load: warm-up, emulator counters reset, load, then what the three processes used.
 * Upstream requests are counted after in-flight operations have settled.
 */
export async function measureOnce(spec: RunSpec): Promise<Measurement> {
  const { target, emulator, scenario } = spec;
  const load = { url: target.url, bodies: scenario.bodies, connections: spec.connections, ...(spec.headers ? { headers: spec.headers } : {}) };
  await runLoad({ ...load, seconds: spec.warmupSeconds });
  await settle(emulator, target);
  await emulator.reset();

  const rss = sampleRss(target.pid);
  const before = { target: cpuMsOf(target.pid), emulator: cpuMsOf(emulator.pid), load: process.cpuUsage(), machine: machineBusyMs() };
  const result = await runLoad({ ...load, seconds: spec.seconds });
  const loadCpu = process.cpuUsage(before.load);
  const cpuMs = {
    target: cpuMsOf(target.pid) - before.target,
    emulator: cpuMsOf(emulator.pid) - before.emulator,
    load: (loadCpu.user + loadCpu.system) / 1000,
  };
  // Whatever else ran on the machine meanwhile competed with the three processes measured.
  const otherMs = Math.max(0, machineBusyMs() - before.machine - cpuMs.target - cpuMs.emulator - cpuMs.load);
  const stats = await settle(emulator, target);
  return {
    latencyMs: spec.latencyMs,
    scenario: scenario.name,
    target: spec.targetName,
    round: spec.round,
    load: result,
    upstreamRequests: stats.requests,
    upstreamSubRequests: stats.subRequests,
    peakRssBytes: rss.stop(),
    cpuMs,
    otherCores: otherMs / 1000 / result.seconds,
  };
}
