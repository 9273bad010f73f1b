import type { LoadResult } from './load.js';
import type { ScenarioName } from './scenarios.js';
import type { TargetName } from './targets.js';

/** One timed load of one target in one scenario. */
export interface Measurement {
  readonly latencyMs: number;
  readonly scenario: ScenarioName;
  readonly round: number;
  /** A TargetName, or gateway:<label> for a variant. */
  readonly target: string;
  readonly load: LoadResult;
  /** Emulator HTTP requests (batch POSTs or single GETs) during the load. */
  readonly upstreamRequests: number;
  /** Sub-requests inside batch POSTs during the load. */
  readonly upstreamSubRequests: number;
  /** Highest VmRSS of the target seen while under load, in bytes. */
  readonly peakRssBytes: number;
  /** CPU time used during the load by the target, the emulator and the load generator (this process). */
  readonly cpuMs: { readonly target: number; readonly emulator: number; readonly load: number };
  /** Cores' worth of CPU used by other processes of the machine during the load (noise). */
  readonly otherCores: number;
}

/** The rounds of one target in one scenario at one latency, put together. */
export interface Row {
  readonly latencyMs: number;
  readonly scenario: ScenarioName;
  readonly target: string;
  readonly rounds: number;
  /** Means over the rounds. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Sum of upstream HTTP requests over sum of operations sent. */
  readonly upstreamPerOp: number;
  readonly subRequestsPerOp: number;
  readonly upstreamRequests: number;
  readonly upstreamSubRequests: number;
  /** Operations answered, and sent (answered or in flight when the load stopped). */
  readonly operationsCompleted: number;
  readonly operationsSent: number;
  readonly peakRssMb: number;
  readonly errors: number;
  /** The first bad answer seen, if any. */
  readonly firstError?: string;
  /** CPU time per completed operation, in microseconds. */
  readonly targetCpuUsPerOp: number;
  readonly emulatorCpuUsPerOp: number;
  readonly loadCpuUsPerOp: number;
}

export interface Verdict {
  readonly latencyMs: number;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

const RSS_LIMIT_MB = 150;

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function aggregate(measurements: readonly Measurement[]): Row[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.latencyMs}|${m.scenario}|${m.target}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const sent = sum(group.map((m) => m.load.sent));
    const upstream = sum(group.map((m) => m.upstreamRequests));
    return {
      latencyMs: first.latencyMs,
      scenario: first.scenario,
      target: first.target,
      rounds: group.length,
      rps: mean(group.map((m) => m.load.rps)),
      p50Ms: mean(group.map((m) => m.load.p50Ms)),
      p99Ms: mean(group.map((m) => m.load.p99Ms)),
      upstreamPerOp: upstream / Math.max(1, sent),
      subRequestsPerOp: sum(group.map((m) => m.upstreamSubRequests)) / Math.max(1, sent),
      upstreamRequests: upstream,
      upstreamSubRequests: sum(group.map((m) => m.upstreamSubRequests)),
      operationsCompleted: sum(group.map((m) => m.load.completed)),
      operationsSent: sent,
      peakRssMb: Math.max(...group.map((m) => m.peakRssBytes)) / 2 ** 20,
      errors: sum(group.map((m) => m.load.errors)),
      ...firstOf(group.map((m) => m.load.firstError)),
      ...cpuPerOp(group),
    };
  });
}

function firstOf(errors: readonly (string | undefined)[]): { firstError?: string } {
  const first = errors.find((e) => e !== undefined);
  return first === undefined ? {} : { firstError: first };
}

function cpuPerOp(group: readonly Measurement[]) {
  const completed = Math.max(1, sum(group.map((m) => m.load.completed)));
  const per = (pick: (m: Measurement) => number) => (sum(group.map(pick)) * 1000) / completed;
  return {
    targetCpuUsPerOp: per((m) => m.cpuMs.target),
    emulatorCpuUsPerOp: per((m) => m.cpuMs.emulator),
    loadCpuUsPerOp: per((m) => m.cpuMs.load),
  };
}

function find(rows: readonly Row[], latencyMs: number, scenario: ScenarioName, target: TargetName | `gateway:${string}`): Row | undefined {
  return rows.find((r) => r.latencyMs === latencyMs && r.scenario === scenario && r.target === target);
}

interface Ratio {
  readonly latencyMs: number;
  readonly scenario: ScenarioName;
  /** gateway, or a gateway variant. */
  readonly target: string;
  readonly rpsVsPeer?: number;
  readonly rpsVsBare?: number;
  readonly rpsVsApollo?: number;
  readonly p99VsPeer?: number;
  readonly p99VsBare?: number;
  readonly p99VsApollo?: number;
}

