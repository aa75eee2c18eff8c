import { decodeValues } from '../../contract/base64';
import { EveraiError } from '../../contract/errors';
import { nowIso } from '../../contract/time';
import type { KeyValueRecord, UserRecord } from '../store/records';
import type { Store } from '../store/store';
import { appsPinningKeyValue, appsScalingByKeyValue } from './key-value-pins';
import { checkItems, checkKeyValueName, kindWord } from './key-value-checks';
import type { KeyValueKind, KeyValueObject, KeyValueSource } from './key-value-source';
import type { KeyRotationView, KeyValueUpdate, KeyValueView } from '../../contract/key-value-view';
import { open, seal } from './secret-cipher';
import { SecretKeyRing } from './secret-key-ring';

type Items = Record<string, string>;

/** Which keys `after` adds to `before`, removes from it, and gives another value, each sorted. */
function keyChanges(before: Items, after: Items): Pick<KeyValueUpdate, 'added' | 'removed' | 'modified'> {
  const keys = (items: Items, keep: (key: string) => boolean) => Object.keys(items).filter(keep).sort();
  return {
    added: keys(after, (key) => !(key in before)),
    removed: keys(before, (key) => !(key in after)),
    modified: keys(after, (key) => key in before && before[key] !== after[key]),
  };
}

const appName = (app: { namespace: string; name: string }) => `${app.namespace}/${app.name}`;

/**
 * Secrets and configmaps (docs/secrets.md): what users ask of them, and what the rest of the server reads
 * (KeyValueSource). A secret's items (values in base64) are sealed with the key ring's current key,
 * bound to owner, name and version; a configmap's are stored as they are.
 */
export class KeyValueService implements KeyValueSource {
  private constructor(
    private readonly store: Store,
    private readonly keys: SecretKeyRing,
  ) {}

  /** Opens the key ring in `keyDir`, and finishes a key rotation a crash interrupted. */
  static async open(store: Store, keyDir: string): Promise<KeyValueService> {
    const service = new KeyValueService(store, await SecretKeyRing.open(keyDir));
    await service.dropUnusedKeys();
    return service;
  }

  async create(user: UserRecord, kind: KeyValueKind, name: string, data: unknown): Promise<KeyValueView> {
    const items = checkItems(kind, checkKeyValueName(kind, name), data);
    if (await this.store.keyValues.get(user.id, kind, name)) {
      throw new EveraiError('EVERAI_CONFLICT', `${kindWord(kind)} '${name}' already exists: change it with \`everai ${kindWord(kind)} update\``);
    }
    await this.addVersion(user.id, kind, name, 1, items);
    return this.get(user, kind, name, false);
  }

  /**
   * Replaces every item, or with `merge` sets the given ones and keeps the rest; a new version only
   * if the items differ from the newest. Says which keys changed, and which apps the new version
   * reaches how: autoscalers read it at their next round, pinned revisions only after `app update`.
   */
  async update(user: UserRecord, kind: KeyValueKind, name: string, data: unknown, merge: boolean): Promise<KeyValueUpdate> {
    const given = checkItems(kind, checkKeyValueName(kind, name), data);
    const latest = await this.latest(user.id, kind, name);
    const before = this.itemsOf(latest);
    const items = merge ? { ...before, ...given } : given;
    const changes = keyChanges(before, items);
    const changed = changes.added.length + changes.removed.length + changes.modified.length > 0;
    if (changed) await this.addVersion(user.id, kind, name, latest.version + 1, items);
    return {
      changed,
      ...changes,
      object: await this.get(user, kind, name, false),
      pinnedBy: (await appsPinningKeyValue(this.store, user.id, kind, name)).map(appName),
      scaledBy: (await appsScalingByKeyValue(this.store, user.id, kind, name)).map(appName),
    };
  }

