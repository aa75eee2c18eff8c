import { EveraiError } from '../contract/errors';
import { parseImageRef } from '../contract/image-ref';
import { invalid } from './option-checks';
import type { ImageAuthDocument } from '../contract/app-spec';
import { Placeholder } from './placeholder';

/** Registry credentials, read from a secret when the platform pulls (docs/manifest.md, "Images on other registries"). */
export interface RegistryAuth {
  username: Placeholder;
  password: Placeholder;
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
    for (const field of ['username', 'password'] as const) {
      // Checked at run time too: JavaScript apps have no types. Plain text would be stored in plain.
      if (auth !== undefined && !(auth[field] instanceof Placeholder)) {
        throw invalid(
          `image '${ref}': auth.${field} must be a Placeholder of a secret, not plain text: \`everai secret create NAME --from-literal username=... --from-literal password=...\`, then new Placeholder('NAME', '${field}', { kind: 'Secret' })`,
        );
      }
    }
    return new Image(ref, auth ?? null);
  }

  /** The credentials by reference only: the platform reads their values from the secret when it pulls. */
  authDocument(): ImageAuthDocument | null {
    return this.auth && { username: this.auth.username.toJSON(), password: this.auth.password.toJSON() };
  }

  toJSON(): { ref: string } {
    return { ref: this.ref };
  }
}
