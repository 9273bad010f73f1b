import { CircuitState } from 'cockatiel';
import type { GatewayMetrics } from './metrics.js';
import type { Pages, PageRuntime } from './pages.js';

const FIGURES = ['call_count', 'total_cputime', 'total_time'] as const;

/** Each Page's breaker and latest Graph API usage, read when /metrics is scraped. */
export function observePages(metrics: GatewayMetrics, pages: Pages): void {
  const label = (page: PageRuntime) => page.id ?? 'default';
  metrics.gauge({
    name: 'gateway_breaker_state',
    help: 'Circuit breaker of each Page: 0 closed, 1 open, 2 half-open (probing).',
    labelNames: ['page'],
    collect() {
      for (const page of pages.all) {
        const state = page.upstream.breaker.state;
        this.set({ page: label(page) }, state === CircuitState.Closed ? 0 : state === CircuitState.HalfOpen ? 2 : 1);
      }
    },
  });
  metrics.gauge({
    name: 'gateway_rate_limit_usage_percent',
    help: 'Latest usage the Graph API reported per Page (X-App-Usage as header="app", the highest X-Business-Use-Case-Usage entry as header="business_use_case").',
    labelNames: ['page', 'header', 'figure'],
    collect() {
      for (const page of pages.all) {
        const latest = page.upstream.throttle.latest;
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
      for (const page of pages.all) this.set({ page: label(page) }, page.upstream.throttle.retryAfterSeconds() ?? 0);
    },
  });
}
