import { invalid } from './option-checks';

/** `NAME`, or `OWNER/NAME` for a volume another user published (docs/tenancy.md). */
const VOLUME_REF = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A volume the app's workers see, read-only, at the revision the app pins. */
export class VolumeRequest {
  constructor(readonly name: string) {
    if (typeof name !== 'string' || !VOLUME_REF.test(name)) {
      throw invalid(`'${String(name)}' is not a volume name (NAME or OWNER/NAME)`);
    }
  }

  toJSON(): string {
    return this.name;
  }
}
