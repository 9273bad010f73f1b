/** Resolves (or returns true) when a dependency is usable; throws or returns false when not. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean | void;

export interface ReadinessReport {
  readonly ready: boolean;
  /** Why the gateway is not ready, when it is not. */
  readonly reason?: 'starting' | 'draining' | 'dependency';
  readonly checks: Readonly<Record<string, 'ok' | 'failing'>>;
}

/** A check that has not answered by then counts as failing: a hung dependency must not hang the probe. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Whether the gateway should receive traffic: started, not draining, and every registered
 * dependency check (e.g. Redis once the cache exists) passing.
 */
export class Readiness {
  private phase: 'starting' | 'serving' | 'draining' = 'starting';
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Registers a dependency check under a name shown by /readyz. */
  add(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new TypeError(`Readiness check "${name}" is already registered`);
    this.checks.set(name, check);
  }

  serving(): void {
    if (this.phase === 'starting') this.phase = 'serving';
  }

  draining(): void {
    this.phase = 'draining';
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, (await passes(check)) ? 'ok' : 'failing'] as const),
    );
    const checks = Object.fromEntries(entries);
    if (this.phase !== 'serving') return { ready: false, reason: this.phase, checks };
    if (entries.some(([, state]) => state === 'failing')) return { ready: false, reason: 'dependency', checks };
    return { ready: true, checks };
  }
}

async function passes(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(check), timeout]);
    return result !== false;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