function ratios(rows: readonly Row[]): Ratio[] {
  return rows
    .filter((r) => r.target === 'gateway' || r.target.startsWith('gateway:'))
    .map((gw) => {
      const peer = find(rows, gw.latencyMs, gw.scenario, 'mercurius-jit');
      const bare = find(rows, gw.latencyMs, gw.scenario, 'bare-proxy');
      const apollo = find(rows, gw.latencyMs, gw.scenario, 'apollo-rest');
      return {
        latencyMs: gw.latencyMs,
        scenario: gw.scenario,
        target: gw.target,
        ...(peer ? { rpsVsPeer: gw.rps / peer.rps, p99VsPeer: gw.p99Ms / peer.p99Ms } : {}),
        ...(bare ? { rpsVsBare: gw.rps / bare.rps, p99VsBare: gw.p99Ms / bare.p99Ms } : {}),
        ...(apollo ? { rpsVsApollo: gw.rps / apollo.rps, p99VsApollo: gw.p99Ms / apollo.p99Ms } : {}),
      };
    });
}

/**
 * Exactly one upstream HTTP request per operation: every request carried all `users` of one
 * operation, and there were as many requests as operations (at least those answered, at most those
 * sent: the load stops with some in flight).
 */
export function onePerOperation(row: Row, users: number): boolean {
  return (
    row.upstreamRequests > 0 &&
    row.upstreamSubRequests === users * row.upstreamRequests &&
    row.upstreamRequests >= row.operationsCompleted &&
    row.upstreamRequests <= row.operationsSent
  );
}

/** The issue's performance targets, judged on the gateway's rows against the baselines' of the same run. */
export function verdicts(rows: readonly Row[]): Verdict[] {
  const out: Verdict[] = [];
  const latencies = [...new Set(rows.map((r) => r.latencyMs))];
  for (const latencyMs of latencies) {
    const at = (scenario: ScenarioName, target: TargetName) => find(rows, latencyMs, scenario, target);
    const ratio = (goal: string, scenario: ScenarioName, baseline: TargetName, min: number) => {
      const gw = at(scenario, 'gateway');
      const base = at(scenario, baseline);
      if (!gw || !base) return;
      const value = gw.rps / base.rps;
      out.push({ latencyMs, goal, measured: `${value.toFixed(2)}×`, met: value >= min });
    };
    // Against the expert peer (Fastify + Mercurius + graphql-jit + batched loaders), production defaults.
    ratio('one user/op, cache off: req/s ≥ 0.8× Mercurius + jit', 'one-user', 'mercurius-jit', 0.8);
    ratio('twenty users/op, cache off: req/s ≥ 1.1× Mercurius + jit', 'twenty-users', 'mercurius-jit', 1.1);
    ratio('one user/op, cache hot: req/s ≥ 1.3× Mercurius + jit', 'hot-cache', 'mercurius-jit', 1.3);
    ratio('one user/op, cache hot: req/s ≥ 0.5× bare proxy', 'hot-cache', 'bare-proxy', 0.5);
    for (const scenario of ['one-user', 'twenty-users', 'hot-cache'] as const) {
      const gw = at(scenario, 'gateway');
      const peer = at(scenario, 'mercurius-jit');
      if (!gw || !peer) continue;
      const value = gw.p99Ms / peer.p99Ms;
      out.push({
        latencyMs,
        goal: `${scenario}: p99 ≤ 1.5× Mercurius + jit`,
        measured: `${fmt(gw.p99Ms)} ms vs ${fmt(peer.p99Ms)} ms (${value.toFixed(2)}×)`,
        met: value <= 1.5,
      });
    }
    const twenty = at('twenty-users', 'gateway');
    if (twenty) {
      out.push({
        latencyMs,
        goal: 'twenty users/op: exactly 1 upstream HTTP request per operation',
        measured: `${twenty.upstreamRequests} batch requests of ${(twenty.upstreamSubRequests / Math.max(1, twenty.upstreamRequests)).toFixed(2)} users for ${twenty.operationsCompleted}–${twenty.operationsSent} operations`,
        met: onePerOperation(twenty, 20),
      });
    }
    const messenger = at('one-user', 'gateway');
    const instagram = at('instagram-one-user', 'gateway');
    if (messenger && instagram) {
      const value = instagram.rps / messenger.rps;
      out.push({
        latencyMs,
        goal: 'Instagram one user/op: req/s within 5 % of Messenger one user/op',
        measured: `${fmt(instagram.rps, 0)} vs ${fmt(messenger.rps, 0)} req/s (${value.toFixed(3)}×)`,
        met: Math.abs(value - 1) <= 0.05,
      });
    }
    const plain = at('one-user', 'gateway');
    const withCaller = find(rows, latencyMs, 'one-user', 'gateway:caller');
    if (plain && withCaller) {
      const value = withCaller.rps / plain.rps;
      out.push({
        latencyMs,
        goal: 'one user/op with a caller configured (GATEWAY_CALLERS): req/s ≥ 0.97× without',
        measured: `${fmt(withCaller.rps, 0)} vs ${fmt(plain.rps, 0)} req/s (${value.toFixed(3)}×)`,
        met: value >= 0.97,
      });
    }
    const gateways = rows.filter((r) => r.latencyMs === latencyMs && r.target === 'gateway');
    if (gateways.length) {
      const peak = Math.max(...gateways.map((r) => r.peakRssMb));
      out.push({ latencyMs, goal: `gateway peak RSS ≤ ${RSS_LIMIT_MB} MB`, measured: `${peak.toFixed(0)} MB`, met: peak <= RSS_LIMIT_MB });
    }
    const errors = sum(gateways.map((r) => r.errors));
    out.push({ latencyMs, goal: 'gateway: no errors (non-2xx, GraphQL errors, socket errors, timeouts)', measured: String(errors), met: errors === 0 });
  }
  return out;
}

