import { EveraiError } from '../../contract/errors';
import { nowIso } from '../../contract/time';
import { checkName } from '../apps/app-request';
import type { NamespaceRecord, UserRecord } from '../store/records';
import type { Store } from '../store/store';

export const DEFAULT_NAMESPACE = 'default';

/** Deletes one app, draining its workers first (the app service). */
export interface AppDeleter {
  delete(user: UserRecord, namespace: string, name: string): Promise<void>;
}

/**
 * A user's namespaces (docs/tenancy.md, "Namespaces"). They belong to one user: two users may
 * both have `dev`, and another user's namespace is as if it did not exist. `default` is made with
 * the user and stays.
 */
export class NamespaceService {
  constructor(
    private readonly store: Store,
    private readonly apps: AppDeleter,
  ) {}

  async create(user: UserRecord, name: string): Promise<NamespaceRecord> {
    checkName('namespace name', name);
    const namespace = { ownerId: user.id, name, createdAt: nowIso() };
    await this.store.transaction(async (tx) => {
      if (await tx.namespaces.get(user.id, name)) {
        throw new EveraiError('EVERAI_CONFLICT', `namespace '${name}' already exists`);
      }
      await tx.namespaces.create(namespace);
    });
    return namespace;
  }

  async get(user: UserRecord, name: string): Promise<NamespaceRecord> {
    const namespace = await this.store.namespaces.get(user.id, name);
    if (!namespace) throw new EveraiError('EVERAI_NOT_FOUND', `namespace '${name}' not found`);
    return namespace;
  }

  list(user: UserRecord): Promise<NamespaceRecord[]> {
    return this.store.namespaces.list(user.id);
  }

  /** Refused while the namespace holds apps, unless `force`: then they are deleted (drained) first. */
  async delete(user: UserRecord, name: string, force: boolean): Promise<void> {
    await this.get(user, name);
    if (name === DEFAULT_NAMESPACE) throw new EveraiError('EVERAI_BAD_REQUEST', `namespace '${DEFAULT_NAMESPACE}' cannot be deleted`);
    const apps = await this.store.apps.list({ ownerId: user.id, namespace: name });
    if (apps.length > 0 && !force) {
      const names = apps.map((a) => a.name).join(', ');
      throw new EveraiError(
        'EVERAI_CONFLICT',
        `namespace '${name}' still holds ${apps.length} app(s) (${names}): delete them first, or use --force`,
      );
    }
    for (const app of apps) await this.apps.delete(user, name, app.name);
    await this.store.namespaces.delete(user.id, name);
  }
}
