import { randomBytes } from 'node:crypto';

/** The base57 alphabet of ids and tokens: no 0, 1, I, O or l, so ids read aloud without doubt. */
export const BASE57_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const ID_LENGTH = 22;

/** 22 base57 characters (about 128 bits), drawn without modulo bias. */
export function newId(): string {
  let out = '';
  while (out.length < ID_LENGTH) {
    for (const byte of randomBytes(32)) {
      // 228 = 4 * 57: bytes at or above it would favour the first letters.
      if (byte < 228) out += BASE57_ALPHABET[byte % 57];
      if (out.length === ID_LENGTH) break;
    }
  }
  return out;
}

/** What every platform token starts with, so a token can be told from other credentials without a lookup. */
export const TOKEN_PREFIX = 'everai_';

export function newToken(): string {
  return `${TOKEN_PREFIX}${newId()}`;
}

export function isToken(value: string): boolean {
  return /^everai_[2-9A-HJ-NP-Za-km-z]{22}$/.test(value);
}
