import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { debianMirror } from './apt-mirror';
import { runTool } from './run-tool';

/**
 * A Debian root filesystem made with debootstrap (minbase, and the packages asked for) from this
 * machine's mirror: its own userland, not this machine's files. The Python base image is one, and
 * so is the tests' Debian image (test/helpers/debian-image.ts).
 */

export const DEBIAN_SUITE = 'bookworm';

/** What a container needs none of; dropping it keeps the layer small (the runtime mounts its own /dev). */
const STRIP = ['var/lib/apt/lists', 'var/cache/apt', 'var/log', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'dev'];

/** debootstrap downloads and unpacks a few hundred packages: minutes, not hours. */
const DEBOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/** Why this machine cannot make a Debian root filesystem, or undefined when it can. */
export function debootstrapMissing(): string | undefined {
  if (spawnSync('which', ['debootstrap']).status !== 0) return 'debootstrap is not installed (Debian: apt-get install debootstrap)';
  // It unpacks packages as their owners and chroots to configure them.
  if (process.getuid?.() !== 0) return 'debootstrap needs root';
  if (!debianMirror()) return 'no Debian mirror in the apt sources of this machine (set EVERAI_DEBIAN_MIRROR)';
  return undefined;
}

/** Makes the root filesystem in `target` (an empty or missing folder) with `packages` installed, stripped of docs, caches and /dev. */
export async function debootstrapRootfs(target: string, packages: readonly string[]): Promise<void> {
  const missing = debootstrapMissing();
  if (missing) throw new Error(`cannot make a Debian root filesystem: ${missing}`);
  const include = packages.length > 0 ? [`--include=${packages.join(',')}`] : [];
  await runTool('debootstrap', ['--variant=minbase', ...include, DEBIAN_SUITE, target, debianMirror() as string], DEBOOTSTRAP_TIMEOUT_MS);
  for (const path of STRIP) {
    for (const entry of readdirSync(join(target, path))) rmSync(join(target, path, entry), { recursive: true, force: true });
  }
}
