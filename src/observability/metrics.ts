import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** How an operation ended, as counted in `gateway_operations_total{outcome}`. */
export type OperationOutcome =
  /** Data and no errors. */
  | 'success'
  /** Data with errors at some paths (e.g. one user NOT_FOUND). */
  | 'partial'
  /** Executed, but no data (a non-null root field failed). */
  | 'failed'
  /** Refused before execution: parse, validation, limits, variables, malformed HTTP. */
  | 'rejected'
  /** Refused for a missing or wrong API key. */
  | 'unauthenticated'
  /** The client went away before its response was sent. */
  | 'aborted';

export interface OperationObservation {
  /** Validated operation name; null for an anonymous operation; undefined when none was resolved. */
  readonly name: string | null | undefined;
  readonly outcome: OperationOutcome;
  readonly durationMs: number;
  readonly upstreamRequests: number;
}

/** Distinct operation names kept as label values; later ones share one label, so clients cannot grow the registry. */
const MAX_OPERATION_NAMES = 100;
const OTHER_OPERATIONS = '(other)';
const ANONYMOUS = '(anonymous)';
const UNRESOLVED = '(none)';

type Config<C> = Omit<C, 'registers'>;

/**
 * The gateway's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several gateways in one process do not clash. Other layers (the Pages' chains, the cache) add theirs
 * with `counter()`, `gauge()` and `histogram()`, which register into the same registry.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'operation' | 'outcome'>;
  private readonly operationDuration: Histogram<'operation'>;
  private readonly operationUpstreamRequests: Histogram<'operation'>;
  /** Each operation label's metric children, so an observation skips prom-client's label hashing. */
  private readonly byOperation = new Map<string, OperationChildren>();
  /** Distinct client-chosen operation names labelled so far. */
  private clientNames = 0;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.operations = this.counter({
      name: 'gateway_operations_total',
      help: 'GraphQL operations by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
    });
    this.operationDuration = this.histogram({
      name: 'gateway_operation_duration_seconds',
      help: 'Time from request received to response sent, by operation name.',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.operationUpstreamRequests = this.histogram({
      name: 'gateway_operation_upstream_requests',
      help: 'Graph API HTTP requests one operation cost, by operation name.',
      labelNames: ['operation'],
      buckets: [0, 1, 2, 3, 5, 10],
    });
  }

  counter<T extends string>(config: Config<CounterConfiguration<T>>): Counter<T> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<T extends string>(config: Config<GaugeConfiguration<T>>): Gauge<T> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<T extends string>(config: Config<HistogramConfiguration<T>>): Histogram<T> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** Counts one operation; answers the `operation` label it was counted under, for the log line to use the same word. */
  observeOperation({ name, outcome, durationMs, upstreamRequests }: OperationObservation): string {
    const children = this.childrenOf(this.operationLabel(name));
    let count = children.outcomes.get(outcome);
    if (!count) children.outcomes.set(outcome, (count = this.operations.labels(children.operation, outcome)));
    count.inc();
    children.duration.observe(durationMs / 1000);
    children.upstreamRequests.observe(upstreamRequests);
    return children.operation;
  }

  private childrenOf(operation: string): OperationChildren {
    let children = this.byOperation.get(operation);
    if (!children) {
      children = {
        operation,
        outcomes: new Map(),
        duration: this.operationDuration.labels(operation),
        upstreamRequests: this.operationUpstreamRequests.labels(operation),
      };
      this.byOperation.set(operation, children);
    }
    return children;
  }

  private operationLabel(name: string | null | undefined): string {
    if (name === undefined) return UNRESOLVED;
    if (name === null) return ANONYMOUS;
    if (this.byOperation.has(name)) return name;
    if (this.clientNames >= MAX_OPERATION_NAMES) return OTHER_OPERATIONS;
    this.clientNames++;
    return name;
  }
}

interface OperationChildren {
  readonly operation: string;
  readonly outcomes: Map<OperationOutcome, { inc(): void }>;
  readonly duration: { observe(value: number): void };
  readonly upstreamRequests: { observe(value: number): void };
}
