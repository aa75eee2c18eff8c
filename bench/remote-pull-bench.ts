import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../src/cli/output';
import { buildImage } from '../src/client/image/oci-image-builder';
import { parseImageRef } from '../src/contract/image-ref';
import { LocalBlobStore } from '../src/server/blobs/local/local-blob-store';
import { pullLayers, resolveRemoteImage } from '../src/server/registry/remote/remote-image';
import { DOCKER_REGISTRY_MISSING, skopeoCopy, startDockerRegistry } from '../test/helpers/docker-registry';
import { MissingToolError } from './tools';
import { mibFiles } from './volume-datasets';

/**
 * Pulling a 1 GiB image from another registry (Debian's docker-registry on loopback) into the
 * server's blob store, as a deploy of an image there does, against `skopeo copy` of the same image
 * into an OCI layout on the same disk, in the same run.
 */

const MB = 1e6;
const DATA = mibFiles(1024);

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function run(): Promise<void> {
  if (DOCKER_REGISTRY_MISSING) throw new MissingToolError(DOCKER_REGISTRY_MISSING);
  process.stderr.write(`remote pull bench: an image holding ${DATA.name} on docker-registry\n`);
  const work = mkdtempSync(join(tmpdir(), 'everai-remote-pull-bench-'));
  const registry = await startDockerRegistry();
  try {
    const app = join(work, 'app');
    mkdirSync(app);
    DATA.write(app);
    await buildImage({ appDir: app, layoutDir: join(work, 'layout'), tag: 'v1' });
    rmSync(app, { recursive: true, force: true });
    const remote = `${registry.host}/bench/data:v1`;
    await skopeoCopy(`oci:${join(work, 'layout')}:v1`, `docker://${remote}`);
    rmSync(join(work, 'layout'), { recursive: true, force: true });

    const skopeo = await seconds(() => skopeoCopy(`docker://${remote}`, `oci:${join(work, 'skopeo')}:v1`));
    const ref = parseImageRef(remote);
    const blobs = new LocalBlobStore(join(work, 'blobs'));
    const everai = await seconds(async () => {
      const image = await resolveRemoteImage(blobs, { ...ref, host: registry.host }, undefined);
      await pullLayers(blobs, { host: registry.host, repository: 'bench/data', credentials: undefined }, image.layers);
    });
    const figures = [
      { operation: 'skopeo copy', seconds: skopeo },
      { operation: 'everai pull (server)', seconds: everai },
    ];
    const ratio = skopeo / everai;
    console.log(
      [
        '',
        `Pulling an image holding ${DATA.name} from docker-registry on loopback, against skopeo copy of it (same run).`,
        `${cpus().length} CPUs, shared with the registry: compare ratios, not absolutes.`,
        '',
        renderTable(figures, [
          { header: 'OPERATION', value: (f) => f.operation },
          { header: 'SECONDS', value: (f) => f.seconds.toFixed(2) },
          { header: 'MB/S', value: (f) => (DATA.bytes / MB / f.seconds).toFixed(0) },
        ]),
        '',
        'Targets',
        `  pull from another registry >= 0.5x skopeo copy: ${ratio.toFixed(2)}x  ${ratio >= 0.5 ? 'met' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
