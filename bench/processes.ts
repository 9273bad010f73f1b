import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** A child process that announced the URL it serves on one JSON line of its stdout. */
export interface Running {
  readonly name: string;
  readonly pid: number;
  /** Where it serves. */
  readonly url: string;
  /** Parsed first stdout line that carried `url` (the emulator also prints its token there). */
  readonly announcement: Readonly<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
  /** Whether it is still running, how it ended otherwise, and its last lines of output. */
  describe(): string;
}

export interface StartOptions {
  readonly name: string;
  /** Arguments to `node` (flags, then the script and its arguments). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /**
   * Ready once this URL's port accepts connections (for a child told its port). Without it, ready
   * once stdout has a JSON line with a `url` (the emulator, which picks its own port).
   */
  readonly url?: string;
  /** @default 15000 */
  readonly readyTimeoutMs?: number;
}

const STOP_GRACE_MS = 5_000;

// Private: children still running when this process exits for any reason (an error, Ctrl-C, a closed
// pipe) are killed with it, so no target or emulator is left behind listening on loopback.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `node ...args` with exactly the given environment (plus PATH and HOME), and waits for
 * its announcement. stdout and stderr keep being drained, as a log shipper would, so a process
 * that logs is never blocked on a full pipe; the last lines are kept for error messages.
 */
export async function startProcess(options: StartOptions): Promise<Running> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const tail: string[] = [];
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  createInterface({ input: child.stderr }).on('line', keep);
  const lines = createInterface({ input: child.stdout });

  const timeoutMs = options.readyTimeoutMs ?? 15_000;
  let settled = false;
  const announcement = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const done = (value: Record<string, unknown> | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (value instanceof Error) {
        child.kill('SIGKILL');
        reject(new Error(`${options.name} ${value.message}\n${tail.join('\n')}`));
      } else resolve(value);
    };
    const timer = setTimeout(() => done(new Error(`was not ready within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => done(new Error(`exited (${code ?? signal}) before it was ready`)));
    child.once('error', (error) => done(new Error(`could not start: ${error.message}`)));
    lines.on('line', (line) => {
      keep(line);
      const parsed = options.url === undefined ? parseLine(line) : undefined;
      if (typeof parsed?.url === 'string') done(parsed);
    });
    if (options.url !== undefined) {
      const { url } = options;
      void waitForPort(new URL(url), () => settled).then(() => done({ url }));
    }
  });

  return {
    name: options.name,
    pid: child.pid!,
    url: announcement.url as string,
    announcement,
    stop: () => stopChild(child),
    describe: () => {
      const state =
        child.exitCode === null && child.signalCode === null ? 'running' : `exited (${child.exitCode ?? child.signalCode})`;
      return `${options.name} (pid ${child.pid}) ${state}; last output:\n${tail.join('\n')}`;
    },
  };
}

/** Resolves once something accepts TCP connections at the URL's host and port (or `stop()` says so). */
async function waitForPort(url: URL, stop: () => boolean): Promise<void> {
  while (!stop()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      const answer = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => answer(true)).once('error', () => answer(false));
    });
    if (open) return;
    await sleep(50);
  }
}

/** A TCP port nobody listens on right now, for a child to listen on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resident set size of a process in bytes (`VmRSS`), or its peak so far (`VmHWM`); 0 when gone. */
function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of a process right now, in bytes; 0 when gone. */
export function rssOf(pid: number): number {
  return memoryOf(pid, 'VmRSS');
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in milliseconds; 0 when gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state, field 3; utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU time all processes of the machine have used so far (all cores, idle excluded), in milliseconds. */
export function machineBusyMs(): number {
  const [cpu = ''] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu.trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Polls VmRSS every intervalMs until stopped; stop() answers the highest value seen. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = memoryOf(pid, 'VmRSS');
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid, 'VmRSS'));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, memoryOf(pid, 'VmRSS'));
    },
  };
}

/** The Graph API emulator in its own process, with its HTTP control surface. */
export interface Emulator extends Running {
  readonly token: string;
  stats(): Promise<{ requests: number; subRequests: number }>;
  reset(): Promise<void>;
  /** Injects a fault into the emulator's next requests (its `Fault` shape, as JSON). */
  fault(fault: Readonly<Record<string, unknown>>): Promise<void>;
}

export async function startEmulator(script: string, latencyMs: number, cwd: string): Promise<Emulator> {
  const running = await startProcess({
    name: `emulator (${latencyMs} ms)`,
    // A load test is not a quota test: with the Messenger limit (200 calls per user), the gateway
    // would rightly stop calling within seconds while the baselines, which ignore usage headers, go on.
    args: [script, '--host', '127.0.0.1', '--port', '0', '--latency', String(latencyMs), '--call-budget', '1000000000000'],
    env: {},
    cwd,
  });
  const control = (path: string, init?: RequestInit) =>
    fetch(new URL(`/__emulator/${path}`, running.url), init).then(async (r) => {
      if (!r.ok) throw new Error(`emulator ${path}: HTTP ${r.status}`);
      return r.json();
    });
  return {
    ...running,
    token: String(running.announcement.token),
    stats: () => control('stats') as Promise<{ requests: number; subRequests: number }>,
    reset: async () => {
      await control('reset', { method: 'POST' });
    },
    fault: async (fault) => {
      await control('faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
    },
  };
}
