import type { BlobStore } from '../blobs/blob-store';
import { resolveImage } from '../registry/image-resolver';
import type { WorkerLaunch } from '../runtime/runtime';
import type { AppRevisionRecord } from '../store/records';
import type { Store } from '../store/store';

/** What the runtime needs to start a worker of this revision: the image's layers and the app entry. */
export async function launchFor(
  deps: { store: Store; blobs: BlobStore },
  workerId: string,
  revision: AppRevisionRecord,
): Promise<WorkerLaunch> {
  const image = await resolveImage(deps, `${revision.spec.imageRepository}@${revision.spec.imageDigest}`);
  return {
    workerId,
    appId: revision.appId,
    image: { digest: image.digest, layers: image.layers },
    appFile: revision.spec.appFile,
    env: revision.spec.env,
  };
}
