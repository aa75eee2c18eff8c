import { EveraiError } from './errors';

/** The names the SDK accepts for volumes (src/sdk/option-checks.ts), so an app can name any volume. */
const VOLUME_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
const MAX_NAME_LENGTH = 253;

export function checkVolumeName(name: string): string {
  const problem =
    name === ''
      ? 'must not be empty'
      : name.length > MAX_NAME_LENGTH
        ? `is over ${MAX_NAME_LENGTH} characters`
        : VOLUME_NAME.test(name)
          ? undefined
          : "may hold only letters, digits, '.', '_' and '-', and must start and end with a letter or digit";
  if (problem) throw new EveraiError('EVERAI_BAD_REQUEST', `volume name ${JSON.stringify(name.slice(0, 80))} ${problem}`);
  return name;
}

/** `NAME` (the caller's own volume) or `OWNER/NAME` (a volume OWNER published). */
export interface VolumeRef {
  owner: string | undefined;
  name: string;
}

export function parseVolumeRef(ref: string): VolumeRef {
  const slash = ref.indexOf('/');
  if (slash < 0) return { owner: undefined, name: checkVolumeName(ref) };
  const owner = ref.slice(0, slash);
  if (owner === '') throw new EveraiError('EVERAI_BAD_REQUEST', `volume '${ref}' has an empty owner: write OWNER/NAME`);
  return { owner, name: checkVolumeName(ref.slice(slash + 1)) };
}
