import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { cliOk, waitDeployed, workersJson } from '../test/helpers/app-fixture';
import { runCli } from '../test/helpers/cli';
import type { TestPlatform } from '../test/helpers/platform';

/**
 * What a volume adds to a worker's start: the time from a worker's creation to its process's
 * launch (image and volumes made ready) for an app requesting `volume`, against the same image
 * without it. Both reuse an image unpacked beforehand, so the difference is the volume alone.
 */

const APP_TS = `import { App, Image, VolumeRequest } from 'everai';
import { IMAGE } from './image_builder';
// The app's name and volume come from the environment of \`everai app create\`, so one image serves both.
export const app = new App(process.env.BENCH_APP ?? 'plain', {
  image: Image.fromRegistry(IMAGE),
  volumeRequests: process.env.BENCH_VOLUME ? [new VolumeRequest(process.env.BENCH_VOLUME)] : [],
});
app.service.route('/hello', { methods: ['GET'] }, () => 'hello');
`;

async function launchDelayMs(platform: TestPlatform, dir: string, app: string, volume?: string): Promise<number> {
  const env = { ...platform.env, BENCH_APP: app, ...(volume ? { BENCH_VOLUME: volume } : {}) };
  const created = await runCli(['app', 'create'], { env, cwd: dir });
  if (created.code !== 0) throw new Error(`app create ${app} failed: ${created.stderr}`);
  await waitDeployed(platform, app);
  const [worker] = (await workersJson(platform, app, false)) as [WorkerView];
  return Date.parse(worker.launchAt ?? '') - Date.parse(worker.createdAt);
}

export interface VolumeStartFigures {
  withoutMs: number;
  withMs: number;
}

export async function measureVolumeStart(platform: TestPlatform, volume: string): Promise<VolumeStartFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'everai-volume-start-'));
  try {
    writeFileSync(join(dir, 'app.ts'), APP_TS);
    writeFileSync(join(dir, 'image_builder.ts'), "export const IMAGE = 'volume-start:v1';\n");
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
    await cliOk(platform, ['image', 'build'], dir);
    // The first worker of the image unpacks it; the two measured ones find it ready.
    await launchDelayMs(platform, dir, 'warm-up');
    const withoutMs = await launchDelayMs(platform, dir, 'no-volume');
    const withMs = await launchDelayMs(platform, dir, 'with-volume', volume);
    const apps = JSON.parse(await cliOk(platform, ['app', 'list', '-o', 'json'])) as AppView[];
    if (!apps.find((a) => a.name === 'with-volume')?.volumes.some((v) => v.name === volume)) {
      throw new Error(`app with-volume does not pin volume ${volume}`);
    }
    return { withoutMs, withMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
