import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderTable } from '../src/cli/output';
import type { PullResult, PushResult } from '../src/client/volumes/volume-client';
import { startTestPlatform, type TestPlatform } from '../test/helpers/platform';
import { volumeJson, volumeOk } from '../test/helpers/volumes';
import { measureVolumeStart, type VolumeStartFigures } from './worker-start-volume';

/**
 * Volume push and pull against `cp -r` of the same files on the same disk in the same run, and a
 * push of an unchanged copy, through the real CLI (each figure includes its start). Reported as
 * ratios: absolute MB/s on a shared machine mean little.
 */

const FILES = 1024;
const FILE_BYTES = 1024 * 1024;
const NOOP_FILES = 1000;
const execFileAsync = promisify(execFile);

interface Figure {
  operation: string;
  files: number;
  bytes: number;
  seconds: number;
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

/** 1 GiB in 1024 files: one random MiB, each file made unique by its first bytes. */
function writeDataset(dir: string): void {
  const block = randomBytes(FILE_BYTES);
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `shard-${String(Math.floor(i / 64)).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    block.writeUInt32BE(i, 0);
    writeFileSync(join(sub, `part-${String(i).padStart(4, '0')}.bin`), block);
  }
}

const mbps = (f: Figure) => f.bytes / 1e6 / f.seconds;

function verdict(goal: string, figure: string, met: boolean): string {
  return `  ${goal}: ${figure}  ${met ? 'met' : 'MISSED'}`;
}

async function measure(platform: TestPlatform, work: string): Promise<Figure[]> {
  await volumeOk(platform, ['volume', 'create', 'bench']);
  const { path } = await volumeJson(platform, 'bench');
  writeDataset(path);
  const bytes = FILES * FILE_BYTES;
  // The copy reads the same (cached) files the push reads and writes to the same disk.
  const cp = await timed(() => execFileAsync('cp', ['-r', path, join(work, 'cp-copy')]));
  const push = await timed(() => volumeOk(platform, ['volume', 'push', 'bench', '-o', 'json']));
  const pushed = JSON.parse(push.value) as PushResult;
  if (pushed.uploadedBytes !== bytes) throw new Error(`the push uploaded ${pushed.uploadedBytes} bytes, not ${bytes}`);
  const pull = await timed(() => volumeOk(platform, ['volume', 'pull', 'bench', '-o', 'json'], { root: join(work, 'pulled') }));
  const pulled = JSON.parse(pull.value) as PullResult;
  if (pulled.downloadedBytes !== bytes) throw new Error(`the pull downloaded ${pulled.downloadedBytes} bytes, not ${bytes}`);

  await volumeOk(platform, ['volume', 'create', 'small-files']);
  const small = await volumeJson(platform, 'small-files');
  for (let i = 0; i < NOOP_FILES; i++) {
    mkdirSync(join(small.path, `dir-${i % 10}`), { recursive: true });
    writeFileSync(join(small.path, `dir-${i % 10}`, `file-${i}.txt`), `small file ${i}\n`);
  }
  await volumeOk(platform, ['volume', 'push', 'small-files']);
  const noop = await timed(() => volumeOk(platform, ['volume', 'push', 'small-files', '-o', 'json']));
  if ((JSON.parse(noop.value) as PushResult).created) throw new Error('the no-op push made a revision');
  return [
    { operation: 'cp -r', files: FILES, bytes, seconds: cp.seconds },
    { operation: 'volume push', files: FILES, bytes, seconds: push.seconds },
    { operation: 'volume pull (fresh copy)', files: FILES, bytes, seconds: pull.seconds },
    { operation: 'volume push (unchanged)', files: NOOP_FILES, bytes: 0, seconds: noop.seconds },
  ];
}

function printVolumeReport(figures: readonly Figure[]): void {
  const [cp, push, pull, noop] = figures as [Figure, Figure, Figure, Figure];
  const ratio = (f: Figure) => mbps(f) / mbps(cp);
  console.log(
    [
      '',
      `Volume push and pull of ${FILES} files of 1 MiB, through the CLI, against cp -r on the same disk (page cache warm).`,
      `${cpus().length} CPUs, shared by the CLI and the server: compare ratios, not absolutes.`,
      '',
      renderTable(figures, [
        { header: 'OPERATION', value: (f) => f.operation },
        { header: 'FILES', value: (f) => f.files },
        { header: 'SECONDS', value: (f) => f.seconds.toFixed(2) },
        { header: 'MB/S', value: (f) => (f.bytes > 0 ? mbps(f).toFixed(0) : '-') },
        { header: 'VS_CP', value: (f) => (f.bytes > 0 && f !== cp ? `${ratio(f).toFixed(2)}x` : '-') },
      ]),
      '',
      'Targets',
      verdict('push >= 0.5x cp -r', `${ratio(push).toFixed(2)}x`, ratio(push) >= 0.5),
      verdict('pull >= 0.5x cp -r', `${ratio(pull).toFixed(2)}x`, ratio(pull) >= 0.5),
      verdict(`unchanged push of ${NOOP_FILES} files < 1 s`, `${noop.seconds.toFixed(2)} s`, noop.seconds < 1),
      '',
    ].join('\n'),
  );
}

function printVolumeStartReport({ withoutMs, withMs }: VolumeStartFigures): void {
  const added = withMs - withoutMs;
  console.log(
    [
      `Worker start, creation to process launch, with the ${FILES}-file 1 GiB volume and without it (same image, already unpacked):`,
      `  without: ${withoutMs} ms, with: ${withMs} ms, added: ${added} ms`,
      verdict('a 1 GiB volume adds < 200 ms to a worker start', `${added} ms`, added < 200),
      '',
    ].join('\n'),
  );
}

export async function run(): Promise<void> {
  process.stderr.write('volume bench: starting a server, writing 1 GiB in 1024 files\n');
  const platform = await startTestPlatform();
  const work = mkdtempSync(join(tmpdir(), 'everai-volume-bench-'));
  try {
    printVolumeReport(await measure(platform, work));
    printVolumeStartReport(await measureVolumeStart(platform, 'bench'));
  } finally {
    await platform.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
