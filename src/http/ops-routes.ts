import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BearerCheck } from './auth.js';
import { ErrorCode } from '../core/errors.js';
import { HttpError, sendJson } from './respond.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Readiness } from './readiness.js';

const HEALTH_PATH = '/healthz';
const READY_PATH = '/readyz';
const METRICS_PATH = '/metrics';

export interface OpsRoutesOptions {
  readonly readiness: Readiness;
  readonly metrics: GatewayMetrics;
  /** When set, /metrics needs this Bearer key. */
  readonly metricsAuthorized: BearerCheck | undefined;
}

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The endpoints for orchestrators and scrapers: liveness, readiness and Prometheus metrics. They
 * never need the GraphQL API key. Answers false for any other path.
 */
export function opsRoutes({ readiness, metrics, metricsAuthorized }: OpsRoutesOptions) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (path !== HEALTH_PATH && path !== READY_PATH && path !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `${path} answers GET only.`, undefined, { allow: 'GET, HEAD' });
    }
    if (path === HEALTH_PATH) {
      sendJson(res, 200, { status: 'ok' }, NO_STORE);
    } else if (path === READY_PATH) {
      const report = await readiness.report();
      sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', ...report }, NO_STORE);
    } else {
      if (metricsAuthorized && !metricsAuthorized(req.headers.authorization)) {
        throw new HttpError(401, 'Metrics need Authorization: Bearer <METRICS_API_KEY>.', ErrorCode.UNAUTHENTICATED, {
          'www-authenticate': 'Bearer',
        });
      }
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, ...NO_STORE });
      res.end(text);
    }
    return true;
  };
}
