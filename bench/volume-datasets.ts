import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A set of files the volume bench pushes and pulls, and writes into a volume's local copy. */
export interface Dataset {
  name: string;
  files: number;
  bytes: number;
  write(dir: string): void;
}

const MIB = 1024 * 1024;

/** `count` files of 1 MiB in folders of 64: one random MiB, each file made unique by its first bytes. */
export function mibFiles(count: number): Dataset {
  return {
    name: `${count} files of 1 MiB`,
    files: count,
    bytes: count * MIB,
    write: (dir) => {
      const block = randomBytes(MIB);
      for (let i = 0; i < count; i++) {
        const sub = join(dir, `shard-${String(Math.floor(i / 64)).padStart(2, '0')}`);
        mkdirSync(sub, { recursive: true });
        block.writeUInt32BE(i, 0);
        writeFileSync(join(sub, `part-${String(i).padStart(4, '0')}.bin`), block);
      }
    },
  };
}

/** One file of `gib` GiB, as model weights are: random MiBs, each made unique by its first bytes. */
export function oneLargeFile(gib: number): Dataset {
  return {
    name: `one file of ${gib} GiB`,
    files: 1,
    bytes: gib * 1024 * MIB,
    write: (dir) => {
      const block = randomBytes(MIB);
      const fd = openSync(join(dir, 'weights.bin'), 'w');
      try {
        for (let i = 0; i < gib * 1024; i++) {
          block.writeUInt32BE(i, 0);
          writeSync(fd, block);
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** `count` files of a few bytes in 100 folders: what a source tree or a dataset of labels is like. */
export function smallFiles(count: number): Dataset {
  const content = (i: number) => `small file ${i}\n`;
  return {
    name: `${count} small files`,
    files: count,
    bytes: Array.from({ length: count }, (_, i) => content(i).length).reduce((a, b) => a + b, 0),
    write: (dir) => {
      for (let i = 0; i < count; i++) {
        const sub = join(dir, `dir-${i % 100}`);
        mkdirSync(sub, { recursive: true });
        writeFileSync(join(sub, `file-${i}.txt`), content(i));
      }
    },
  };
}
