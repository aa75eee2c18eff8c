import { EveraiError } from '../common/errors';
import { parseImageRef } from '../common/image-ref';
import { invalid } from './option-checks';
import type { StringOrPlaceholder } from './placeholder';

export interface RegistryAuth {
  username: StringOrPlaceholder;
  password: StringOrPlaceholder;
}

export interface ImageOptions {
  /** Credentials for a registry other than the platform's own. */
  auth?: RegistryAuth;
}

/** The image an app's workers run. */
export class Image {
  private constructor(
    readonly ref: string,
    readonly auth: RegistryAuth | null,
  ) {}

  static fromRegistry(ref: string, options: ImageOptions = {}): Image {
    try {
      parseImageRef(String(ref));
    } catch (error) {
      // The same words the server would use, but as what it is here: a mistake in the app.
      throw error instanceof EveraiError ? invalid(error.message) : error;
    }
    const { auth } = options;
    if (auth !== undefined && (auth.username === undefined || auth.password === undefined)) {
      throw invalid(`image '${ref}': auth needs both username and password`);
    }
    return new Image(ref, auth ?? null);
  }

  toJSON(): { ref: string } {
    // Credentials stay out of anything serialised; the platform reads them through Placeholders.
    return { ref: this.ref };
  }
}
