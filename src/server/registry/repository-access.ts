import type { UserRecord } from '../store/records';
import type { ImageStore } from '../store/store';
import { RegistryError } from './registry-errors';

type Caller = Pick<UserRecord, 'id'>;

/** Another user's repository answers exactly like a missing one, so names never leak. */
function unknown(repository: string): RegistryError {
  return new RegistryError('NAME_UNKNOWN', `repository '${repository}' is not known`);
}

/**
 * A repository belongs to the user who first pushed to it, and only they reach it, admins
 * included (docs/tenancy.md: no user sees another user's images).
 */
export class RepositoryAccess {
  constructor(private readonly images: ImageStore) {}

  async canRead(caller: Caller, repository: string): Promise<boolean> {
    const owner = await this.images.repositoryOwner(repository);
    return owner !== undefined && owner === caller.id;
  }

  async requireRead(caller: Caller, repository: string): Promise<void> {
    if (!(await this.canRead(caller, repository))) throw unknown(repository);
  }

  /** Claims a new repository for the caller; refuses one that another user owns. */
  async requireWrite(caller: Caller, repository: string): Promise<void> {
    await this.images.claimRepository(repository, caller.id);
    // Re-read: when two users race for a new name, the store keeps the first claim only.
    const owner = await this.images.repositoryOwner(repository);
    if (owner !== caller.id) throw unknown(repository);
  }
}