/** What the errors were, one line per row that had any. */
export function errorNotes(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.errors > 0)
    .map((r) => `errors of ${r.target} in ${r.scenario} at ${r.latencyMs} ms (${r.errors}), first: ${r.firstError ?? 'unknown'}`);
}

/** The most CPU other processes took during any one load, in cores: 0 on a quiet machine. */
export function worstOtherLoad(measurements: readonly Measurement[]): number {
  return Math.max(0, ...measurements.map((m) => m.otherCores));
}

/** What the hot-cache rows say about the gateway's cache, in one sentence. */
export function cacheNote(rows: readonly Row[]): string | undefined {
  const hot = rows.filter((r) => r.scenario === 'hot-cache' && r.target === 'gateway');
  if (!hot.length) return undefined;
  const perOp = sum(hot.map((r) => r.upstreamRequests)) / Math.max(1, sum(hot.map((r) => r.operationsSent)));
  return perOp >= 0.5
    ? `hot-cache: the gateway still made ${perOp.toFixed(2)} upstream requests per operation with PROFILE_CACHE_TTL=300, ` +
        'so this build has no profile cache yet (the variable is ignored): the scenario shows no cache gain.'
    : `hot-cache: the gateway made ${perOp.toFixed(3)} upstream requests per operation with PROFILE_CACHE_TTL=300 (answers from its cache).`;
}

function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

/** A table as aligned plain text (for the terminal) or as Markdown. */
function table(header: readonly string[], body: readonly (readonly string[])[], markdown: boolean): string {
  if (markdown) {
    const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function resultsTable(rows: readonly Row[], markdown: boolean): string {
  return table(
    ['latency', 'scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', 'upstream HTTP/op', 'sub-req/op', 'peak RSS MB', 'errors', 'CPU µs/op target', 'emulator', 'load gen'],
    rows.map((r) => [
      `${r.latencyMs} ms`,
      r.scenario,
      r.target,
      r.rps.toFixed(0),
      fmt(r.p50Ms),
      fmt(r.p99Ms),
      r.upstreamPerOp.toFixed(2),
      r.subRequestsPerOp.toFixed(2),
      r.peakRssMb.toFixed(0),
      String(r.errors),
      r.targetCpuUsPerOp.toFixed(0),
      r.emulatorCpuUsPerOp.toFixed(0),
      r.loadCpuUsPerOp.toFixed(0),
    ]),
    markdown,
  );
}

export function ratiosTable(rows: readonly Row[], markdown: boolean): string {
  const x = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)}×`);
  return table(
    ['latency', 'scenario', 'gateway', 'req/s vs mercurius', 'req/s vs bare', 'req/s vs apollo', 'p99 vs mercurius', 'p99 vs bare', 'p99 vs apollo'],
    ratios(rows).map((r) => [
      `${r.latencyMs} ms`,
      r.scenario,
      r.target,
      x(r.rpsVsPeer),
      x(r.rpsVsBare),
      x(r.rpsVsApollo),
      x(r.p99VsPeer),
      x(r.p99VsBare),
      x(r.p99VsApollo),
    ]),
    markdown,
  );
}

export function verdictsTable(list: readonly Verdict[], markdown: boolean): string {
  return table(
    ['latency', 'target', 'measured', 'met'],
    list.map((v) => [`${v.latencyMs} ms`, v.goal, v.measured, v.met ? 'met' : 'NOT MET']),
    markdown,
  );
}
