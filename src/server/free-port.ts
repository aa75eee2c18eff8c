import { createServer } from 'node:net';

/**
 * A port free on `host` a moment ago, for a process that is told a port rather than picking one
 * (a worker). Another process could take it in between; the start then fails and says so.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
