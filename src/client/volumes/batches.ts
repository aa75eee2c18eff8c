import { BATCH_BYTE_LIMIT, BATCH_FILE_COUNT_LIMIT } from '../../contract/blob-batch';

/** One request of a transfer: a batch of small files, or one file alone. */
export interface TransferRequest<T> {
  files: T[];
  batched: boolean;
}

/**
 * The files of a push or a pull as requests: those `alone` says must go alone (large ones, or a
 * resumed upload) each make one; the others go many to a request, within the batch limits.
 */
export function inBatches<T extends { size: number }>(files: readonly T[], alone: (file: T) => boolean): TransferRequest<T>[] {
  const requests: TransferRequest<T>[] = [];
  let batch: T[] = [];
  let batchBytes = 0;
  for (const file of files) {
    if (alone(file)) {
      requests.push({ files: [file], batched: false });
      continue;
    }
    if (batch.length === BATCH_FILE_COUNT_LIMIT || batchBytes + file.size > BATCH_BYTE_LIMIT) {
      requests.push({ files: batch, batched: true });
      batch = [];
      batchBytes = 0;
    }
    batch.push(file);
    batchBytes += file.size;
  }
  if (batch.length > 0) requests.push({ files: batch, batched: true });
  return requests;
}
