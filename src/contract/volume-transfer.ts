/** What a volume push and pull report: the CLI prints them, `context.volumeManager` returns them. */

export interface PushResult {
  revision: string;
  /** False when the platform already had exactly these files: no revision was made. */
  created: boolean;
  uploadedFiles: number;
  uploadedBytes: number;
  /** The volume had moved past the copy's base, and the push was merged onto `mergedWith`. */
  merged: boolean;
  mergedWith: string | null;
}

export interface PullResult {
  revision: string;
  files: number;
  downloadedFiles: number;
  downloadedBytes: number;
  deletedFiles: number;
}
