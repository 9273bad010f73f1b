import type { CacheOutcome } from '../cache/profile-cache.js';
import { GatewayError } from '../errors.js';
import type { Breaker } from '../graph-api/breaker.js';
import type { UpstreamExchange } from '../graph-api/client.js';
import type { LookupLayer, ProfileResult } from '../graph-api/lookup.js';
import type { Throttle } from '../graph-api/throttle.js';
import type { GatewayMetrics } from '../observability/metrics.js';

/** What the Page gauges read of a Page. */
interface ObservedPage {
  readonly id: string | undefined;
  readonly breaker: Breaker;
  readonly throttle: Throttle;
}

const FIGURES = ['call_count', 'total_cputime', 'total_time'] as const;
const BREAKER_GAUGE = { closed: 0, open: 1, 'half-open': 2 } as const;

/** What every Page's chain reports: its HTTP exchanges, failed lookups, and cache outcomes. */
export class UpstreamMetrics {
  private readonly requests;
  private readonly subRequests;
  private readonly batchSize;
  private readonly duration;
  private readonly errors;
  private readonly cacheLookups;

  constructor(metrics: GatewayMetrics) {
    this.requests = metrics.counter({
      name: 'gateway_upstream_requests_total',
      help: 'HTTP requests to the Graph API batch endpoint, by HTTP status ("none" when no answer arrived).',
      labelNames: ['status'],
    });
    this.subRequests = metrics.counter({
      name: 'gateway_upstream_sub_requests_total',
      help: 'Sub-requests (one per user lookup) sent inside Graph API batches; each counts toward rate limits.',
    });
    this.batchSize = metrics.histogram({
      name: 'gateway_upstream_batch_size',
      help: 'Sub-requests per Graph API batch request.',
      buckets: [1, 2, 5, 10, 20, 30, 40, 50],
    });
    this.duration = metrics.histogram({
      name: 'gateway_upstream_request_duration_seconds',
      help: 'Duration of one HTTP exchange with the Graph API, body included.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.errors = metrics.counter({
      name: 'gateway_upstream_errors_total',
      help: 'Failed user lookups (and fields) by gateway error code.',
      labelNames: ['code'],
    });
    this.cacheLookups = metrics.counter({
      name: 'gateway_cache_lookups_total',
      help: 'User lookups by where the profile cache answered them from: hit, partial (some fields fetched), coalesced (joined a lookup under way), miss, stale.',
      labelNames: ['result'],
    });
  }

  /** Fits GraphClientOptions.onExchange. */
  observeExchange({ subRequests, status, durationMs }: UpstreamExchange): void {
    this.requests.inc({ status: status === undefined ? 'none' : String(status) });
    this.subRequests.inc(subRequests);
    this.batchSize.observe(subRequests);
    this.duration.observe(durationMs / 1000);
  }

  /** Fits ProfileCacheOptions.observe. */
  observeCache(outcome: CacheOutcome): void {
    this.cacheLookups.inc({ result: outcome });
  }

  /** The chain layer that counts every failed lookup (and field) by its code. */
  countErrors(): LookupLayer {
    return (next) => async (requests, call) => {
      const answer = await next(requests, call);
      for (const result of answer.results) this.countError(result);
      return answer;
    };
  }

  private countError(result: ProfileResult): void {
    if (result instanceof Error) {
      this.errors.inc({ code: result instanceof GatewayError ? result.code : 'INTERNAL_SERVER_ERROR' });
    } else if (result.kind === 'profile') {
      for (const error of result.fieldErrors?.values() ?? []) this.errors.inc({ code: error.code });
    }
  }
}

/** Each Page's breaker and latest Graph API usage, read when /metrics is scraped. */
export function observePages(metrics: GatewayMetrics, pages: readonly ObservedPage[]): void {
  const label = (page: ObservedPage) => page.id ?? 'default';
  metrics.gauge({
    name: 'gateway_breaker_state',
    help: 'Circuit breaker of each Page: 0 closed, 1 open, 2 half-open (probing).',
    labelNames: ['page'],
    collect() {
      for (const page of pages) this.set({ page: label(page) }, BREAKER_GAUGE[page.breaker.state]);
    },
  });
  metrics.gauge({
    name: 'gateway_rate_limit_usage_percent',
    help: 'Latest usage the Graph API reported per Page (X-App-Usage as header="app", the highest X-Business-Use-Case-Usage entry as header="business_use_case").',
    labelNames: ['page', 'header', 'figure'],
    collect() {
      for (const page of pages) {
        const latest = page.throttle.latest;
        if (!latest) continue;
        for (const figure of FIGURES) {
          if (latest.app) this.set({ page: label(page), header: 'app', figure }, latest.app[figure]);
          if (latest.businessUseCases.length > 0) {
            const peak = Math.max(...latest.businessUseCases.map((b) => b[figure]));
            this.set({ page: label(page), header: 'business_use_case', figure }, peak);
          }
        }
      }
    },
  });
  metrics.gauge({
    name: 'gateway_rate_limit_retry_after_seconds',
    help: 'Seconds until the gateway calls the Graph API again for each Page (0 when not throttled).',
    labelNames: ['page'],
    collect() {
      for (const page of pages) this.set({ page: label(page) }, page.throttle.retryAfterSeconds() ?? 0);
    },
  });
}
