import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Suites of the main Debian archive (not -security, -updates, or a third party's `nodistro`). */
const DEBIAN_SUITES = new Set(['buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'sid', 'oldstable', 'stable', 'testing', 'unstable']);

interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
}

/** `deb [options] URI SUITE COMPONENT...` lines of a `.list` file. */
function oneLineSources(text: string): AptSource[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, suite] = line.split(/\s+/);
    return type && uri && suite ? [{ types: [type], uris: [uri], suites: [suite] }] : [];
  });
}

/** The stanzas of a deb822 `.sources` file (`Types:`, `URIs:`, `Suites:`), skipping `Enabled: no` ones. */
function deb822Sources(text: string): AptSource[] {
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const fields = new Map<string, string[]>();
    for (const line of stanza.split('\n')) {
      const field = /^([A-Za-z-]+):\s*(.*)$/.exec(line.replace(/#.*/, ''));
      if (field) fields.set((field[1] as string).toLowerCase(), (field[2] as string).split(/\s+/).filter(Boolean));
    }
    if (fields.get('enabled')?.[0] === 'no') return [];
    return [{ types: fields.get('types') ?? [], uris: fields.get('uris') ?? [], suites: fields.get('suites') ?? [] }];
  });
}

/**
 * The Debian mirror this machine's apt uses, so that a Debian root filesystem (the Python base
 * image, the tests' Debian image) downloads from wherever the machine is allowed to (a local
 * mirror, a proxy), never from an address written into the repo. `EVERAI_DEBIAN_MIRROR`
 * overrides it; undefined when neither names one.
 */
export function debianMirror(aptDir = '/etc/apt'): string | undefined {
  if (process.env.EVERAI_DEBIAN_MIRROR) return process.env.EVERAI_DEBIAN_MIRROR;
  const sources: AptSource[] = [];
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  sources.push(...oneLineSources(read(join(aptDir, 'sources.list'))));
  let listed: string[] = [];
  try {
    listed = readdirSync(join(aptDir, 'sources.list.d')).sort();
  } catch {
    // No sources.list.d: sources.list is all there is.
  }
  for (const name of listed) {
    const text = read(join(aptDir, 'sources.list.d', name));
    if (name.endsWith('.list')) sources.push(...oneLineSources(text));
    else if (name.endsWith('.sources')) sources.push(...deb822Sources(text));
  }
  const main = sources.find((s) => s.types.includes('deb') && s.suites.some((suite) => DEBIAN_SUITES.has(suite)));
  return main?.uris[0];
}
