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
import { GatewayError } from './errors.js';
import type { UpstreamExchange } from './upstream/client.js';
import type { FetchProfiles, ProfileResult } from './upstream/profiles.js';

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
  | 'unauthenticated';

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
 * several gateways in one process do not clash. Other layers (breaker, throttle, cache) add theirs
 * with `counter()`, `gauge()` and `histogram()`, which register into the same registry.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'operation' | 'outcome'>;
  private readonly operationDuration: Histogram<'operation'>;
  private readonly operationUpstreamRequests: Histogram<'operation'>;
  private readonly upstreamRequests: Counter<'status'>;
  private readonly upstreamSubRequests: Counter;
  private readonly upstreamBatchSize: Histogram;
  private readonly upstreamDuration: Histogram;
  private readonly upstreamErrors: Counter<'code'>;
  private readonly operationNames = new Set<string>();

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
    this.upstreamRequests = this.counter({
      name: 'gateway_upstream_requests_total',
      help: 'HTTP requests to the Graph API batch endpoint, by HTTP status ("none" when no answer arrived).',
      labelNames: ['status'],
    });
    this.upstreamSubRequests = this.counter({
      name: 'gateway_upstream_sub_requests_total',
      help: 'Sub-requests (one per user lookup) sent inside Graph API batches; each counts toward rate limits.',
    });
    this.upstreamBatchSize = this.histogram({
      name: 'gateway_upstream_batch_size',
      help: 'Sub-requests per Graph API batch request.',
      buckets: [1, 2, 5, 10, 20, 30, 40, 50],
    });
    this.upstreamDuration = this.histogram({
      name: 'gateway_upstream_request_duration_seconds',
      help: 'Duration of one HTTP exchange with the Graph API, body included.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.upstreamErrors = this.counter({
      name: 'gateway_upstream_errors_total',
      help: 'Failed user lookups (and fields) by gateway error code.',
      labelNames: ['code'],
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

  observeOperation({ name, outcome, durationMs, upstreamRequests }: OperationObservation): void {
    const operation = this.operationLabel(name);
    this.operations.inc({ operation, outcome });
    this.operationDuration.observe({ operation }, durationMs / 1000);
    this.operationUpstreamRequests.observe({ operation }, upstreamRequests);
  }

  /** Fits GraphClientOptions.onExchange. */
  observeExchange({ subRequests, status, durationMs }: UpstreamExchange): void {
    this.upstreamRequests.inc({ status: status === undefined ? 'none' : String(status) });
    this.upstreamSubRequests.inc(subRequests);
    this.upstreamBatchSize.observe(subRequests);
    this.upstreamDuration.observe(durationMs / 1000);
  }

  /** Wraps the upstream FetchProfiles so every failed lookup is counted by its code. */
  countUpstreamErrors(fetch: FetchProfiles): FetchProfiles {
    return async (requests) => {
      const results = await fetch(requests);
      for (const result of results) this.countErrors(result);
      return results;
    };
  }

  private countErrors(result: ProfileResult): void {
    if (result instanceof Error) {
      this.upstreamErrors.inc({ code: result instanceof GatewayError ? result.code : 'INTERNAL_SERVER_ERROR' });
    } else if (result.kind === 'profile') {
      for (const error of result.fieldErrors?.values() ?? []) this.upstreamErrors.inc({ code: error.code });
    }
  }

  private operationLabel(name: string | null | undefined): string {
    if (name === undefined) return UNRESOLVED;
    if (name === null) return ANONYMOUS;
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return OTHER_OPERATIONS;
    this.operationNames.add(name);
    return name;
  }
}
