import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEMO_PSIDS, useStack } from './helpers.js';

const QUERY = JSON.stringify({ query: `{ user(psid: "${DEMO_PSIDS.peter}") { profile { firstName } } }` });

/** A raw connection to the gateway, and what it received until the gateway closed it. */
async function open(url: string): Promise<{ socket: Socket; closed: Promise<{ afterMs: number; received: string }> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const opened = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => {});
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) =>
    socket.once('close', () => resolve({ afterMs: Date.now() - opened, received })),
  );
  return { socket, closed };
}

/** Writes `parts` one by one, `everyMs` apart, until the socket closes. */
function trickle(socket: Socket, parts: readonly string[], everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= parts.length) return clearInterval(timer);
    socket.write(parts[i++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('slow and vanishing clients', () => {
  const stack = useStack({ env: { HEADERS_TIMEOUT_MS: '400', REQUEST_TIMEOUT_MS: '800', LOG_LEVEL: 'info' } });
  const operationLines = () => stack.logs.filter((l) => l.msg === 'operation');

  it('closes a connection whose headers trickle in past HEADERS_TIMEOUT_MS', async () => {
    const { socket, closed } = await open(stack.gateway.url);
    socket.write('POST /graphql HTTP/1.1\r\nHost: gateway\r\n');
    trickle(socket, Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: 1\r\n`), 100);
    const { afterMs, received } = await closed;
    // The timeout plus one check interval (1 s), never Node's default 30 s between checks.
    expect(afterMs).toBeLessThan(2500);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection whose body trickles in past REQUEST_TIMEOUT_MS', async () => {
    const { socket, closed } = await open(stack.gateway.url);
    socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n`);
    trickle(socket, [...QUERY], 100);
    const { afterMs, received } = await closed;
    expect(afterMs).toBeLessThan(3000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it.each([
    ['while sending its body', 0],
    ['while its operation runs', 300],
  ])('logs a client that goes away %s below error level, with outcome "aborted"', async (_name, delayMs) => {
    stack.emulator.injectFault({ delayMs });
    const before = operationLines().length;
    const { socket } = await open(stack.gateway.url);
    const head = `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n`;
    socket.write(delayMs === 0 ? head + QUERY.slice(0, 10) : head + QUERY);
    if (delayMs > 0) await expect.poll(() => stack.emulator.requests.length, { timeout: 2000, interval: 10 }).toBe(1);
    else await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await expect.poll(() => operationLines().length, { timeout: 3000, interval: 20 }).toBe(before + 1);
    expect(operationLines().at(-1)).toMatchObject({ level: 30, outcome: 'aborted' });
    expect(stack.logs.filter((l) => l.level >= 50)).toEqual([]);
    const metrics = await stack.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/^gateway_operations_total\{operation="[^"]+",outcome="aborted"\} [12]$/m);
  });
});
