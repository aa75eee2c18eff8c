import { spawn } from 'node:child_process';
import { renderTable } from '../src/cli/output';
import { EVERAI_BIN } from '../test/helpers/cli';
import { copyExampleApp, deployApp } from '../test/helpers/app-fixture';
import { startTestPlatform, type TestPlatform } from '../test/helpers/platform';
import { waitFor } from '../test/helpers/wait';
import { median } from './stats';

/**
 * What a user waits for at the CLI, against a running server with one app (examples/get-start),
 * each figure a ratio to `node -e 0` measured in the same run (the machine is noisy):
 * - `everai version`, `everai --help` (every command file loaded), `everai app list`,
 *   `everai worker list get-start`: start to exit;
 * - `everai app create` of an image already built and pushed, to the first 200 on its route
 *   (the app deleted between runs; its image stays unpacked).
 * Targets: the two lists within 2 x `node -e 0`; the create within 1 s.
 */

const RUNS = 7;
const CREATE_RUNS = 3;
const TARGET_LIST_RATIO = 2;
const TARGET_CREATE_MS = 1000;

/** Milliseconds from spawning `node args` to its exit 0. */
function runMs(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: 'ignore', ...(cwd ? { cwd } : {}) });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

async function medianOf(runs: number, once: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return median(times);
}

/** `app create` in `dir` to the first 200 of the app's route; the app is deleted again after. */
async function createToFirst200Ms(platform: TestPlatform, dir: string): Promise<number> {
  const started = performance.now();
  await runMs([EVERAI_BIN, 'app', 'create'], platform.env, dir);
  const url = `${platform.url}/api/apps/v1/routes/get-start/hello`;
  const headers = { authorization: `Bearer ${platform.token}` };
  await waitFor('the first 200', async () => (await fetch(url, { headers }).then((res) => res.status).catch(() => 0)) === 200, 60_000, 5);
  const ms = performance.now() - started;
  await runMs([EVERAI_BIN, 'app', 'delete', 'get-start', '--yes'], platform.env);
  await waitFor('the app gone', async () => (await fetch(url, { headers })).status === 404, 60_000, 20);
  return ms;
}

export async function run(): Promise<void> {
  const platform = await startTestPlatform();
  try {
    const dir = copyExampleApp(platform);
    await deployApp(platform, dir);
    const env = { ...process.env, ...platform.env };
    const nodeMs = await medianOf(RUNS, () => runMs(['-e', '0'], env));
    const versionMs = await medianOf(RUNS, () => runMs([EVERAI_BIN, 'version'], env));
    const helpMs = await medianOf(RUNS, () => runMs([EVERAI_BIN, '--help'], env));
    const appListMs = await medianOf(RUNS, () => runMs([EVERAI_BIN, 'app', 'list'], env));
    const workerListMs = await medianOf(RUNS, () => runMs([EVERAI_BIN, 'worker', 'list', 'get-start'], env));
    await runMs([EVERAI_BIN, 'app', 'delete', 'get-start', '--yes'], env);
    await waitFor('the app gone', async () => (await fetch(`${platform.url}/api/apps/v1/routes/get-start/hello`, { headers: { authorization: `Bearer ${platform.token}` } })).status === 404, 60_000, 20);
    const createMs = await medianOf(CREATE_RUNS, () => createToFirst200Ms(platform, dir));

    const row = (what: string, ms: number) => ({ what, ms, ratio: ms / nodeMs });
    console.log(`CLI: each command spawned and run to its exit (median of ${RUNS}), against a server with one app.`);
    console.log(
      renderTable(
        [
          row('node -e 0', nodeMs),
          row('everai version', versionMs),
          row('everai --help', helpMs),
          row('everai app list', appListMs),
          row('everai worker list get-start', workerListMs),
          row(`everai app create (image built) to first 200 (median of ${CREATE_RUNS})`, createMs),
        ],
        [
          { header: 'WHAT', value: (r) => r.what },
          { header: 'MS', value: (r) => Math.round(r.ms) },
          { header: 'RATIO_TO', value: (r) => `${r.ratio.toFixed(2)} x node -e 0` },
        ],
      ),
    );
    const listRatio = Math.max(appListMs, workerListMs) / nodeMs;
    console.log('Targets');
    console.log(`  app list and worker list <= ${TARGET_LIST_RATIO} x node -e 0: ${listRatio.toFixed(2)} x  ${listRatio <= TARGET_LIST_RATIO ? 'met' : 'MISSED'}`);
    console.log(`  app create to first 200 < ${TARGET_CREATE_MS} ms: ${Math.round(createMs)} ms  ${createMs < TARGET_CREATE_MS ? 'met' : 'MISSED'}`);
  } finally {
    await platform.stop();
  }
}
