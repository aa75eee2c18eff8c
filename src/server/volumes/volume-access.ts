import { EveraiError } from '../../contract/errors';
import { parseVolumeRef } from '../../contract/volume-name';
import type { UserRecord, VolumeRecord } from '../store/records';
import type { Store } from '../store/store';

function notFound(ref: string): EveraiError {
  return new EveraiError('EVERAI_NOT_FOUND', `volume '${ref}' not found`);
}

/**
 * Who may do what with a volume (docs/tenancy.md): its owner everything; every user reads a
 * published one as OWNER/NAME; nobody else, admins included, learns that it exists.
 */
export class VolumeAccess {
  constructor(private readonly store: Store) {}

  private async find(user: UserRecord, ref: string): Promise<VolumeRecord | undefined> {
    const { owner, name } = parseVolumeRef(ref);
    const ownerId = owner === undefined || owner === user.name ? user.id : (await this.store.users.byName(owner))?.id;
    return ownerId === undefined ? undefined : this.store.volumes.byName(ownerId, name);
  }

  async readable(user: UserRecord, ref: string): Promise<VolumeRecord> {
    const volume = await this.find(user, ref);
    if (volume && (volume.ownerId === user.id || volume.status === 'Public')) return volume;
    throw notFound(ref);
  }

  async owned(user: UserRecord, ref: string): Promise<VolumeRecord> {
    const volume = await this.readable(user, ref);
    if (volume.ownerId !== user.id) {
      throw new EveraiError('EVERAI_FORBIDDEN', `volume '${ref}' belongs to another user: you may read it, not change it`);
    }
    return volume;
  }
}
