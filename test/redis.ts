import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A real redis-server started by a test on a free loopback port, with persistence off. */
export interface RedisServer {
  readonly url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that accepts connections but does not answer. */
  freeze(): void;
  thaw(): void;
  /** Every key with its string value and remaining TTL in seconds. */
  dump(): Promise<{ key: string; value: string | null; ttl: number }[]>;
  /** Runs one command on a connection of its own, e.g. command('CLIENT', 'PAUSE', '3000', 'WRITE'). */
  command(name: string, ...args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

const MISSING = [
  'redis-server is not installed, and the cache tests need a real one.',
  'Install it with `apt-get update && apt-get install -y redis-server` (Debian/Ubuntu); .ci/run does this when it is missing.',
].join(' ');

// Private: servers still running when this process exits for any reason (a crash, Ctrl-C in the
// soak) are killed with it, so none is left behind listening on loopback.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts redis-server; fails with instructions when it is not installed (the tests never skip). */
export async function startRedis(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(MISSING);
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      let child = await spawnRedis(port);
      const url = `redis://127.0.0.1:${port}`;
      return {
        url,
        kill: async () => {
          await stopChild(child, 'SIGKILL');
        },
        restart: async () => {
          await stopChild(child, 'SIGKILL');
          child = await spawnRedis(port);
        },
        freeze: () => void child.kill('SIGSTOP'),
        thaw: () => void child.kill('SIGCONT'),
        dump: async () => {
          const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
          try {
            await client.connect();
            const keys = await client.keys('*');
            return await Promise.all(keys.map(async (key) => ({ key, value: await client.get(key), ttl: await client.ttl(key) })));
          } finally {
            client.disconnect();
          }
        },
        command: async (name, ...args) => {
          const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
          try {
            await client.connect();
            return await client.call(name, ...args);
          } finally {
            client.disconnect();
          }
        },
        stop: async () => {
          child.kill('SIGCONT');
          await stopChild(child, 'SIGTERM');
        },
      };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const exited = (code: number | null) => fail(new Error(`redis-server exited with ${code}:\n${output}`));
    child.once('error', fail);
    child.once('exit', exited);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', exited);
        child.off('error', fail);
        resolve(child);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
