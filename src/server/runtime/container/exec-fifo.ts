import { constants, open, promises as fs, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';

const openFd = promisify(open);

/** How often a wait on the fifo checks that the container's init still lives (runc checks as often). */
const ALIVE_CHECK_MS = 100;

/**
 * What `runc start` does to a created container, without starting runc, a Go program that costs
 * a start 6–11 ms. `runc create` leaves the container's init blocked opening `exec.fifo` in the
 * container's state folder for writing; `start` opens it for reading, init writes a byte and execs
 * the program (which closes its end), and the fifo is removed: that is how runc tells a started
 * container from a created one (`runc state`, `list`). Resolves false, touching nothing, where
 * there is no fifo, and false too where init died before it wrote: `runc start` then does it, and
 * fails as it always did.
 */
export async function releaseExecFifo(fifo: string, initPid: number): Promise<boolean> {
  // Non-blocking: an open for reading with no writer left would wait forever.
  const fd = await openFd(fifo, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (fd === undefined) return false;
  const wrote = await new Promise<boolean>((resolve) => {
    const socket = new Socket({ fd, readable: true, writable: false });
    let bytes = 0;
    // A fifo nobody ever opened for writing never ends: init's death is seen by looking at it.
    const check = setInterval(() => {
      if (!alive(initPid)) finish(false);
    }, ALIVE_CHECK_MS);
    const finish = (ok: boolean) => {
      clearInterval(check);
      socket.destroy();
      resolve(ok);
    };
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    // Init's end closes at its exec: the program runs.
    socket.once('end', () => finish(bytes > 0));
    socket.once('error', () => finish(false));
  });
  if (wrote) await fs.unlink(fifo);
  return wrote;
}

/** Whether `pid` runs (a zombie has ended); the check is cheap enough for a tenth of a second. */
function alive(pid: number): boolean {
  try {
    // `pid (comm) S ...`: comm may hold spaces and parentheses, the state follows the last `)`.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}