  /** Deletes every version, unless an app's current revision pins one (its next worker would not start). */
  async delete(user: UserRecord, kind: KeyValueKind, name: string): Promise<void> {
    await this.latest(user.id, kind, name);
    const pinning = await appsPinningKeyValue(this.store, user.id, kind, name);
    if (pinning.length > 0) {
      const apps = pinning.map((app) => `'${app.namespace}/${app.name}'`).join(', ');
      throw new EveraiError('EVERAI_CONFLICT', `${kindWord(kind)} '${name}' is in use by ${apps}: delete those apps, or update them off it, first`);
    }
    await this.store.keyValues.delete(user.id, kind, name);
  }

  async list(user: UserRecord, kind: KeyValueKind): Promise<KeyValueView[]> {
    return (await this.store.keyValues.list(user.id, kind)).map((summary) => ({ kind, ...summary }));
  }

  /** The newest version's keys, and its values with `withValues`; only the owner ever sees it. */
  async get(user: UserRecord, kind: KeyValueKind, name: string, withValues: boolean): Promise<KeyValueView> {
    const latest = await this.latest(user.id, kind, name);
    const first = (await this.store.keyValues.get(user.id, kind, name, 1)) ?? latest;
    const items = this.itemsOf(latest);
    return {
      kind,
      name,
      version: latest.version,
      items: latest.items,
      keys: Object.keys(items).sort(),
      ...(withValues ? { data: items } : {}),
      createdAt: first.createdAt,
      updatedAt: latest.createdAt,
    };
  }

  async read(ownerId: string, kind: KeyValueKind, name: string, version?: number): Promise<KeyValueObject> {
    const record = await this.store.keyValues.get(ownerId, kind, name, version);
    if (!record) throw notFound(kind, name, version);
    const items = this.itemsOf(record);
    return { name, version: record.version, data: kind === 'Secret' ? decodeValues(items) : items };
  }

  /**
   * A new key, every secret version sealed again with it in one transaction, then the old key
   * files removed. A crash before the commit leaves every version on the old key (still there); a
   * crash after it leaves old files that the next start removes.
   */
  async rotateKey(user: UserRecord): Promise<KeyRotationView> {
    if (!user.isAdmin) throw new EveraiError('EVERAI_FORBIDDEN', 'only an admin may rotate the secret key');
    const keyId = await this.keys.add();
    const key = this.keys.key(keyId);
    const resealed = await this.store.transaction(async (tx) => {
      let count = 0;
      for (const record of await tx.keyValues.all('Secret')) {
        if (record.keyId === keyId) continue;
        const plain = open(this.keys.key(record.keyId), record.data, record);
        await tx.keyValues.reseal({ ...record, keyId, data: seal(key, plain, record) });
        count++;
      }
      return count;
    });
    return { keyId, resealed, removed: await this.dropUnusedKeys() };
  }

  /** Removes every key but the current one that no secret version is sealed with. */
  private async dropUnusedKeys(): Promise<string[]> {
    const used = new Set(await this.store.keyValues.keyIds());
    const unused = this.keys.ids().filter((id) => id !== this.keys.currentId && !used.has(id));
    for (const id of unused) await this.keys.remove(id);
    return unused;
  }

  private async latest(ownerId: string, kind: KeyValueKind, name: string): Promise<KeyValueRecord> {
    const record = await this.store.keyValues.get(ownerId, kind, name);
    if (!record) throw notFound(kind, name);
    return record;
  }

  private async addVersion(ownerId: string, kind: KeyValueKind, name: string, version: number, items: Items): Promise<void> {
    const json = JSON.stringify(items);
    const keyId = kind === 'Secret' ? this.keys.currentId : '';
    const data = kind === 'Secret' ? seal(this.keys.key(keyId), json, { ownerId, name, version }) : json;
    await this.store.keyValues.add({ ownerId, kind, name, version, items: Object.keys(items).length, data, keyId, createdAt: nowIso() });
  }

  private itemsOf(record: KeyValueRecord): Items {
    const json = record.kind === 'Secret' ? open(this.keys.key(record.keyId), record.data, record) : record.data;
    return JSON.parse(json) as Items;
  }
}

function notFound(kind: KeyValueKind, name: string, version?: number): EveraiError {
  return new EveraiError('EVERAI_NOT_FOUND', `${kindWord(kind)} '${name}'${version === undefined ? '' : ` version ${version}`} not found`);
}
