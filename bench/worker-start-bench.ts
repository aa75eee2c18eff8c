import { availableParallelism } from 'node:os';
import { renderTable } from '../src/cli/output';
import type { TestPlatform } from '../test/helpers/platform';
import { waitFor } from '../test/helpers/wait';
import { AUTOSCALE_APP, deployAutoscaleApp, firstByteMs } from './cold-start';
import { bareNodeIdleRssKb, bareNodeStartMs } from './node-start';
import { keeperPids, workerPids } from '../test/helpers/process-tree';
import { processName, rssKb } from './process-memory';
import { phaseRows, startPhases, type StartPhases } from './start-phases';
import { median } from './stats';
import { liveWorkers, scaleDown, scaleUpOne } from './workers-api';
import { onRuntime, type RuntimeKind } from './on-runtime';

/**
 * What a worker's start costs on each runtime, against the floor of any start, a bare `node`
 * serving HTTP, measured in the same run (the machine is noisy, so figures are ratios to it):
 * - worker start: manual scale-up of one worker to the worker listed FREE (probed ready);
 * - cold start: a request to first byte when the app has no worker (one starts for it), with
 *   where its time went (start-phases.ts);
 * - idle memory: a worker's processes together, a second after its first answer, with the
 *   monitor that stays beside a container (conmon, or `runc run` where conmon is not installed),
 *   which the worker costs the machine as much as its own processes.
 * Targets: a container adds at most 50 ms to a worker start over a bare process; a cold start in a
 * container takes at most 2x, an idle container worker at most 1.3x the memory of, a bare node.
 *
 * One app serves both: examples/autoscale with minWorkers 0, so the autoscaler never adds a worker
 * of its own and scales up from zero for a cold start, and maxIdleTime 600 s, so it never removes
 * the worker a sample scaled up by hand; the bench drains each one itself. One app means one image
 * build per runtime, which keeps the whole bench within about two minutes.
 */

const NODE_RUNS = 7;
// More than a handful: this bench polls the worker list every 10 ms, so each sample carries 0–10 ms of its own wait.
const START_RUNS = 7;
const COLD_RUNS = 5;
/** How often a starting worker's status is polled: as often as the controller probes it on the clock in its first second. */
const POLL_MS = 10;
const TARGET_EXTRA_MS = 50;
const RUNTIMES: readonly RuntimeKind[] = ['process', 'container'];

/** One start's phases, on the wall clock this process shares with the server: they add up to the total. */
interface StartSample {
  totalMs: number;
  /** Scale-up request → worker created: the API call and the controller's pass. */
  createMs: number;
  /** Worker created → launched: image and volumes ready, network and bundle made, runc (or node) spawned. */
  launchMs: number;
  /** Worker launched → seen FREE: the container's creation, node's boot and the first successful probe. */
  readyMs: number;
}

interface RuntimeFigures {
  start: StartSample;
  /** The median cold start, with its phases. */
  cold: StartPhases;
  /** An idle worker's resident memory, all its processes together, its monitor included. */
  idleRssKb: number;
  /** Of that, what keeps it from outside (a container's conmon or `runc run`), and that process's name. */
  keeperRssKb: number;
  keeperName: string;
}

/** How long a worker (and the bare node it is weighed against) sits idle after its first answer before its memory is read. */
const IDLE_MS = 1000;
const TARGET_COLD_RATIO = 2;
const TARGET_MEMORY_RATIO = 1.3;

function waitNoWorker(platform: TestPlatform): Promise<true> {
  return waitFor('no worker left', async () => (await liveWorkers(platform, AUTOSCALE_APP)).length === 0, 60_000, POLL_MS);
}

async function drainAll(platform: TestPlatform): Promise<void> {
  await scaleDown(platform, AUTOSCALE_APP, (await liveWorkers(platform, AUTOSCALE_APP)).map((w) => w.id));
  await waitNoWorker(platform);
}

async function workerStart(platform: TestPlatform): Promise<StartSample> {
  const sent = Date.now();
  const id = await scaleUpOne(platform, AUTOSCALE_APP);
  const worker = await waitFor(
    `worker ${id} ready`,
    async () => (await liveWorkers(platform, AUTOSCALE_APP)).find((w) => w.id === id && w.detailStatus === 'DETAIL_STATUS_FREE'),
    60_000,
    POLL_MS,
  );
  const seen = Date.now();
  const created = Date.parse(worker.createdAt);
  const launched = Date.parse(worker.launchAt ?? '');
  const sample = { totalMs: seen - sent, createMs: created - sent, launchMs: launched - created, readyMs: seen - launched };
  await drainAll(platform);
  return sample;
}

/**
 * Every worker may use all the machine's CPUs: this bench weighs what a container costs, not the
 * CPU limit an app asks for. With the example's 1 CPU the quota throttles the boot's parallel
 * work (V8's threads, esbuild compiling app.ts), which a process, unlimited, does not feel.
 */
const CPU_NUM = availableParallelism();

