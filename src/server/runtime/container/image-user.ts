import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ifExists } from '../../../contract/if-exists';

/**
 * The uid and gid of an image config's `User` (image spec, "config.User"): `user`, `uid`,
 * `user:group` or `uid:gid`; names are looked up in the image's own /etc/passwd and /etc/group.
 * Empty means root, as every OCI runtime takes it.
 */
export async function resolveImageUser(rootfs: string, user: string): Promise<{ uid: number; gid: number }> {
  if (user === '') return { uid: 0, gid: 0 };
  const [name = '', group] = user.split(':');
  const passwd = /^\d+$/.test(name) ? undefined : await entry(rootfs, 'passwd', name);
  const uid = passwd ? Number(passwd[2]) : Number(name);
  if (!Number.isInteger(uid)) throw new Error(`the image's user '${name}' is not in its /etc/passwd`);
  let gid = passwd ? Number(passwd[3]) : uid === 0 ? 0 : uid;
  if (group !== undefined) {
    const found = /^\d+$/.test(group) ? undefined : await entry(rootfs, 'group', group);
    gid = found ? Number(found[2]) : Number(group);
    if (!Number.isInteger(gid)) throw new Error(`the image's group '${group}' is not in its /etc/group`);
  } else if (!passwd) {
    // A bare uid: its primary group, where the image's /etc/passwd has it.
    const byUid = await entryWhere(rootfs, 'passwd', (fields) => fields[2] === String(uid));
    if (byUid) gid = Number(byUid[3]);
  }
  return { uid, gid };
}

async function entry(rootfs: string, file: 'passwd' | 'group', name: string): Promise<string[] | undefined> {
  return entryWhere(rootfs, file, (fields) => fields[0] === name);
}

async function entryWhere(rootfs: string, file: 'passwd' | 'group', match: (fields: string[]) => boolean): Promise<string[] | undefined> {
  const text = await ifExists(fs.readFile(join(rootfs, 'etc', file), 'utf8'));
  if (text === undefined) return undefined;
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .find(match);
}
