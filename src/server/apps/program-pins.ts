import { EveraiError } from '../../contract/errors';
import type { ResolvedImage } from '../registry/image-resolver';
import type { KeyValueSource } from '../secrets/key-value-source';
import type { ImagePullSpec, MountSpec, PinnedKey, ProgramSpec } from '../store/records';
import type { ImageAuthRequest, MountRequest, ProgramRequest } from '../../contract/program-request';

/**
 * What a revision pins of a manifest app beyond its image and volumes: the effective command,
 * and the version of every secret and configmap it mounts or pulls its image with, so that a
 * worker started later runs exactly what the revision was made with (docs/rollout.md).
 */

/** The command line a worker runs: the manifest's, else the image's Entrypoint and Cmd (like Kubernetes). */
export function pinProgram(program: ProgramRequest | null, image: ResolvedImage): ProgramSpec {
  if (program === null) return { kind: 'sdk' };
  const config = image.config.config;
  const argv =
    program.command !== null
      ? [...program.command, ...(program.args ?? [])]
      : [...(config?.Entrypoint ?? []), ...(program.args ?? config?.Cmd ?? [])];
  if (argv.length === 0) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `spec.command: image ${image.repository} has no Entrypoint or Cmd, so the manifest must say what to run`);
  }
  const servicePorts = program.servicePorts.includes(program.port) ? program.servicePorts : [program.port, ...program.servicePorts];
  const declared = { command: program.command, args: program.args };
  return { kind: 'command', argv, port: program.port, servicePorts, readinessPath: program.readinessPath, declared };
}

/**
 * The program again for a new image (`app upgrade --image`): a command the manifest named stays;
 * one taken from the old image's Entrypoint / Cmd becomes the new image's.
 */
export function repinProgram(current: ProgramSpec, image: ResolvedImage): ProgramSpec {
  if (current.kind === 'sdk') return current;
  const { command, args } = current.declared ?? { command: current.argv, args: [] };
  return pinProgram({ command, args, port: current.port, servicePorts: current.servicePorts, readinessPath: current.readinessPath }, image);
}

async function pinKey(keyValues: KeyValueSource, ownerId: string, ref: { kind: PinnedKey['kind']; name: string; key: string }): Promise<PinnedKey> {
  const object = await keyValues.read(ownerId, ref.kind, ref.name);
  if (!(ref.key in object.data)) {
    throw new EveraiError('EVERAI_NOT_FOUND', `${ref.kind === 'Secret' ? 'secret' : 'configmap'} '${ref.name}' has no key '${ref.key}'`);
  }
  return { ...ref, version: object.version };
}

export async function pinImagePull(keyValues: KeyValueSource, ownerId: string, auth: ImageAuthRequest | null): Promise<ImagePullSpec | null> {
  if (auth === null) return null;
  return {
    username: await pinKey(keyValues, ownerId, auth.username.placeholder),
    password: await pinKey(keyValues, ownerId, auth.password.placeholder),
  };
}

/** Each mount with its source pinned: a volume by name (its revision is pinned with the app's volumes), a secret or configmap by version. */
export async function pinMounts(keyValues: KeyValueSource, ownerId: string, mounts: readonly MountRequest[], volumeRequests: readonly string[]): Promise<MountSpec[]> {
  const pinned: MountSpec[] = [];
  for (const mount of mounts) {
    const clash = mounts.find((other) => other !== mount && (other.mountPath === mount.mountPath || mount.mountPath.startsWith(`${other.mountPath}/`)));
    if (clash) throw new EveraiError('EVERAI_BAD_REQUEST', `mounts: ${mount.mountPath} is inside (or is) the mount ${clash.mountPath}`);
    if (mount.kind === 'volume') {
      if (!volumeRequests.includes(mount.name)) {
        throw new EveraiError('EVERAI_BAD_REQUEST', `mounts: volume '${mount.name}' (at ${mount.mountPath}) is not in volumeRequests`);
      }
      pinned.push({ mountPath: mount.mountPath, kind: 'volume', name: mount.name });
    } else {
      const { version } = await keyValues.read(ownerId, mount.kind, mount.name);
      pinned.push({ mountPath: mount.mountPath, kind: mount.kind, name: mount.name, version });
    }
  }
  return pinned;
}
