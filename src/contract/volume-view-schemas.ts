import { z } from 'zod';
import { BATCH_FILE_COUNT_LIMIT } from './blob-batch';
import { UPLOAD_ID_PATTERN } from './volume-view';

/**
 * The volume API's requests and answers (docs/volumes.md) as zod schemas: volume-view.ts takes its
 * types from them, the server validates requests with them, and the OpenAPI document is generated
 * from them. Only the server loads this file at run
 * time (see api-view-schemas.ts).
 */

export const volumeFileSchema = z
  .object({
    path: z.string().describe('Relative, normalised POSIX path inside the volume: `models/model.bin`.'),
    digest: z.string().describe("`sha256:<64 hex>` of the content, which is the blob's name in the blob store."),
    size: z.number(),
    mode: z.number().describe('Permission bits: 0o644, or 0o755 for an executable file.'),
  })
  .meta({ id: 'VolumeFile', description: 'One file of a volume revision.' });

export const volumeViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    owner: z.string().describe("The owner's user name: others read a published volume as `owner/name`."),
    status: z.enum(['Private', 'Public']).describe('Who may read it: its owner only, or everyone as `owner/name`.'),
    revision: z.string().describe('The newest revision, `000000-000` for a volume nothing was pushed to.'),
    files: z.number(),
    size: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Volume', description: 'A volume as the API shows it.' });

export const fileListViewSchema = z
  .object({ revision: z.string(), files: z.array(volumeFileSchema) })
  .meta({ id: 'FileList', description: "One revision's files, sorted by path." });

export const commitViewSchema = z
  .object({
    revision: z.string(),
    created: z.boolean().describe("False when the files equal the current revision's: no revision was made."),
    merged: z.boolean().describe('The base was not the newest revision, so the push was merged onto `mergedWith`.'),
    mergedWith: z.string().nullable(),
  })
  .meta({ id: 'Commit', description: 'What a commit did.' });

export const blobBatchViewSchema = z
  .object({ stored: z.number().describe('How many blobs of the batch the server stored.') })
  .meta({ id: 'BlobBatch' });

export const missingBlobsViewSchema = z
  .object({
    missing: z.array(z.string()),
    held: z.record(z.string(), z.number()).describe("Bytes the platform holds of the caller's uploads that broke off, by digest: resume there."),
    uploads: z
      .record(z.string(), z.number())
      .describe("Bytes the platform holds of the caller's uploads by upload id (`PUT .../uploads/ID`), of those asked: resume there."),
  })
  .meta({ id: 'MissingBlobs', description: 'What a push must upload, and how much of each it already sent.' });

export const blobViewSchema = z.object({ digest: z.string(), size: z.number() }).meta({ id: 'Blob', description: 'A blob the platform holds whole.' });

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex>');

/** `POST .../revisions`: a push's file list, and the revision its files started from. */
export const commitRequestSchema = z.object({
  baseRevision: z.string().min(1, 'must name the revision the files started from (000000-000 for none)'),
  files: z.array(
    z.object({
      path: z.string(),
      digest: digestSchema,
      size: z.number().int().nonnegative(),
      mode: z.number().int().min(0).max(0o777),
    }),
  ),
});

/** `POST .../blobs:missing`: the blobs a push would upload. */
export const missingBlobsRequestSchema = z.object({
  digests: z.array(digestSchema),
  uploads: z.array(z.string().regex(UPLOAD_ID_PATTERN, 'must be 64 hex digits')).optional().describe('Upload ids whose held bytes to tell'),
});

/** `PUT .../uploads/ID`: how many bytes of the upload the platform holds now. */
export const uploadViewSchema = z
  .object({ upload: z.string(), offset: z.number().describe('Bytes held: the next part starts here.') })
  .meta({ id: 'Upload', description: 'An upload whose digest comes at its end.' });

/** `POST .../uploads/ID:finish`: the digest the client hashed as it sent the bytes. */
export const finishUploadRequestSchema = z.object({ digest: digestSchema });

/** `POST .../revisions/REV/files:download`: the small files a pull fetches in one request. */
export const downloadFilesRequestSchema = z.object({ paths: z.array(z.string()).max(BATCH_FILE_COUNT_LIMIT) });
