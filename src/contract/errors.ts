import type { z } from 'zod';
import type { errorBodySchema } from './api-view-schemas';

/**
 * The one catalogue of everai errors. The server turns an EveraiError into
 * `{"error": {"code", "message"}}` with `status`; the CLI prints `message` and exits with `exit`.
 * docs/errors.md documents every code (a test checks that).
 */
export const ERROR_CATALOGUE = {
  EVERAI_BAD_REQUEST: { status: 400, exit: 2, summary: 'the request is malformed or a value is invalid' },
  EVERAI_UNAUTHENTICATED: { status: 401, exit: 3, summary: 'no token, or a token that is not valid' },
  EVERAI_FORBIDDEN: { status: 403, exit: 3, summary: 'the caller may not do this' },
  EVERAI_NOT_FOUND: { status: 404, exit: 4, summary: 'the object does not exist (or is not yours)' },
  EVERAI_IMAGE_NOT_FOUND: { status: 404, exit: 4, summary: 'the image reference resolves to nothing' },
  EVERAI_CONFLICT: { status: 409, exit: 5, summary: 'the object already exists or changed meanwhile' },
  EVERAI_RESOURCES_UNAVAILABLE: { status: 400, exit: 2, summary: 'no machine could ever give a worker the resources the app requests' },
  EVERAI_BODY_TOO_LARGE: { status: 413, exit: 2, summary: 'the request body is over the limit' },
  EVERAI_WORKER_FAILED: { status: 502, exit: 6, summary: 'the worker failed while answering' },
  EVERAI_APP_PAUSED: { status: 503, exit: 6, summary: 'the app is paused' },
  EVERAI_QUEUE_TIMEOUT: { status: 503, exit: 6, summary: 'no worker could take the request in time' },
  EVERAI_UNAVAILABLE: { status: 503, exit: 6, summary: 'the app has no worker to serve it' },
  EVERAI_INTERNAL: { status: 500, exit: 1, summary: 'an unexpected server error (see the server log by request id)' },
  EVERAI_USAGE: { status: 400, exit: 2, summary: 'the command line is wrong' },
  EVERAI_APP_INVALID: { status: 400, exit: 2, summary: 'the app definition does not load or is wrong' },
  EVERAI_UNREACHABLE: { status: 503, exit: 7, summary: 'the CLI cannot reach the server' },
  EVERAI_STORE_UNREACHABLE: { status: 503, exit: 7, summary: 'the server cannot open its state store (a PostgreSQL database down, refusing, or unknown)' },
  EVERAI_REGISTRY_FAILED: { status: 502, exit: 6, summary: 'another registry refused or failed a pull (credentials, missing image, unreachable)' },
  EVERAI_ABORTED: { status: 400, exit: 8, summary: 'the CLI asked for confirmation and was told no: nothing changed' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface EveraiErrorOptions {
  /** Response headers the error carries (a 401's WWW-Authenticate, a 405's Allow). */
  headers?: Record<string, string>;
  /**
   * What failed underneath (a worker's socket error, a store's I/O error): kept for the server log,
   * never sent to a user; the message is what the user reads.
   */
  cause?: unknown;
}

export class EveraiError extends Error {
  readonly status: number;
  readonly exitCode: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    { headers = {}, cause }: EveraiErrorOptions = {},
  ) {
    // Only with a cause: an own `cause` property of undefined would still print in the log.
    super(message, cause === undefined ? undefined : { cause });
    this.headers = headers;
    this.name = 'EveraiError';
    this.status = ERROR_CATALOGUE[code].status;
    this.exitCode = ERROR_CATALOGUE[code].exit;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in ERROR_CATALOGUE;
}

/** `{"error": {"code", "message", "requestId"?}}`: its schema is in api-view-schemas.ts, for the OpenAPI document. */
export type ErrorBody = z.infer<typeof errorBodySchema>;
