import { findOnPath } from '../../find-on-path';

/**
 * The HAProxy the server would start: `EVERAI_HAPROXY`, else `haproxy` on PATH or in an sbin folder
 * (Debian installs it in /usr/sbin, which a user's PATH may lack); undefined where there is none.
 */
export function findHaproxy(): Promise<string | undefined> {
  return findOnPath(process.env.EVERAI_HAPROXY ?? 'haproxy');
}
