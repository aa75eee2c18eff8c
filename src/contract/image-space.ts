import { EveraiError } from './errors';
import { isRepositoryName } from './image-ref';

/**
 * Each user has a space of their own in the platform's registry: the repositories whose path
 * starts with their user name, `alice/get-start`. The registry path says whose an image is, so two
 * users may both build `get-start:v1` (docs/tenancy.md, "Images").
 */

/** Whether `repository` (a registry path, as `/v2/<repository>/...` names it) is in the user's space. */
export function isInUserSpace(userName: string, repository: string): boolean {
  return repository.startsWith(`${userName}/`);
}

/**
 * The registry path an image name means for a user: the name itself when it is already in their
 * space (`alice/get-start` for alice), else the name under it (`get-start` → `alice/get-start`). So
 * it is the same for a name written either way, and a user can never name another user's image.
 */
export function inUserSpace(userName: string, repository: string): string {
  if (isInUserSpace(userName, repository)) return repository;
  const path = `${userName}/${repository}`;
  if (!isRepositoryName(path)) {
    throw new EveraiError('EVERAI_BAD_REQUEST', `image name '${repository}' is too long: as ${path} in your space of the registry it is over 255 characters`);
  }
  return path;
}
