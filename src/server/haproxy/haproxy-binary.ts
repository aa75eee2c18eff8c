import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The HAProxy the server starts: `EVERAI_HAPROXY`, or `haproxy` found on PATH. */
export function haproxyBinary(): string {
  return process.env.EVERAI_HAPROXY ?? 'haproxy';
}

/**
 * Whether that HAProxy is there to start: a path that can be run, or a name found on PATH. Looked
 * up, not run, because every CLI command reads the server's defaults.
 */
export function haproxyInstalled(): boolean {
  const binary = haproxyBinary();
  const candidates = binary.includes('/') ? [binary] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, binary));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
