import type { VolumeFile } from './volume-file';

/** Who may read a volume: its owner only, or everyone as `owner/name`. */
export type VolumeStatus = 'Private' | 'Public';

/** Where the volume API lives; a volume is addressed as `NAME` or `OWNER/NAME`, URL-encoded. */
export const VOLUMES_API = '/api/volumes/v1/volumes';

export function volumeApiPath(ref: string, suffix = ''): string {
  return `${VOLUMES_API}/${encodeURIComponent(ref)}${suffix}`;
}

/** A volume as the API shows it: what `volume get` and `volume list` print. */
export interface VolumeView {
  id: string;
  name: string;
  /** The owner's user name: others read a published volume as `owner/name`. */
  owner: string;
  status: VolumeStatus;
  /** The newest revision, `000000-000` for a volume nothing was pushed to. */
  revision: string;
  files: number;
  size: number;
  createdAt: string;
  updatedAt: string;
}

/** `GET .../revisions/REV/files`: one revision's files, sorted by path. */
export interface FileListView {
  revision: string;
  files: VolumeFile[];
}

/** `POST .../revisions`: what a commit did. */
export interface CommitView {
  revision: string;
  /** False when the files equal the current revision's: no revision was made. */
  created: boolean;
  /** The base was not the newest revision, so the push was merged onto `mergedWith`. */
  merged: boolean;
  mergedWith: string | null;
}

export interface CommitRequest {
  /** The revision the client's files started from, `000000-000` for none. */
  baseRevision: string;
  files: VolumeFile[];
}

/** `POST .../blobs:missing`: what a push must upload, and how much of each it already sent. */
export interface MissingBlobsView {
  missing: string[];
  /** Bytes the platform holds of the caller's uploads that broke off, by digest: resume there. */
  held: Record<string, number>;
}

/** On a blob `PUT`: the byte of the file the body starts at, to resume an upload that broke off. */
export const UPLOAD_OFFSET_HEADER = 'x-everai-upload-offset';
