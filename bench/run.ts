import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MissingToolError } from './tools';

/**
 * `npm run bench`: runs every `*-bench.js` beside this file, in name order, one at a time (they
 * share the machine they measure); `npm run bench -- store` only those whose name holds one of the
 * words given. A benchmark prints its own report and throws only when it could not measure; a
 * missed target is a figure to read, not a failure.
 */

interface BenchmarkModule {
  run(): Promise<void>;
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('-bench.js') && (only.length === 0 || only.some((word) => file.includes(word))))
    .sort();
  let failed = 0;
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(join(__dirname, file)) as Partial<BenchmarkModule>;
    if (typeof bench.run !== 'function') throw new Error(`${file} exports no run()`);
    console.log(`== ${file.replace(/\.js$/, '')}`);
    try {
      await bench.run();
    } catch (error) {
      if (error instanceof MissingToolError) {
        console.error(`Error: ${error.message}`);
        return 1;
      }
      console.error(`${file} failed:`, error);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
