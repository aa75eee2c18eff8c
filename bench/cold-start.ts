import { join } from 'node:path';
import { copyExampleApp, deployApp, editFile } from '../test/helpers/app-fixture';
import { useNumericArgs } from '../test/helpers/autoscale';
import type { TestPlatform } from '../test/helpers/platform';

/** examples/autoscale: a SimpleAutoScaler app whose `/work?ms=N` answers after N ms, N = 0 a trivial route. */
export const AUTOSCALE_APP = 'autoscale';

export interface AutoscaleArgs {
  min_workers: number;
  max_workers: number;
  max_queue_size: number;
  scale_up_step: number;
  max_idle_time: number;
}

/**
 * Builds and deploys examples/autoscale with these autoscaler arguments (numbers: no configmap
 * needed), and `cpuNum` CPUs per worker when given (the example asks the default, 1).
 */
export async function deployAutoscaleApp(platform: TestPlatform, args: AutoscaleArgs, cpuNum?: number): Promise<void> {
  const dir = copyExampleApp(platform, AUTOSCALE_APP);
  useNumericArgs(dir, { ...args });
  if (cpuNum !== undefined) {
    editFile(join(dir, 'app.ts'), (text) =>
      text
        .replace("import { App, Image,", 'import { App, Image, ResourceRequests,')
        .replace('  concurrency: 1,', `  concurrency: 1,\n  resourceRequests: new ResourceRequests({ cpuNum: ${cpuNum} }),`),
    );
  }
  await deployApp(platform, dir, AUTOSCALE_APP);
}

/**
 * Milliseconds from sending `GET /work{query}` to the answer's headers, which the gateway sends
 * with the first body byte; with no worker running, that is a cold start.
 */
export async function firstByteMs(platform: TestPlatform, query: string): Promise<number> {
  const sent = performance.now();
  const res = await fetch(`${platform.url}/api/routes/v1/default/${AUTOSCALE_APP}/work${query}`, {
    headers: { authorization: `Bearer ${platform.token}` },
  });
  const ms = performance.now() - sent;
  await res.text();
  if (res.status !== 200) throw new Error(`request answered ${res.status}`);
  return ms;
}