async function measureRuntime(platform: TestPlatform): Promise<RuntimeFigures> {
  await deployAutoscaleApp(platform, { min_workers: 0, max_workers: 1, max_queue_size: 1, scale_up_step: 1, max_idle_time: 600 }, CPU_NUM);
  // The deploy's worker unpacked the image: every sample below starts from a warm image cache.
  await drainAll(platform);
  const starts: StartSample[] = [];
  for (let i = 0; i < START_RUNS; i++) starts.push(await workerStart(platform));
  const cold: StartPhases[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const sentAt = Date.now();
    const ms = await firstByteMs(platform, '?ms=0');
    const [worker] = await liveWorkers(platform, AUTOSCALE_APP);
    if (!worker) throw new Error('no worker served the cold start');
    cold.push(await startPhases(platform, AUTOSCALE_APP, worker, sentAt, sentAt + ms));
    await drainAll(platform);
  }
  const id = await scaleUpOne(platform, AUTOSCALE_APP);
  await firstByteMs(platform, '?ms=0');
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const pids = workerPids(id);
  const keepers = keeperPids(id, pids);
  const keeperRssKb = rssKb(keepers);
  const idleRssKb = rssKb(pids) + keeperRssKb;
  const keeperName = keepers.map(processName).join(', ') || 'none';
  await drainAll(platform);
  // The median of each, with its own phases (medians of each phase would not add up).
  const start = [...starts].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(starts.length / 2)] as StartSample;
  const coldMedian = [...cold].sort((a, b) => a.answeredMs - b.answeredMs)[Math.floor(cold.length / 2)] as StartPhases;
  return { start, cold: coldMedian, idleRssKb, keeperRssKb, keeperName };
}

export async function run(): Promise<void> {
  const began = performance.now();
  const node: number[] = [];
  for (let i = 0; i < NODE_RUNS; i++) node.push(await bareNodeStartMs());
  const nodeMs = median(node);
  const nodeRssKb = await bareNodeIdleRssKb(IDLE_MS);
  const figures = {} as Record<RuntimeKind, RuntimeFigures>;
  for (const runtime of RUNTIMES) figures[runtime] = await onRuntime(runtime, measureRuntime);

  const row = (what: string, ms: number) => ({ what, ms, ratio: ms / nodeMs });
  const rows = [row(`bare node: spawn to first 200 (median of ${NODE_RUNS})`, nodeMs)];
  for (const runtime of RUNTIMES) {
    const { start, cold } = figures[runtime];
    rows.push(
      row(`${runtime}: worker start, scale-up to FREE (median of ${START_RUNS})`, start.totalMs),
      row(`${runtime}:   scale-up request to worker created`, start.createMs),
      row(`${runtime}:   created to launched (image, network, bundle, spawn)`, start.launchMs),
      row(`${runtime}:   launched to seen FREE (runc or fork, node boot, probe)`, start.readyMs),
      row(`${runtime}: cold start, request to first byte from zero (median of ${COLD_RUNS})`, cold.answeredMs),
      ...phaseRows(runtime, cold).map((r) => row(r.what, r.ms)),
    );
  }
  const extraMs = figures.container.start.totalMs - figures.process.start.totalMs;
  console.log(`Worker start: a bare node floor, then each runtime on its own server, one app (${CPU_NUM} CPUs a worker), warm image cache.`);
  console.log(
    renderTable(rows, [
      { header: 'WHAT', value: (r) => r.what },
      { header: 'MS', value: (r) => Math.round(r.ms) },
      { header: 'RATIO_TO', value: (r) => `${r.ratio.toFixed(2)} x node` },
    ]),
  );
  console.log(`container over process: worker start +${Math.round(extraMs)} ms, cold start +${Math.round(figures.container.cold.answeredMs - figures.process.cold.answeredMs)} ms`);
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  console.log(`idle memory after ${IDLE_MS} ms, all processes: bare node:http ${mb(nodeRssKb)}; ${RUNTIMES.map((r) => `${r} worker ${mb(figures[r].idleRssKb)} (${(figures[r].idleRssKb / nodeRssKb).toFixed(2)} x)`).join('; ')}`);
  const { idleRssKb, keeperRssKb, keeperName } = figures.container;
  console.log(`  of the container worker's: its own processes ${mb(idleRssKb - keeperRssKb)} (${((idleRssKb - keeperRssKb) / nodeRssKb).toFixed(2)} x), its monitor (${keeperName}) ${mb(keeperRssKb)}`);
  const coldRatio = figures.container.cold.answeredMs / nodeMs;
  const memoryRatio = figures.container.idleRssKb / nodeRssKb;
  console.log('Targets');
  console.log(`  container adds <= ${TARGET_EXTRA_MS} ms to a worker start: ${Math.round(extraMs)} ms  ${extraMs <= TARGET_EXTRA_MS ? 'met' : 'MISSED'}`);
  console.log(`  container cold start <= ${TARGET_COLD_RATIO} x bare node: ${coldRatio.toFixed(2)} x  ${coldRatio <= TARGET_COLD_RATIO ? 'met' : 'MISSED'}`);
  console.log(`  idle container worker <= ${TARGET_MEMORY_RATIO} x bare node:http memory: ${memoryRatio.toFixed(2)} x  ${memoryRatio <= TARGET_MEMORY_RATIO ? 'met' : 'MISSED'}`);
  console.log(`(bench took ${((performance.now() - began) / 1000).toFixed(0)} s)`);
}
