import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EveraiError, type ErrorCode } from '../../contract/errors';
import { sendJson } from '../http/respond';
import type { Logger } from '../logger';

/** OCI distribution spec, "Error Codes", with the status each one usually travels with. */
const OCI_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_STATUS;

function catalogueCode(status: number): ErrorCode {
  if (status === 401) return 'EVERAI_UNAUTHENTICATED';
  if (status === 403) return 'EVERAI_FORBIDDEN';
  if (status === 404) return 'EVERAI_NOT_FOUND';
  if (status === 413) return 'EVERAI_BODY_TOO_LARGE';
  return 'EVERAI_BAD_REQUEST';
}

/**
 * An error of the registry protocol: registry clients read the OCI code, so it travels next to the
 * catalogue code that the rest of everai understands.
 */
export class RegistryError extends EveraiError {
  override readonly status: number;

  constructor(
    readonly ociCode: OciErrorCode,
    message: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    const status = options.status ?? OCI_ERROR_STATUS[ociCode];
    super(catalogueCode(status), message, { headers: options.headers ?? {} });
    this.status = status;
  }
}

export const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Basic realm="everai"' };

function ociCodeFor(error: EveraiError): string {
  if (error.status === 401) return 'UNAUTHORIZED';
  if (error.status === 403) return 'DENIED';
  if (error.status === 404) return 'NAME_UNKNOWN';
  if (error.status === 413) return 'SIZE_INVALID';
  return 'UNSUPPORTED';
}

/**
 * The registry's one place where an error becomes a response, in the OCI format
 * `{"errors": [{"code", "message"}]}` (distribution spec, "Error Codes") that registry clients parse.
 */
export function sendRegistryError(req: IncomingMessage, res: ServerResponse, error: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  let status = 500;
  let code = 'UNKNOWN';
  let message: string;
  let headers: Record<string, string> = {};
  if (error instanceof RegistryError) {
    ({ status, headers } = error);
    code = error.ociCode;
    message = error.message;
  } else if (error instanceof EveraiError) {
    ({ status, headers } = error);
    code = ociCodeFor(error);
    message = error.message;
  } else {
    const requestId = randomBytes(8).toString('hex');
    log.error('request failed', { requestId, method: req.method, url: req.url, error });
    message = `internal error (request id ${requestId})`;
  }
  headers = { ...headers };
  // A body the client is still sending must not keep the socket busy after we answered.
  if (!req.complete) headers.connection = 'close';
  sendJson(res, status, { errors: [{ code, message }] }, headers);
}
