import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';

/**
 * A worker's /etc/hosts, /etc/hostname and /etc/resolv.conf, written into `dir` to be bound
 * read-only into its container: its own name and address, and the host's name servers except
 * those on the host's loopback, which the worker cannot reach.
 */
export async function writeEtcFiles(dir: string, hostname: string, ip: string): Promise<{ source: string; destination: string }[]> {
  await fs.mkdir(dir, { recursive: true });
  const hostResolv = (await ifExists(fs.readFile('/etc/resolv.conf', 'utf8'))) ?? '';
  const resolv = hostResolv
    .split('\n')
    .filter((line) => !/^\s*nameserver\s+(127\.|::1)/.test(line))
    .join('\n');
  const files = {
    hosts: `127.0.0.1\tlocalhost\n::1\tlocalhost\n${ip}\t${hostname}\n`,
    hostname: `${hostname}\n`,
    'resolv.conf': resolv,
  };
  for (const [name, text] of Object.entries(files)) await fs.writeFile(join(dir, name), text, { mode: 0o644 });
  return Object.keys(files).map((name) => ({ source: join(dir, name), destination: `/etc/${name}` }));
}
