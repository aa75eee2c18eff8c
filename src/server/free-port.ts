import { createServer } from 'node:net';

/** Listens on `port` of `host` (0: any) for a moment: the port it got; rejects when it cannot. */
function probe(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: got } = server.address() as { port: number };
      server.close(() => resolve(got));
    });
  });
}

/**
 * A port free on `host` a moment ago, for a process that is told a port rather than picking one
 * (a worker). Another process could take it in between; the start then fails and says so.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return probe(0, host);
}

/** The lowest port a worker is given: below it, ports are for the machine's own services. */
const LOWEST_PORT = 1024;
const HIGHEST_PORT = 65535;
/** Free ports tried for a layout before giving up on it. */
const LAYOUT_TRIES = 20;

/** Whether `port` on `host` can be listened on now. */
function portFree(port: number, host: string): Promise<boolean> {
  return probe(port, host).then(
    () => true,
    () => false,
  );
}

/**
 * A free port `base` such that `base + distance` is free too for each of `distances`, or undefined
 * when LAYOUT_TRIES free ports gave none. As racy as freePort.
 */
export async function freePortsAt(distances: readonly number[], host = '127.0.0.1'): Promise<number | undefined> {
  for (let attempt = 0; attempt < LAYOUT_TRIES; attempt++) {
    const base = await freePort(host);
    const others = distances.filter((distance) => distance !== 0).map((distance) => base + distance);
    if (others.every((port) => port >= LOWEST_PORT && port <= HIGHEST_PORT)) {
      const free = await Promise.all(others.map((port) => portFree(port, host)));
      if (free.every(Boolean)) return base;
    }
  }
  return undefined;
}
