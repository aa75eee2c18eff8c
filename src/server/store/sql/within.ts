import type { SqlConnection } from './sql-connection';

/**
 * Runs `work` inside a transaction: a new one on the database's own handle, the current one on a
 * transaction's handle. A store method that must be atomic (a user's delete) takes this, so it
 * joins the caller's transaction when there is one instead of opening a second.
 */
export type Within = <T>(work: (connection: SqlConnection) => Promise<T>) => Promise<T>;
