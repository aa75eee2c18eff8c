import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * Whether the kernel's OOM killer struck inside the container's cgroup: the `oom_kill` counter of
 * `memory.events` (cgroup v2) or `memory.oom_control` (v1). Read after the program ended and
 * before the container is deleted, while the cgroup still exists.
 */
export async function wasOomKilled(cgroupsPath: string): Promise<boolean> {
  for (const file of [join(CGROUP_ROOT, cgroupsPath, 'memory.events'), join(CGROUP_ROOT, 'memory', cgroupsPath, 'memory.oom_control')]) {
    const text = await ifExists(fs.readFile(file, 'utf8'));
    if (text === undefined) continue;
    const count = /^oom_kill (\d+)$/m.exec(text)?.[1];
    return count !== undefined && Number(count) > 0;
  }
  return false;
}
