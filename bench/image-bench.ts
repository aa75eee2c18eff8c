import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../src/cli/output';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { resolveImage } from '../src/server/registry/image-resolver';
import { ImageUnpacker } from '../src/server/runtime/local/image-unpacker';
import { SqliteStore } from '../src/server/store/sqlite/sqlite-store';
import { startTestPlatform, type TestPlatform } from '../test/helpers/platform';
import { copyBaseline, CP_RUNS } from './copy-baseline';
import { settleBefore, settleNote } from './page-cache';
import { peakRss, resetPeakRss, runCliMeasured } from './peak-rss';
import { countPlatformCpu, cpuBoundRatio, cpuColumnsNote, threadBoundRatio, type TransferCpu } from './transfer-cpu';
import { mibFiles } from './volume-datasets';

/**
 * `everai image build` of an app folder holding 1 GiB, and the unpack of that image a first
 * worker waits for, each against `cp -r` of the folder on the same disk in the same run. The
 * unpack runs in this process, as the server's runtime would run it, from the server's blobs. Then
 * a second build with nothing changed, which should cost little whatever the folder holds.
 */

const MB = 1e6;
const DATA = mibFiles(1024);
const IMAGE = 'bench/data:v1';

interface Figure {
  operation: string;
  seconds: number;
  cliRss?: number;
  serverRss?: number;
  /** The CPU each process spent on the step (the build's CLI, HAProxy and the server). */
  cpu?: TransferCpu;
}

const cpuSeconds = (f: Figure, part: keyof TransferCpu) => (f.cpu === undefined ? '-' : f.cpu[part].toFixed(2));

/** `everai image build` in `app`, with the CLI's and the server's peak RSS and each process's CPU. */
async function measuredBuild(operation: string, platform: TestPlatform, app: string): Promise<Figure> {
  resetPeakRss(platform.pid);
  const counted = countPlatformCpu(platform);
  const build = await runCliMeasured(['image', 'build'], platform.env, app);
  return { operation, seconds: build.seconds, cliRss: build.peakRss, serverRss: peakRss(platform.pid), cpu: counted(build.cpu) };
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function run(): Promise<void> {
  process.stderr.write(`image bench: starting a server; an app folder holding ${DATA.name}\n`);
  const platform = await startTestPlatform();
  const work = mkdtempSync(join(tmpdir(), 'everai-image-bench-'));
  try {
    const app = join(work, 'app');
    mkdirSync(join(app, 'data'), { recursive: true });
    writeFileSync(join(app, 'app.ts'), "export const app = 'data';\n");
    writeFileSync(join(app, 'image_builder.ts'), `export const IMAGE = '${IMAGE}';\n`);
    const store = new SqliteStore(join(platform.dataDir, 'state.db'));
    const figures: Figure[] = [];
    try {
      const blobs = new LocalBlobStore(join(platform.dataDir, 'blobs'));
      const unpacker = new ImageUnpacker(blobs, join(work, 'images'));
      const resolved = () => resolveImage({ store, blobs }, `admin/${IMAGE}`);
      // Untimed: the app without its data, built and unpacked once, as on a platform that has run
      // an app before. The base and SDK layers are then in the build cache, the registry and the
      // unpacked trees, and the timed steps move the folder's bytes, as cp -r does.
      await runCliMeasured(['image', 'build'], platform.env, app);
      await unpacker.ensureUnpacked(await resolved());
      DATA.write(join(app, 'data'));
      figures.push({ operation: 'cp -r', seconds: (await copyBaseline(app, join(work, 'copy'))).seconds });
      await settleBefore([app]);
      figures.push(await measuredBuild('image build', platform, app));
      const image = await resolved();
      await settleBefore(image.layers.map((layer) => blobs.localPath(layer.digest)));
      figures.push({ operation: 'unpack (first worker)', seconds: await seconds(() => unpacker.ensureUnpacked(image)) });
      // An unchanged rebuild reads the folder's listing, not its files.
      await settleBefore([]);
      // Nothing changed: what a second `everai image build` in a row costs.
      figures.push(await measuredBuild('image build, unchanged', platform, app));
    } finally {
      await store.close();
    }
    const cp = figures[0] as Figure;
    const unchanged = figures.find((f) => f.operation === 'image build, unchanged');
    console.log(
      [
        '',
        `Image build and unpack of an app folder holding ${DATA.name}, against cp -r of the folder (page cache warm).`,
        'The app was built and unpacked once without its data (untimed): the base and SDK layers are cached, pushed and unpacked.',
        settleNote(),
        `The cp -r figure is the median of ${CP_RUNS} copies.`,
        `${cpus().length} CPUs, shared by the CLI, HAProxy and the server: compare ratios, not absolutes.`,
        ...cpuColumnsNote(),
        '',
        renderTable(figures, [
          { header: 'OPERATION', value: (f) => f.operation },
          { header: 'SECONDS', value: (f) => f.seconds.toFixed(2) },
          { header: 'MB/S', value: (f) => (DATA.bytes / MB / f.seconds).toFixed(0) },
          { header: 'VS_CP', value: (f) => (f === cp ? '-' : `${(cp.seconds / f.seconds).toFixed(2)}x`) },
          { header: 'CLI_RSS_MB', value: (f) => (f.cliRss === undefined ? '-' : (f.cliRss / MB).toFixed(0)) },
          { header: 'SERVER_RSS_MB', value: (f) => (f.serverRss === undefined ? '-' : (f.serverRss / MB).toFixed(0)) },
          { header: 'CLI_CPU_S', value: (f) => cpuSeconds(f, 'cli') },
          { header: 'HAPROXY_CPU_S', value: (f) => cpuSeconds(f, 'haproxy') },
          { header: 'SERVER_CPU_S', value: (f) => cpuSeconds(f, 'server') },
          { header: 'CPU_BOUND_VS_CP', value: (f) => (f.cpu === undefined || f === unchanged ? '-' : `${cpuBoundRatio(cp.seconds, f.cpu).toFixed(2)}x`) },
          { header: 'BUSIEST_THREAD_S', value: (f) => cpuSeconds(f, 'busiestThread') },
          { header: 'THREAD_BOUND_VS_CP', value: (f) => (f.cpu === undefined || f === unchanged ? '-' : `${threadBoundRatio(cp.seconds, f.cpu).toFixed(2)}x`) },
        ]),
        '',
        'Targets',
        ...figures.filter((f) => f !== cp && f !== unchanged).map((f) => `  ${f.operation} >= 0.5x cp -r: ${(cp.seconds / f.seconds).toFixed(2)}x  ${cp.seconds / f.seconds >= 0.5 ? 'met' : 'MISSED'}`),
        '',
      ].join('\n'),
    );
  } finally {
    await platform.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
