import { EveraiError } from '../contract/errors';

/** An app definition that cannot be right: the user's mistake, reported where the app loads. */
export function invalid(message: string): EveraiError {
  return new EveraiError('EVERAI_APP_INVALID', message);
}

export function checkInteger(value: number, what: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw invalid(`${what} must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

export function checkPositiveNumber(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${what} must be a number > 0, got ${String(value)}`);
  }
  return value;
}

/** Names of secrets, configmaps and volumes: what the CLI lets a user create. */
const OBJECT_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

export function checkObjectName(value: string, what: string): string {
  if (typeof value !== 'string' || !OBJECT_NAME.test(value)) {
    throw invalid(`${what} '${String(value)}' is not a valid name (letters, digits, '.', '_', '-')`);
  }
  return value;
}
