/** Resolves (or returns true) when a dependency is usable; throws or returns false when not. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean | void;

export interface ReadinessReport {
  readonly ready: boolean;
  /** Why the gateway is not ready, when it is not. */
  readonly reason?: 'starting' | 'draining' | 'dependency';
  /** Dependencies the gateway cannot serve without. */
  readonly checks: Readonly<Record<string, 'ok' | 'failing'>>;
  /** Dependencies it serves without, less well (the shared cache store); absent when there are none. */
  readonly optional?: Readonly<Record<string, 'ok' | 'unavailable'>>;
}

/** A check that has not answered by then counts as failing: a hung dependency must not hang the probe. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Whether the gateway should receive traffic: started, not draining, and every required
 * dependency check passing. Optional checks are reported and never take the instance out: a
 * dependency shared by every instance (Redis) failing would otherwise take them all out at once,
 * although each serves well without it.
 */
export class Readiness {
  private phase: 'starting' | 'serving' | 'draining' = 'starting';
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly optional = new Map<string, ReadinessCheck>();

  /** Registers a check the gateway cannot serve without, under a name shown by /readyz. */
  add(name: string, check: ReadinessCheck): void {
    this.register(this.checks, name, check);
  }

  /** Registers a check of a dependency the gateway serves without; shown by /readyz only. */
  addOptional(name: string, check: ReadinessCheck): void {
    this.register(this.optional, name, check);
  }

  serving(): void {
    if (this.phase === 'starting') this.phase = 'serving';
  }

  draining(): void {
    this.phase = 'draining';
  }

  async report(): Promise<ReadinessReport> {
    const [required, optional] = await Promise.all([run(this.checks), run(this.optional)]);
    const checks = Object.fromEntries(required.map(([name, ok]) => [name, ok ? 'ok' : 'failing'] as const));
    const shown = optional.length > 0 ? { optional: Object.fromEntries(optional.map(([name, ok]) => [name, ok ? 'ok' : 'unavailable'] as const)) } : {};
    if (this.phase !== 'serving') return { ready: false, reason: this.phase, checks, ...shown };
    if (required.some(([, ok]) => !ok)) return { ready: false, reason: 'dependency', checks, ...shown };
    return { ready: true, checks, ...shown };
  }

  private register(into: Map<string, ReadinessCheck>, name: string, check: ReadinessCheck): void {
    if (this.checks.has(name) || this.optional.has(name)) throw new TypeError(`Readiness check "${name}" is already registered`);
    into.set(name, check);
  }
}

function run(checks: ReadonlyMap<string, ReadinessCheck>): Promise<(readonly [string, boolean])[]> {
  return Promise.all([...checks].map(async ([name, check]) => [name, await passes(check)] as const));
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
