import type * as CliProgress from 'cli-progress';

/** What a push reports, blob by blob (one at a time). */
export interface PushProgress {
  /** The registry has the blob already: nothing is sent. */
  present(kind: string, digest: string): void;
  /** `name`: the blob's short digest, or what it is made of when it is packed as it is sent (its digest known only at the end). */
  start(kind: string, name: string, size: number): void;
  advance(bytes: number): void;
  done(): void;
  /** The blob broke off: finish the line so the error reads on its own. */
  fail(): void;
}

export function shortDigest(digest: string): string {
  return `${digest.slice(0, 'sha256:'.length + 12)}…`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Bars on a terminal; plain lines (`pushing layer sha256:… 12.3 MiB`, `done`) in a log. */
export function pushProgress(stream: NodeJS.WriteStream = process.stderr): PushProgress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

function lineProgress(stream: NodeJS.WriteStream): PushProgress {
  return {
    present: (kind, digest) => stream.write(`${kind} ${shortDigest(digest)} is in the registry already\n`),
    start: (kind, name, size) => stream.write(`pushing ${kind} ${name} ${formatBytes(size)}\n`),
    advance: () => undefined,
    done: () => stream.write('done\n'),
    fail: () => stream.write('failed\n'),
  };
}

function barProgress(stream: NodeJS.WriteStream): PushProgress {
  let bar: CliProgress.SingleBar | undefined;
  let sent = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    present: (kind, digest) => stream.write(`${kind} ${shortDigest(digest)} is in the registry already\n`),
    start: (kind, name, size) => {
      sent = 0;
      // Required on a terminal only, not by every command that imports a push (transfer-progress.ts does the same).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      bar = new (require('cli-progress') as typeof CliProgress).SingleBar({
        stream,
        format: `pushing ${kind} ${name} [{bar}] {sent} / ${formatBytes(size)}`,
        hideCursor: true,
      });
      bar.start(size, 0, { sent: formatBytes(0) });
    },
    advance: (bytes) => {
      sent += bytes;
      bar?.update(sent, { sent: formatBytes(sent) });
    },
    done: stop,
    fail: stop,
  };
}
