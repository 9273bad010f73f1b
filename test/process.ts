import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A gateway started as a user would (`src/main.ts` through tsx), in its own process. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Every line written to stdout and stderr so far, parsed (non-JSON lines as `{ msg }`). */
  readonly lines: Record<string, any>[];
  /** Resolves with the exit code once the process has exited. */
  readonly exit: Promise<number | null>;
  /** The first line whose `msg` matches, waiting up to 10 s for it. */
  waitForLine(pattern: RegExp): Promise<Record<string, any>>;
  /** The GraphQL URL, once the gateway says it is ready. */
  ready(): Promise<string>;
  /** Sends a signal and waits for the exit; SIGKILL after a 5 s wait never hurts. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Records every module the process loads into this file (see test/support/trace-modules.mjs). */
  readonly traceModulesTo?: string;
}

/**
 * Spawns `src/main.ts` with a clean environment: PATH, PORT=0 and `env`, nothing inherited, so a
 * developer's own variables never change a test.
 */
export function spawnGateway(env: Record<string, string>, options: SpawnOptions = {}): GatewayProcess {
  const trace = options.traceModulesTo ? ['--import', './test/support/trace-modules.mjs'] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', ...trace, 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      ...(options.traceModulesTo ? { MODULE_TRACE_FILE: options.traceModulesTo } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  // Told of each line as it comes, and of the exit: waiting for a line polls nothing.
  const watchers = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ msg: line });
      }
      for (const watcher of watchers) watcher();
    });
  }
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exit.then(() => setImmediate(() => watchers.forEach((watcher) => watcher())));

  function waitForLine(pattern: RegExp): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const done = (settle: () => void) => {
        watchers.delete(check);
        clearTimeout(timer);
        settle();
      };
      const check = () => {
        const line = lines.find((l) => pattern.test(String(l.msg)));
        if (line) done(() => resolve(line));
        else if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`Exited without a line matching ${pattern}; got ${JSON.stringify(lines)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`No line matching ${pattern} in 10 s; got ${JSON.stringify(lines)}`))), 10_000);
      watchers.add(check);
      check();
    });
  }

  return {
    child,
    lines,
    exit,
    waitForLine,
    ready: async () => (await waitForLine(/^Gateway ready/)).url as string,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
