import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const READ_BUFFER = Buffer.allocUnsafe(1024 * 1024);

/**
 * How much free memory a VM's kernel has handed back to its host so far (free page reporting),
 * on kernels that do it; absent elsewhere.
 */
const REPORTED_KIB = '/sys/module/page_reporting/parameters/reported_kib';
/** Free memory is handed back in rounds some 2 s apart: this long without one, the round is over. */
const REPORTING_QUIET_MS = 2500;
const REPORTING_WAIT_LIMIT_MS = 10_000;

let cacheDropped = true;
let waitedForReporting = false;

/** What `settleBefore` did on this machine, for a report's header. */
export function settleNote(): string {
  const settled = cacheDropped
    ? 'Before each timed step (untimed): a sync, the page cache dropped, and what the step reads read back in.'
    : 'Before each timed step (untimed): a sync; the page cache could not be dropped (not root), so a later step may pay for earlier ones.';
  return waitedForReporting ? `${settled} Then a wait until the memory freed has gone back to the VM's host.` : settled;
}

/**
 * Puts the machine in the same state before each timed step, untimed: dirty pages written back
 * (`sync`), so no step pays for the write-back of the one before; the clean page cache dropped
 * (root only); then `inputs`, the files the step reads, read back in; then, on a VM that hands
 * free memory back to its host, a wait until it has. Each step then starts with its inputs cached
 * and nothing else, as its `cp -r` baseline does. Without the drop, a step's time depended on
 * where it came in the run: on these VMs, each new GiB of page cache costs more kernel time than
 * the last (four 4 GiB `dd` writes in a row: 0.7, 2.7, 6.3, 8.3 s), so a pull, after the data,
 * its copy and its blobs, paid for all three.
 *
 * Without the wait, a step's time depended on how fast it was. These VMs hand memory freed for
 * 2 s back to their host, and the first touch of such a page costs the guest's kernel about
 * 1 s a GiB (a 1 GiB `dd` into a new file: 0.14-0.18 s right after another was deleted, 1.0 s
 * when 20 s had passed). A `cp -r` of 1 GiB, done within the 2 s, wrote into the memory the drop
 * had just freed (0.32-0.44 s in 3 runs); after the wait, 0.71 and 0.72 s in 2 runs of 3 (0.29 s
 * in the other). A pull of the same GiB took 2.6-3.4 s either way. A `cp -r` of one 4 GiB file:
 * 2.76 and 2.95 s without the wait (6.46 s the first time, right after the file was written),
 * 6.79-7.46 s after it (3 runs).
 */
export async function settleBefore(inputs: readonly string[]): Promise<void> {
  await execFileAsync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch {
    cacheDropped = false;
  }
  for (const input of inputs) readAll(input);
  await waitForFreedMemoryReported();
}

/** Waits (up to REPORTING_WAIT_LIMIT_MS) until the kernel has handed back to the host what it will of the memory freed. */
async function waitForFreedMemoryReported(): Promise<void> {
  if (!existsSync(REPORTED_KIB)) return;
  waitedForReporting = true;
  const start = Date.now();
  let reported = readFileSync(REPORTED_KIB, 'utf8');
  let lastChange = start;
  while (Date.now() - lastChange < REPORTING_QUIET_MS && Date.now() - start < REPORTING_WAIT_LIMIT_MS) {
    await sleep(250);
    const now = readFileSync(REPORTED_KIB, 'utf8');
    if (now !== reported) {
      reported = now;
      lastChange = Date.now();
    }
  }
}

/** Reads a file, or every file under a folder, into the page cache. */
function readAll(path: string): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) readAll(join(path, name));
    return;
  }
  const fd = openSync(path, 'r');
  try {
    while (readSync(fd, READ_BUFFER, 0, READ_BUFFER.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}
