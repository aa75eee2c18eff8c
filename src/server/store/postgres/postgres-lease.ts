import type { StoreLease } from '../store';
import { loadPg, pgConfig, type PgClient } from './postgres-client';

/**
 * A session advisory lock on a connection of its own (not the pool's: the lock lives as long as
 * the session, and a pooled connection is shared). A server that dies drops its connection, so
 * PostgreSQL releases the lock and the next poll of a standby takes it.
 */
export class PostgresLease implements StoreLease {
  private client: PgClient | undefined;
  private held = false;
  private readonly lostListeners: (() => void)[] = [];

  constructor(
    private readonly url: string,
    /** Which lock: every server on the database asks for the same one. */
    private readonly name: string,
  ) {}

  async tryAcquire(): Promise<boolean> {
    const client = this.client ?? (await this.connect());
    const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS held', [this.name]);
    this.held = rows[0]?.held === true;
    return this.held;
  }

  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Ending the session releases the lock with it.
    await client?.end();
  }

  private async connect(): Promise<PgClient> {
    const pg = loadPg();
    const client = new pg.Client(pgConfig(pg, this.url));
    const dropped = () => {
      if (this.client !== client) return;
      this.client = undefined;
      if (this.held) {
        this.held = false;
        for (const listener of this.lostListeners) listener();
      }
    };
    client.on('error', dropped);
    client.on('end', dropped);
    await client.connect();
    this.client = client;
    return client;
  }
}
