import type { Counter } from 'prom-client';
import type { CacheOutcome } from '../cache/profile-cache.js';
import { GatewayError } from '../core/errors.js';
import type { Breaker } from './breaker.js';
import type { UpstreamExchange } from '../graph-api/client.js';
import type { LookupCall, ProfileResult } from '../core/lookup.js';
import type { Throttle } from './throttle.js';
import type { TokenHealth } from './token.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { CallerLookupResult, CountCallerLookups } from './budgets.js';

/** What the Page gauges read of a Page. */
interface ObservedPage {
  readonly id: string | undefined;
  readonly breaker: Breaker;
  readonly throttle: Throttle;
  readonly token: TokenHealth;
}

const FIGURES = ['call_count', 'total_cputime', 'total_time'] as const;
const BREAKER_GAUGE = { closed: 0, open: 1, 'half-open': 2 } as const;
/** The caller label of lookups made for no caller (an open endpoint). */
const NO_CALLER = '(none)';

/** What every Page's chain reports: its HTTP exchanges, failed lookups, and cache outcomes. */
export class UpstreamMetrics {
  private readonly requests;
  private readonly subRequests;
  private readonly batchSize;
  private readonly duration;
  private readonly errors;
  private readonly cacheLookups;
  private readonly callerLookups;
  // Private: one labelled child per caller and result, looked up by name, so counting a lookup
  // allocates nothing.
  private readonly callerCounters = new Map<string, Record<CallerLookupResult, Counter.Internal>>();

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
    this.callerLookups = metrics.counter({
      name: 'gateway_caller_lookups_total',
      help: 'User lookups per caller and result: upstream (let through to the Graph API), cache (answered by the profile cache or a lookup under way), over_budget (past the caller\'s lookupsPerMinute), shed (a bulk caller\'s, while the Page\'s usage is high).',
      labelNames: ['caller', 'result'],
    });
  }

  /** Each cache outcome's counter, so a lookup skips prom-client's label hashing. */
  private readonly cacheCounters = new Map<CacheOutcome, { inc(): void }>();

  /** Fits CountCallerLookups. */
  readonly countCallerLookups: CountCallerLookups = (caller, result, count) => {
    const name = caller?.metricLabel ?? caller?.name ?? NO_CALLER;
    let counters = this.callerCounters.get(name);
    if (!counters) {
      const child = (of: CallerLookupResult) => this.callerLookups.labels(name, of);
      counters = { upstream: child('upstream'), cache: child('cache'), over_budget: child('over_budget'), shed: child('shed') };
      this.callerCounters.set(name, counters);
    }
    counters[result].inc(count);
  };

  /** Fits GraphClientOptions.onExchange. */
  observeExchange({ subRequests, status, durationMs }: UpstreamExchange): void {
    this.requests.inc({ status: status === undefined ? 'none' : String(status) });
    this.subRequests.inc(subRequests);
    this.batchSize.observe(subRequests);
    this.duration.observe(durationMs / 1000);
  }

  /** Fits ProfileCacheOptions.observe: per result, and per caller for those the cache answered. */
  observeCache(outcome: CacheOutcome, call: LookupCall): void {
    let counter = this.cacheCounters.get(outcome);
    if (!counter) this.cacheCounters.set(outcome, (counter = this.cacheLookups.labels(outcome)));
    counter.inc();
    if (outcome === 'hit' || outcome === 'coalesced') this.countCallerLookups(call.caller, 'cache', 1);
  }

  /** Counts a failed lookup, or each field that failed, by code. */
  countError(result: ProfileResult): void {
    if (result instanceof Error) {
      this.errors.inc({ code: result instanceof GatewayError ? result.code : 'INTERNAL_SERVER_ERROR' });
    } else if (result.kind === 'profile') {
      for (const error of result.fieldErrors?.values() ?? []) this.errors.inc({ code: error.code });
    }
  }
}

const TOKEN_STATES = ['valid', 'invalid', 'unknown'] as const;

/** Each Page's breaker, token and latest Graph API usage, read when /metrics is scraped (the Pages as configured then). */
export function observePages(metrics: GatewayMetrics, registry: { readonly all: readonly ObservedPage[] }, clock: () => number): void {
  const label = (page: ObservedPage) => page.id ?? 'default';
  metrics.gauge({
    name: 'gateway_page_token_state',
    help: 'State of each Page token, one series per state set to 1 for the current one: valid, invalid (the Graph API refuses it; lookups fail fast), unknown.',
    labelNames: ['page', 'state'],
    collect() {
      this.reset();
      for (const page of registry.all) for (const state of TOKEN_STATES) this.set({ page: label(page), state }, page.token.state === state ? 1 : 0);
    },
  });
  metrics.gauge({
    name: 'gateway_page_token_expires_in_seconds',
    help: 'Seconds until each Page token (or its data access, whichever first) expires, per debug_token (APP_ID and APP_SECRET); absent for a token that never expires or was not checked.',
    labelNames: ['page'],
    collect() {
      this.reset();
      for (const page of registry.all) {
        const facts = page.token.facts;
        const soonest = Math.min(facts?.expiresAt ?? Infinity, facts?.dataAccessExpiresAt ?? Infinity);
        if (Number.isFinite(soonest)) this.set({ page: label(page) }, Math.round((soonest - clock()) / 1000));
      }
    },
  });
  metrics.gauge({
    name: 'gateway_breaker_state',
    help: 'Circuit breaker of each Page: 0 closed, 1 open, 2 half-open (probing).',
    labelNames: ['page'],
    collect() {
      for (const page of registry.all) this.set({ page: label(page) }, BREAKER_GAUGE[page.breaker.state]);
    },
  });
  metrics.gauge({
    name: 'gateway_rate_limit_usage_percent',
    help: 'Latest usage the Graph API reported per Page (X-App-Usage as header="app", X-Page-Usage as header="page", the highest X-Business-Use-Case-Usage entry as header="business_use_case").',
    labelNames: ['page', 'header', 'figure'],
    collect() {
      for (const page of registry.all) {
        const latest = page.throttle.latest;
        if (!latest) continue;
        for (const figure of FIGURES) {
          if (latest.app) this.set({ page: label(page), header: 'app', figure }, latest.app[figure]);
          if (latest.page) this.set({ page: label(page), header: 'page', figure }, latest.page[figure]);
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
      for (const page of registry.all) this.set({ page: label(page) }, page.throttle.retryAfterSeconds() ?? 0);
    },
  });
}
