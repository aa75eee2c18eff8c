import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { debianMirror } from './apt-mirror';
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
const LOCK = `${IMAGE_DIR}.lock`;
/** A lock older than this belongs to a build that hung or a machine that rebooted mid-build. */
const STALE_LOCK_MS = 30 * 60_000;
/** What a container needs none of; dropping it keeps the layer small (the runtime mounts its own /dev). */
const STRIP = ['var/lib/apt/lists', 'var/cache/apt', 'var/log', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'dev'];
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const missingTools = (tools: string[]) => tools.filter((tool) => spawnSync('which', [tool]).status !== 0);

function skipReason(): string | false {
  if (existsSync(IMAGE_DIR)) {
    return missingTools(['skopeo']).length > 0 ? 'skopeo is not installed (apt-get install -y skopeo)' : false;
  }
  const missing = missingTools(['debootstrap', 'umoci', 'skopeo']);
  if (missing.length > 0) return `${missing.join(', ')} not installed (apt-get install -y debootstrap umoci skopeo)`;
  if (process.getuid?.() !== 0) return `building the Debian image takes root (debootstrap), and ${IMAGE_DIR} holds none yet`;
  if (!debianMirror()) return 'no Debian mirror in /etc/apt sources (set EVERAI_DEBIAN_MIRROR)';
  return false;
}

/** Why tests of the Debian image cannot run on this machine, or false when they can. */
export const DEBIAN_IMAGE_MISSING = skipReason();

function run(command: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code}):\n${stderr}`)),
    );
  });
}

/** Builds rootfs/ and layout/ (an OCI layout tagged LAYOUT_TAG) under `dir`. */
async function build(dir: string): Promise<void> {
  const mirror = debianMirror();
  if (!mirror) throw new Error('no Debian mirror in /etc/apt sources (set EVERAI_DEBIAN_MIRROR)');
  const rootfs = join(dir, 'rootfs');
  const image = `${join(dir, 'layout')}:${LAYOUT_TAG}`;
  await run('debootstrap', ['--variant=minbase', '--include=python3', 'bookworm', rootfs, mirror], 20 * 60_000);
  for (const path of STRIP) {
    for (const entry of readdirSync(join(rootfs, path))) rmSync(join(rootfs, path, entry), { recursive: true, force: true });
  }
  writeFileSync(join(rootfs, DEBIAN_IMAGE_MARKER.path), DEBIAN_IMAGE_MARKER.content);
  await run('umoci', ['init', '--layout', join(dir, 'layout')], 60_000);
  await run('umoci', ['new', '--image', image], 60_000);
  await run('umoci', ['insert', '--image', image, rootfs, '/'], 10 * 60_000);
  await run('umoci', ['config', '--image', image, '--config.cmd', 'python3', '--config.env', PATH_ENV], 60_000);
  // insert and config each leave the previous manifest and config behind.
  await run('umoci', ['gc', '--layout', join(dir, 'layout')], 60_000);
}

/** True when the lock's holder is gone: its process no longer runs, or it has held it too long. */
function lockIsStale(): boolean {
  try {
    if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) return true;
    process.kill(Number(readFileSync(LOCK, 'utf8')), 0);
    return false;
  } catch (error) {
    // ENOENT: released meanwhile, take it; ESRCH: its process died; EPERM: it runs as another user.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/**
 * The cached image folder, built first if this machine has none. Built into a temp sibling and
 * renamed, so a crash never leaves a half image where a later run would take it for whole; an
 * O_EXCL lock file makes test files that start together build it once, the others wait.
 */
async function ensureBuilt(): Promise<string> {
  mkdirSync(dirname(IMAGE_DIR), { recursive: true });
  for (;;) {
    if (existsSync(IMAGE_DIR)) return IMAGE_DIR;
    let lock: number;
    try {
      lock = openSync(LOCK, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale()) rmSync(LOCK, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    try {
      writeFileSync(lock, String(process.pid));
      if (existsSync(IMAGE_DIR)) return IMAGE_DIR;
      // Whatever a crashed build left: nobody else builds while we hold the lock.
      const temps = readdirSync(dirname(IMAGE_DIR)).filter((name) => name.startsWith(`${basename(IMAGE_DIR)}.tmp-`));
      for (const name of temps) rmSync(join(dirname(IMAGE_DIR), name), { recursive: true, force: true });
      const temp = `${IMAGE_DIR}.tmp-${process.pid}`;
      mkdirSync(temp);
      try {
        await build(temp);
        renameSync(temp, IMAGE_DIR);
      } catch (error) {
        // Another builder that took this lock for stale may have finished first: its image is as good.
        if (!existsSync(IMAGE_DIR)) throw error;
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
      return IMAGE_DIR;
    } finally {
      closeSync(lock);
      rmSync(LOCK, { force: true });
    }
  }
}

/**
 * Pushes the Debian python3 image into the platform's registry as `name` in the space of the
 * token's user, as a user would with skopeo (built first if this machine has not built it yet;
 * that takes a minute or so, later runs seconds). Returns `name`, the reference an app.yaml
 * `spec.image` or `--base` of that user uses.
 */
export async function pushDebianPythonImage(platform: Pick<TestPlatform, 'url' | 'token'>, name = 'debian-python:12'): Promise<string> {
  const dir = await ensureBuilt();
  const me = (await (await fetch(`${platform.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${platform.token}` } })).json()) as WhoAmIView;
  await skopeoCopy(`oci:${join(dir, 'layout')}:${LAYOUT_TAG}`, `docker://${new URL(platform.url).host}/${me.name}/${name}`, { dest: `x:${platform.token}` });
  return name;
}
