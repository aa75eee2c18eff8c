import { writeFileSync } from 'node:fs';

// Preloaded into a CLI process (NODE_OPTIONS=--require) by a test that pins what a command loads:
// as the process exits, writes to $EVERAI_TEST_LOADS_FILE the npm packages it required and
// whether it loaded Node's bundled undici (the global fetch).

const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;

export interface RecordedLoads {
  packages: string[];
  undici: boolean;
}

process.on('exit', () => {
  const file = process.env.EVERAI_TEST_LOADS_FILE;
  if (!file) return;
  const packages = new Set(Object.keys(require.cache).flatMap((path) => PACKAGE.exec(path)?.[1] ?? []));
  const internals = (process as unknown as { moduleLoadList: readonly string[] }).moduleLoadList;
  const recorded: RecordedLoads = { packages: [...packages].sort(), undici: internals.some((name) => name.includes('internal/deps/undici')) };
  writeFileSync(file, JSON.stringify(recorded));
});
