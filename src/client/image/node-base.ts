import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { directory, hostFile, layerTree, textFile, type LayerEntry } from './layer-entries';

/**
 * The node base: this machine's Node and what it needs to start, made offline into one layer and
 * pushed as an image of its own, so a user sees what their SDK images are built on.
 */

/** Where the base keeps Node; the SDK image's Entrypoint runs it. */
export const NODE_PATH = '/usr/local/bin/node';
/** The repository the base is pushed to in each user's space, tagged with the Node version (`20.20.2`). */
export const NODE_BASE_REPOSITORY = 'everai/node-base';
export const NODE_BASE_TAG = process.versions.node;
export const IMAGE_PATH = 'PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

const CA_CERTIFICATES = '/etc/ssl/certs/ca-certificates.crt';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';

/**
 * The absolute paths of the shared libraries `ldd` says the program loads, the dynamic loader
 * included (`/lib64/ld-linux-x86-64.so.2`, listed without `=>`). The vDSO has no file.
 */
export async function sharedLibraries(program: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ldd', [program]).catch((error: { stdout?: string }) => {
    // A static binary: ldd says so and exits 1, and there is nothing to copy.
    if (/not a dynamic executable/.test(String(error.stdout ?? ''))) return { stdout: '' };
    throw error;
  });
  const paths = new Set<string>();
  for (const line of stdout.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  return [...paths].sort();
}

/** The node base's entries, from `node` (this process's binary unless told otherwise). */
export async function nodeBaseEntries(node = process.execPath): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [await hostFile(node, NODE_PATH.slice(1))];
  for (const library of await sharedLibraries(node)) entries.push(await hostFile(library, library.slice(1)));
  if (existsSync(CA_CERTIFICATES)) entries.push(await hostFile(CA_CERTIFICATES, CA_CERTIFICATES.slice(1)));
  entries.push(textFile('etc/passwd', PASSWD), textFile('etc/group', GROUP));
  // Mount points a runtime expects to find; /tmp as on any Unix, writable by everyone, sticky.
  for (const name of ['etc', 'proc', 'sys', 'dev', 'run']) entries.push(directory(name));
  entries.push(directory('tmp', 0o1777));
  return layerTree(entries);
}
