import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { EveraiError } from '../../contract/errors';
import { KEY_BYTES } from './secret-cipher';

const KEY_FILE = /^(\d{6})-([0-9a-f]{8})\.key$/;

/**
 * The keys that seal secrets: one 0600 file each in a 0700 folder of the data folder, named
 * `SEQ-RANDOM.key`. The highest SEQ is the current key, which seals everything new; older keys
 * stay until no secret needs them, so a rotation interrupted at any step leaves all readable.
 */
export class SecretKeyRing {
  private constructor(
    private readonly dir: string,
    private readonly keys: Map<string, Buffer>,
  ) {}

  /** Loads the folder's keys, creating the folder and a first key on the first start. */
  static async open(dir: string): Promise<SecretKeyRing> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const keys = new Map<string, Buffer>();
    for (const file of (await fs.readdir(dir)).sort()) {
      // Half-written by a crash in `add`, so never used: nothing was sealed with it.
      if (file.endsWith('.key.tmp')) await fs.rm(join(dir, file), { force: true });
      const id = KEY_FILE.exec(file) ? file.slice(0, -'.key'.length) : undefined;
      if (!id) continue;
      const key = Buffer.from((await fs.readFile(join(dir, file), 'utf8')).trim(), 'hex');
      if (key.length !== KEY_BYTES) throw new Error(`secret key file ${join(dir, file)} does not hold ${KEY_BYTES} hex bytes`);
      keys.set(id, key);
    }
    const ring = new SecretKeyRing(dir, keys);
    if (keys.size === 0) await ring.add();
    return ring;
  }

  get currentId(): string {
    return [...this.keys.keys()].sort().at(-1) as string;
  }

  ids(): string[] {
    return [...this.keys.keys()].sort();
  }

  key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new EveraiError('EVERAI_INTERNAL', `secret key ${id} is missing from ${this.dir}`);
    return key;
  }

  /** A new current key, on disk (written whole, then renamed into place) before it is used. */
  async add(): Promise<string> {
    const last = this.keys.size === 0 ? 0 : Number(this.currentId.slice(0, 6));
    const id = `${String(last + 1).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
    const key = randomBytes(KEY_BYTES);
    const file = join(this.dir, `${id}.key`);
    const temp = `${file}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(`${key.toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await syncDir(this.dir);
    this.keys.set(id, key);
    return id;
  }

  /** Forgets a key that nothing is sealed with any more, and removes its file. */
  async remove(id: string): Promise<void> {
    if (id === this.currentId) throw new Error('the current secret key cannot be removed');
    this.keys.delete(id);
    await fs.rm(join(this.dir, `${id}.key`), { force: true });
  }
}

/** Makes a rename in `dir` survive a power loss, not only a process crash. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
