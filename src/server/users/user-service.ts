import { EveraiError } from '../../contract/errors';
import { newId, newToken } from '../../contract/ids';
import { nowIso } from '../../contract/time';
import { checkName } from '../apps/app-request';
import { hashToken, type Authenticator } from '../auth';
import type { UserRecord } from '../store/records';
import type { Store } from '../store/store';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace-service';

/** Stops every worker of the user's apps; resolves once none runs (the app service). */
export interface AppRetirer {
  retireAll(owner: UserRecord): Promise<void>;
}

export interface UserServiceDeps {
  store: Store;
  auth: Authenticator;
  apps: AppRetirer;
}

/**
 * Users and their tokens (docs/tenancy.md, "Users and tokens"). Only an admin manages users;
 * everyone may rotate their own token. A token is shown once, when made, and kept only as its
 * hash. Whatever changes a token tells the authenticator, so an old token stops working at once
 * rather than when its cache entry runs out.
 */
export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  private requireAdmin(caller: UserRecord, what: string): void {
    if (!caller.isAdmin) throw new EveraiError('EVERAI_FORBIDDEN', `only an admin can ${what}`);
  }

  async create(caller: UserRecord, name: string): Promise<{ user: UserRecord; token: string }> {
    this.requireAdmin(caller, 'create users');
    checkName('user name', name);
    const { store } = this.deps;
    const token = newToken();
    const user: UserRecord = { id: newId(), name, tokenHash: hashToken(token), isAdmin: false, createdAt: nowIso() };
    await store.transaction(async (tx) => {
      if (await tx.users.byName(name)) throw new EveraiError('EVERAI_CONFLICT', `user '${name}' already exists`);
      await tx.users.create(user);
      await tx.namespaces.create({ ownerId: user.id, name: DEFAULT_NAMESPACE, createdAt: user.createdAt });
    });
    await this.deps.auth.forgetAll();
    return { user, token };
  }

  async list(caller: UserRecord): Promise<UserRecord[]> {
    this.requireAdmin(caller, 'list users');
    return this.deps.store.users.list();
  }

  /**
   * The user's token stops working first, then their workers stop, then everything they own is
   * deleted. A crash in between leaves a user who cannot log in: deleting again finishes the job.
   */
  async delete(caller: UserRecord, name: string): Promise<void> {
    this.requireAdmin(caller, 'delete users');
    const { store, auth, apps } = this.deps;
    const user = await store.users.byName(name);
    if (!user) throw new EveraiError('EVERAI_NOT_FOUND', `user '${name}' not found`);
    if (user.id === caller.id) throw new EveraiError('EVERAI_BAD_REQUEST', 'you cannot delete yourself');
    // A hash of a fresh random token that nobody was shown: no token matches any more.
    await store.users.setTokenHash(user.id, hashToken(newToken()));
    await auth.forgetAll();
    await apps.retireAll(user);
    await store.users.delete(user.id);
  }

  /** A new token for the caller; the old one stops working now. */
  async rotateToken(caller: UserRecord): Promise<string> {
    const token = newToken();
    await this.deps.store.users.setTokenHash(caller.id, hashToken(token));
    await this.deps.auth.forgetAll();
    return token;
  }
}
