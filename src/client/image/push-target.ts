import { EveraiError } from '../../contract/errors';
import { DEFAULT_TAG, parseImageRef } from '../../contract/image-ref';
import { inUserSpace } from '../../contract/image-space';

export interface PushTarget {
  repository: string;
  tag: string;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** `localhost:8480` and `127.0.0.1:8480` name the same server. */
export function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const split = (host: string) => /^(.*?)(?::(\d+))?$/.exec(host) as RegExpExecArray;
  const [, hostA, portA] = split(a);
  const [, hostB, portB] = split(b);
  return portA === portB && LOOPBACK_HOSTS.includes(hostA ?? '') && LOOPBACK_HOSTS.includes(hostB ?? '');
}

/**
 * Where an image name pushes to: a name without a registry host (or with the platform's own host)
 * means the platform's registry, in the space of `userName` (`get-start` is `alice/get-start`);
 * other registries are not supported yet.
 */
export function pushTarget(image: string, platformUrl: string, userName: string): PushTarget {
  const ref = parseImageRef(image);
  if (ref.digest !== undefined) {
    throw new EveraiError('EVERAI_USAGE', `image '${image}' names a digest; push needs a tag such as '${ref.repository}:v1'`);
  }
  const platformHost = new URL(platformUrl).host;
  if (ref.host !== undefined && !sameHost(ref.host, platformHost)) {
    throw new EveraiError(
      'EVERAI_USAGE',
      `image '${image}' names the registry ${ref.host}; pushing to external registries is not supported yet (leave the host out to push to the everai registry at ${platformHost})`,
    );
  }
  return { repository: inUserSpace(userName, ref.repository), tag: ref.tag ?? DEFAULT_TAG };
}
