import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';
import type { BlobStore } from '../../blobs/blob-store';
import type { WorkerLaunch } from '../runtime';
import { ImageUnpacker } from './image-unpacker';
import { VolumeTrees, type VolumeRevisionRef } from './volume-trees';
import type { WorkerFolders } from './worker-log';

/** Where a worker runs: its image's root filesystem, and each volume's tree by name. */
export interface WorkerTrees {
  rootfs: string;
  volumes: Map<string, string>;
}

/** What a worker's start writes down of the trees it holds: enough to hold them again. */
interface HeldTrees {
  layers: { digest: string }[];
  volumes: VolumeRevisionRef[];
}

const HELD_FILE = 'trees.json';

/**
 * The unpacked images (`<data>/images`) and volume trees (`<data>/volume-trees`) this machine's
 * workers run on, the same for every local runtime. A worker holds its trees from its start to
 * its end; `removeUnused` removes only trees no worker holds that nobody asked for since its
 * cut-off. What a worker holds is also written into its folder before its process exists, so a
 * restarted server holds the same for each worker it adopts.
 */
export class LocalTrees {
  private readonly images: ImageUnpacker;
  private readonly volumes: VolumeTrees;
  private readonly held = new Map<string, () => void>();
  /** Adopted workers whose start wrote nothing down (an older server's): while one runs, any tree may be its. */
  private readonly unknown = new Set<string>();
  private adopted = false;

  constructor(
    blobs: BlobStore,
    dataDir: string,
    private readonly folders: WorkerFolders,
  ) {
    this.images = new ImageUnpacker(blobs, join(dataDir, 'images'));
    this.volumes = new VolumeTrees(blobs, join(dataDir, 'volume-trees'));
  }

  /** The launch's trees, made where absent but not held: for getting an image ready, or a command beside a running (so holding) worker. */
  async ready(launch: WorkerLaunch): Promise<WorkerTrees> {
    const rootfs = await this.images.ensureUnpacked(launch.image);
    const volumes = new Map<string, string>();
    for (const volume of launch.volumes) volumes.set(volume.name, await this.volumes.ensure(volume));
    return { rootfs, volumes };
  }

  /** As `ready`, and held for the worker until `release`. */
  private async hold(launch: WorkerLaunch): Promise<WorkerTrees> {
    const trees: HeldTrees = {
      layers: launch.image.layers.map(({ digest }) => ({ digest })),
      volumes: launch.volumes.map(({ volumeId, revision }) => ({ volumeId, revision })),
    };
    // Held before anything is awaited, so no sweep between here and the process takes them.
    this.take(launch.workerId, trees);
    const folder = this.folders.folder(launch.workerId);
    await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(join(folder, HELD_FILE), JSON.stringify(trees));
    return this.ready(launch);
  }

  /**
   * After a server start, with the workers the runtime took back: each holds again what its start
   * wrote down. Until then nothing is removed, for what runs is not known yet (a standby's case).
   */
  async adopt(workerIds: Iterable<string>): Promise<void> {
    for (const workerId of workerIds) {
      const text = await ifExists(fs.readFile(join(this.folders.folder(workerId), HELD_FILE), 'utf8'));
      if (text === undefined) this.unknown.add(workerId);
      else this.take(workerId, JSON.parse(text) as HeldTrees);
    }
    this.adopted = true;
  }

  /** Starts a worker with its trees held for it; a start that fails lets them go again. */
  async startHolding<T>(launch: WorkerLaunch, start: (trees: WorkerTrees) => Promise<T>): Promise<T> {
    try {
      return await start(await this.hold(launch));
    } catch (error) {
      this.release(launch.workerId);
      throw error;
    }
  }

  /** The worker ended (or never started): its trees are free to go once unused long enough. */
  release(workerId: string): void {
    this.held.get(workerId)?.();
    this.held.delete(workerId);
    this.unknown.delete(workerId);
  }

  /** Removes the trees no worker holds and nobody asked for since `before` (ms since the epoch); returns their paths. */
  async removeUnused(before: number): Promise<string[]> {
    if (!this.adopted || this.unknown.size > 0) return [];
    return [...(await this.images.removeUnused(before)), ...(await this.volumes.removeUnused(before))];
  }

  private take(workerId: string, trees: HeldTrees): void {
    const releases = [this.images.hold(trees.layers), ...trees.volumes.map((volume) => this.volumes.hold(volume))];
    this.release(workerId);
    this.held.set(workerId, () => releases.forEach((release) => release()));
  }
}
