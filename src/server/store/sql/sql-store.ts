import type { Store, StoreHandle, StoreLease } from '../store';
import { sqlAppStore } from './sql-app-store';
import type { SqlConnection, SqlDatabase } from './sql-connection';
import { sqlEventStore } from './sql-event-store';
import { sqlImageStore } from './sql-image-store';
import { sqlKeyValueStore } from './sql-key-value-store';
import { sqlNamespaceStore } from './sql-namespace-store';
import { sqlUserStore } from './sql-user-store';
import { sqlVolumeStore } from './sql-volume-store';
import { sqlWorkerStore } from './sql-worker-store';
import type { Within } from './within';

/** Every sub-store on `connection`; `within` says where a transaction they need runs. */
function sqlHandle(connection: SqlConnection, within: Within): StoreHandle {
  const handle: StoreHandle = {
    users: sqlUserStore(connection, within),
    namespaces: sqlNamespaceStore(connection),
    apps: sqlAppStore(connection, within),
    workers: sqlWorkerStore(connection),
    events: sqlEventStore(connection),
    images: sqlImageStore(connection),
    volumes: sqlVolumeStore(connection, within),
    keyValues: sqlKeyValueStore(connection),
    transaction: (work) => within((tx) => work(tx === connection ? handle : transactionHandle(tx))),
  };
  return handle;
}

/** A transaction's handle: everything it does, nested transactions included, runs on its connection. */
function transactionHandle(tx: SqlConnection): StoreHandle {
  return sqlHandle(tx, (work) => work(tx));
}

/** The store over any SQL dialect the SqlDatabase interface covers. */
export class SqlStore implements Store {
  readonly users;
  readonly namespaces;
  readonly apps;
  readonly workers;
  readonly events;
  readonly images;
  readonly volumes;
  readonly keyValues;
  readonly transaction;

  constructor(
    private readonly db: SqlDatabase,
    private readonly lease: () => StoreLease,
  ) {
    const handle = sqlHandle(db, (work) => db.transaction(work));
    this.users = handle.users;
    this.namespaces = handle.namespaces;
    this.apps = handle.apps;
    this.workers = handle.workers;
    this.events = handle.events;
    this.images = handle.images;
    this.volumes = handle.volumes;
    this.keyValues = handle.keyValues;
    this.transaction = handle.transaction;
  }

  controllerLease(): StoreLease {
    return this.lease();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
