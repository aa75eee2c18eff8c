import type { z } from 'zod';
import { EveraiError } from './errors';
import type * as schemas from './volume-view-schemas';

/** Who may read a volume: its owner only, or everyone as `owner/name`. */
export type VolumeStatus = VolumeView['status'];

/** Where the volume API lives; a volume is addressed as `NAME` or `OWNER/NAME`, URL-encoded. */
export const VOLUMES_API = '/api/volumes/v1/volumes';

export function volumeApiPath(ref: string, suffix = ''): string {
  return `${VOLUMES_API}/${encodeURIComponent(ref)}${suffix}`;
}

/** A volume as the API shows it: what `volume get` and `volume list` print. */
export type VolumeView = z.infer<typeof schemas.volumeViewSchema>;
/** `GET .../revisions/REV/files`: one revision's files, sorted by path. */
export type FileListView = z.infer<typeof schemas.fileListViewSchema>;
/** `POST .../revisions`: what a commit did. */
export type CommitView = z.infer<typeof schemas.commitViewSchema>;

/** `POST .../revisions`: the revision the client's files started from (`000000-000` for none) and the files. */
export type CommitRequest = z.infer<typeof schemas.commitRequestSchema>;

/** `POST .../blobs:missing`: what a push must upload, and how much of each it already sent. */
export type MissingBlobsView = z.infer<typeof schemas.missingBlobsViewSchema>;
/** `PUT .../uploads/ID`: the bytes the platform holds of an upload. */
export type UploadView = z.infer<typeof schemas.uploadViewSchema>;
/** `POST .../uploads/ID:finish`'s body. */
export type FinishUploadRequest = z.infer<typeof schemas.finishUploadRequestSchema>;
/** `POST .../revisions/REV/files:download`'s body. */
export type DownloadFilesRequest = z.infer<typeof schemas.downloadFilesRequestSchema>;

/** On a blob `PUT`: the byte of the file the body starts at, to resume an upload that broke off. */
export const UPLOAD_OFFSET_HEADER = 'x-everai-upload-offset';

/**
 * The name a client gives an upload whose digest it learns only at its end (`PUT .../uploads/ID`):
 * 64 hex digits, which it derives from what it uploads, so that a push run again after a break
 * names the same upload and goes on from the bytes the platform holds.
 */
export const UPLOAD_ID_PATTERN = /^[a-f0-9]{64}$/;

export function checkUploadId(upload: string): void {
  if (!UPLOAD_ID_PATTERN.test(upload)) throw new EveraiError('EVERAI_BAD_REQUEST', `upload id ${JSON.stringify(upload)} is not 64 hex digits`);
}
