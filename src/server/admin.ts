import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { newId, newToken, isToken } from '../contract/ids';
import { EveraiError } from '../contract/errors';
import { nowIso } from '../contract/time';
import { hashToken } from './auth';
import type { Store } from './store/store';
import { DEFAULT_NAMESPACE } from './namespaces/namespace-service';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * On the first start, creates the admin user with the given token (or a generated one) and keeps
 * the token in a 0600 file in the data folder. Returns the token when it was created now.
 */
export async function ensureAdmin(store: Store, dataDir: string, wanted?: string): Promise<string | undefined> {
  if ((await store.users.count()) > 0) return undefined;
  if (wanted !== undefined && !isToken(wanted)) {
    throw new EveraiError('EVERAI_BAD_REQUEST', 'the admin token must be everai_ followed by 22 base57 characters');
  }
  const token = wanted ?? newToken();
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  await fs.writeFile(file, `${token}\n`, { mode: 0o600 });
  const admin = { id: newId(), name: 'admin', tokenHash: hashToken(token), isAdmin: true, createdAt: nowIso() };
  await store.transaction(async (tx) => {
    await tx.users.create(admin);
    await tx.namespaces.create({ ownerId: admin.id, name: DEFAULT_NAMESPACE, createdAt: admin.createdAt });
  });
  return token;
}
