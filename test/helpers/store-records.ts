import { newId } from '../../src/contract/ids';
import type { AppRecord, KeyValueRecord, UserRecord, VolumeRecord, WorkerRecord } from '../../src/server/store/records';
import type { Store } from '../../src/server/store/store';

/** Records as the services make them, for tests and benches that talk to a store directly. */

export const NOW = '2026-01-02T03:04:05.000Z';

export function user(name: string): UserRecord {
  return { id: newId(), name, tokenHash: `hash-${newId()}`, isAdmin: false, createdAt: NOW };
}

export function app(owner: UserRecord, name: string, namespace = 'default'): AppRecord {
  return {
    id: newId(),
    name,
    namespace,
    ownerId: owner.id,
    routeName: `${name}-${newId().slice(0, 6).toLowerCase()}`,
    targetRevision: 1,
    desiredWorkers: 1,
    concurrency: 1,
    routeAuth: 'private',
    readyTimeoutMs: 600_000,
    maxDrainMs: 3_600_000,
    autoscaler: null,
    queueTimeoutMs: null,
    stableRevision: 0,
    manualScaleAt: null,
    paused: false,
    status: 'PREPARING',
    statusReason: '',
    createdAt: NOW,
    updatedAt: NOW,
  };
}

export function worker(appId: string, createdAt = NOW): WorkerRecord {
  return {
    id: newId(),
    appId,
    revision: 1,
    status: 'CREATED',
    phase: '',
    pid: null,
    port: null,
    replaceWorkerId: null,
    statusReason: '',
    createdAt,
    launchAt: null,
    deletedAt: null,
    lastServeAt: null,
    successCount: 0,
    failedCount: 0,
  };
}

export function volume(owner: UserRecord, name: string): VolumeRecord {
  return { id: newId(), name, ownerId: owner.id, status: 'Private', createdAt: NOW, updatedAt: NOW };
}

export function secret(owner: UserRecord, name: string, version: number, keyId = 'key-1'): KeyValueRecord {
  return { ownerId: owner.id, kind: 'Secret', name, version, items: 1, data: `sealed-${version}`, keyId, createdAt: NOW };
}

/** A user with their `default` namespace, as user-service makes one. */
export async function addUser(store: Store, name: string): Promise<UserRecord> {
  const record = user(name);
  await store.transaction(async (tx) => {
    await tx.users.create(record);
    await tx.namespaces.create({ ownerId: record.id, name: 'default', createdAt: NOW });
  });
  return record;
}

