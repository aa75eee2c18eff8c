import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnce } from '../../src/client/image/build-once';
import { debootstrapMissing, debootstrapRootfs } from '../../src/client/image/debian-rootfs';
import { runTool } from '../../src/client/image/run-tool';
import { skopeoCopy } from './docker-registry';
import type { WhoAmIView } from '../../src/contract/api-views';
import type { TestPlatform } from './platform';

/**
 * A Debian bookworm image with python3 and its own userland (debootstrap, not the host's files),
 * for tests that must prove a worker runs its image's programs. Built once per machine and
 * cached outside the repo; later runs only push it.
 */

/** A file only this image has: a worker that can read it runs on the image's root filesystem. */
export const DEBIAN_IMAGE_MARKER = { path: '/etc/everai-image-marker', content: 'everai debian-python test image\n' };

/** The tag in the cached OCI layout; pushes may name the image anything. */
const LAYOUT_TAG = '12';
/** Bump the suffix whenever the recipe below changes, so machines with an older cache build anew. */
const IMAGE_DIR = join(process.env.EVERAI_TEST_CACHE ?? '/var/cache/everai-test', 'debian-python-v1');
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const missingTools = (tools: string[]) => tools.filter((tool) => spawnSync('which', [tool]).status !== 0);

function skipReason(): string | false {
  if (existsSync(IMAGE_DIR)) {
    return missingTools(['skopeo']).length > 0 ? 'skopeo is not installed (apt-get install -y skopeo)' : false;
  }
  const missing = missingTools(['umoci', 'skopeo']);
  if (missing.length > 0) return `${missing.join(', ')} not installed (apt-get install -y umoci skopeo)`;
  const cannot = debootstrapMissing();
  return cannot ? `${IMAGE_DIR} holds no Debian image yet, and this machine cannot build one: ${cannot}` : false;
}

/** Why tests of the Debian image cannot run on this machine, or false when they can. */
export const DEBIAN_IMAGE_MISSING = skipReason();

/** Builds rootfs/ and layout/ (an OCI layout tagged LAYOUT_TAG) under `dir`. */
async function build(dir: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  const image = `${join(dir, 'layout')}:${LAYOUT_TAG}`;
  await debootstrapRootfs(rootfs, ['python3']);
  writeFileSync(join(rootfs, DEBIAN_IMAGE_MARKER.path), DEBIAN_IMAGE_MARKER.content);
  await runTool('umoci', ['init', '--layout', join(dir, 'layout')], 60_000);
  await runTool('umoci', ['new', '--image', image], 60_000);
  await runTool('umoci', ['insert', '--image', image, rootfs, '/'], 10 * 60_000);
  await runTool('umoci', ['config', '--image', image, '--config.cmd', 'python3', '--config.env', PATH_ENV], 60_000);
  // insert and config each leave the previous manifest and config behind.
  await runTool('umoci', ['gc', '--layout', join(dir, 'layout')], 60_000);
}

/**
 * Pushes the Debian python3 image into the platform's registry as `name` in the space of the
 * token's user, as a user would with skopeo (built first if this machine has not built it yet;
 * that takes a minute or so, later runs seconds). Returns `name`, the reference an app.yaml
 * `spec.image` or `--base` of that user uses.
 */
export async function pushDebianPythonImage(platform: Pick<TestPlatform, 'url' | 'token'>, name = 'debian-python:12'): Promise<string> {
  const dir = await buildOnce(IMAGE_DIR, build);
  const me = (await (await fetch(`${platform.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${platform.token}` } })).json()) as WhoAmIView;
  await skopeoCopy(`oci:${join(dir, 'layout')}:${LAYOUT_TAG}`, `docker://${new URL(platform.url).host}/${me.name}/${name}`, { dest: `x:${platform.token}` });
  return name;
}
