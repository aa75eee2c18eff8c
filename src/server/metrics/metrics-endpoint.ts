import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EveraiError } from '../../contract/errors';
import { tokenFromRequest, type Authenticator } from '../auth';
import type { PlatformMetrics } from './metrics';

export const METRICS_PATH = '/metrics';

export interface MetricsEndpointDeps {
  auth: Authenticator;
  metrics: PlatformMetrics;
  /** A token that may read the metrics and nothing else (`--metrics-token`), for a Prometheus that should not hold the admin's. */
  scrapeToken: string | undefined;
  /** Resolves once every request served so far is counted (HAProxy's come in batches). */
  counted: (() => Promise<void>) | undefined;
}

/** Compares digests, which have one length, so neither the token's length nor its bytes leak through timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (token: string) => createHash('sha256').update(token).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** `GET /metrics`: the Prometheus text exposition format, for the scrape token or an admin's. */
export function metricsEndpoint(deps: MetricsEndpointDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (req.method !== 'GET') throw new EveraiError('EVERAI_BAD_REQUEST', `${req.method} is not allowed on ${METRICS_PATH}`);
    const token = tokenFromRequest(req);
    const scraper = deps.scrapeToken !== undefined && token !== undefined && sameToken(token, deps.scrapeToken);
    if (!scraper) {
      const user = await deps.auth.require(req);
      if (!user.isAdmin) throw new EveraiError('EVERAI_FORBIDDEN', 'only an admin (or the server\'s --metrics-token) may read the metrics');
    }
    await deps.counted?.();
    const { contentType, body } = await deps.metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
}
