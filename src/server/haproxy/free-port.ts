import { createServer } from 'node:net';

/**
 * A port free on `host` now, for HAProxy to bind when told port 0 (it cannot pick one and say which).
 * Another process could take it in between; the start would then fail and say so.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
