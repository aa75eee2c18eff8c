import { isInUserSpace } from '../../contract/image-space';
import type { UserRecord } from '../store/records';
import type { ImageStore } from '../store/store';
import { RegistryError } from './registry-errors';

type Caller = Pick<UserRecord, 'id' | 'name'>;

function unknown(repository: string): RegistryError {
  return new RegistryError('NAME_UNKNOWN', `repository '${repository}' is not known`);
}

/**
 * Distribution spec, "Error Codes": DENIED. Decided by the path alone, so it says nothing about
 * whether the repository exists.
 */
function denied(caller: Caller, repository: string): RegistryError {
  return new RegistryError('DENIED', `repository '${repository}' is not in your space of the registry: yours are named ${caller.name}/...`);
}

/**
 * Each user reaches only the repositories of their own space, `<user name>/...`, admins included
 * (docs/tenancy.md: no user sees another user's images). Within it a repository is claimed by its
 * first push, and the claim is checked too, so a space never holds what another user pushed.
 */
export class RepositoryAccess {
  constructor(private readonly images: ImageStore) {}

  async canRead(caller: Caller, repository: string): Promise<boolean> {
    if (!isInUserSpace(caller.name, repository)) return false;
    const owner = await this.images.repositoryOwner(repository);
    return owner !== undefined && owner === caller.id;
  }

  async requireRead(caller: Caller, repository: string): Promise<void> {
    if (!isInUserSpace(caller.name, repository)) throw denied(caller, repository);
    if (!(await this.canRead(caller, repository))) throw unknown(repository);
  }

  /** Claims a new repository of the caller's space for them. */
  async requireWrite(caller: Caller, repository: string): Promise<void> {
    if (!isInUserSpace(caller.name, repository)) throw denied(caller, repository);
    await this.images.claimRepository(repository, caller.id);
    // The store keeps the first claim of a name only: the claim just made is not proof of it.
    const owner = await this.images.repositoryOwner(repository);
    if (owner !== caller.id) throw unknown(repository);
  }
}
