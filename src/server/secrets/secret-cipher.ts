import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EveraiError } from '../../contract/errors';

/** AES-256-GCM (NIST SP 800-38D): a 96-bit random IV per sealing, a 128-bit tag. */
const ALGORITHM = 'aes-256-gcm';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Which secret version a ciphertext belongs to; bound as AAD so a row moved to another cannot be opened. */
export interface SealedFor {
  ownerId: string;
  name: string;
  version: number;
}

function aad({ ownerId, name, version }: SealedFor): Buffer {
  return Buffer.from(JSON.stringify(['everai-secret', ownerId, name, version]));
}

/** `base64(iv | ciphertext | tag)`: what the store keeps. */
export function seal(key: Buffer, plain: string, sealedFor: SealedFor): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(sealedFor));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** The plain text, or an internal error when the key, the data or the version it is bound to is wrong. */
export function open(key: Buffer, sealed: string, sealedFor: SealedFor): string {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) throw cannotOpen(sealedFor);
  const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(sealedFor));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw cannotOpen(sealedFor);
  }
}

function cannotOpen({ name, version }: SealedFor): EveraiError {
  return new EveraiError('EVERAI_INTERNAL', `secret '${name}' version ${version} cannot be decrypted: its data or key was changed`);
}
