import { renderTable } from '../src/cli/output';
import { workersJson } from '../test/helpers/app-fixture';
import { startTestPlatform } from '../test/helpers/platform';
import { waitFor } from '../test/helpers/wait';
import { AUTOSCALE_APP, deployAutoscaleApp, firstByteMs } from './cold-start';
import { median } from './stats';

/**
 * What autoscaling costs a caller, from one run of examples/autoscale (SimpleAutoScaler 0..3
 * workers, maxQueueSize 1, step 1, idle 2 s, concurrency 1):
 * - cold start: request to first byte with no worker running (one starts for it), against a warm
 *   request to the same trivial route;
 * - a burst of N slow (1.5 s) requests from one warm worker: its makespan against the ideal for
 *   max workers, ceil(N / maxWorkers) * 1.5 s (what 3 workers already running would take).
 */

const MAX_WORKERS = 3;
const HANDLER_MS = 1500;
const BURST = 12;
const WARM_SAMPLES = 10;

export async function run(): Promise<void> {
  const platform = await startTestPlatform();
  try {
    await deployAutoscaleApp(platform, { min_workers: 0, max_workers: MAX_WORKERS, max_queue_size: 1, scale_up_step: 1, max_idle_time: 2 });
    await waitFor('scaled to zero', async () => (await workersJson(platform, AUTOSCALE_APP, false)).length === 0, 60_000, 200);

    const firstByte = (query: string) => firstByteMs(platform, query);
    const coldMs = await firstByte('?ms=0');
    const warm: number[] = [];
    for (let i = 0; i < WARM_SAMPLES; i++) warm.push(await firstByte('?ms=0'));
    const warmMs = median(warm);

    const started = performance.now();
    await Promise.all(Array.from({ length: BURST }, () => firstByte(`?ms=${HANDLER_MS}`)));
    const makespanMs = performance.now() - started;
    const idealMs = Math.ceil(BURST / MAX_WORKERS) * HANDLER_MS;
    const oneWorkerMs = BURST * HANDLER_MS;

    console.log(`Autoscaling: cold start from zero workers, and a burst of ${BURST} x ${HANDLER_MS} ms requests (concurrency 1, max ${MAX_WORKERS} workers).`);
    console.log(
      renderTable(
        [
          { what: 'warm request, first byte (median of 10)', ms: warmMs, base: 'warm', ratio: 1 },
          { what: 'cold start: request to first byte from zero workers', ms: coldMs, base: 'warm', ratio: coldMs / warmMs },
          { what: `ideal burst makespan, ${MAX_WORKERS} workers ready`, ms: idealMs, base: 'ideal', ratio: 1 },
          { what: `burst makespan, scaling from 1 worker`, ms: makespanMs, base: 'ideal', ratio: makespanMs / idealMs },
          { what: 'burst on 1 worker (computed: N x 1.5 s)', ms: oneWorkerMs, base: 'ideal', ratio: oneWorkerMs / idealMs },
        ],
        [
          { header: 'WHAT', value: (r) => r.what },
          { header: 'MS', value: (r) => Math.round(r.ms) },
          { header: 'RATIO_TO', value: (r) => `${r.ratio.toFixed(2)} x ${r.base}` },
        ],
      ),
    );
  } finally {
    await platform.stop();
  }
}
