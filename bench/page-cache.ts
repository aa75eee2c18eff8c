import { execFile } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const READ_BUFFER = Buffer.allocUnsafe(1024 * 1024);

let cacheDropped = true;

/** What `settleBefore` did on this machine, for a report's header. */
export function settleNote(): string {
  return cacheDropped
    ? 'Before each timed step (untimed): a sync, the page cache dropped, and what the step reads read back in.'
    : 'Before each timed step (untimed): a sync; the page cache could not be dropped (not root), so a later step may pay for earlier ones.';
}

/**
 * Puts the machine in the same state before each timed step, untimed: dirty pages written back
 * (`sync`), so no step pays for the write-back of the one before; the clean page cache dropped
 * (root only); then `inputs`, the files the step reads, read back in. Each step then starts with
 * its inputs cached and nothing else, as its `cp -r` baseline does. Without the drop, a step's
 * time depended on where it came in the run: on these VMs, each new GiB of page cache costs
 * more kernel time than the last (four 4 GiB `dd` writes in a row: 0.7, 2.7, 6.3, 8.3 s), so a
 * pull, after the data, its copy and its blobs, paid for all three.
 */
export async function settleBefore(inputs: readonly string[]): Promise<void> {
  await execFileAsync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch {
    cacheDropped = false;
  }
  for (const input of inputs) readAll(input);
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
