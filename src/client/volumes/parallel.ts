/** How many files move at once: enough to overlap one file's hashing and writing with another's transfer. */
export const TRANSFER_LANES = 4;

/**
 * How many synchronous file calls (stats of a listing) run between turns of the event loop. A
 * stat is a few microseconds synchronously and ten times that through the thread pool, so 10,000
 * files are stat'ed in about 30 ms; a turn now and then keeps a caller's other work moving (the
 * SDK runs inside an app's worker).
 */
export const SYNC_BATCH = 256;

/** A turn of the event loop, for other work between batches of synchronous calls. */
export function turn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs synchronous `work` on every item in order, giving the event loop a turn every SYNC_BATCH items. */
export async function forEachYielding<T>(items: readonly T[], work: (item: T, index: number) => void): Promise<void> {
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % SYNC_BATCH === 0) await turn();
    work(items[index] as T, index);
  }
}

/**
 * Runs `work` on every item, at most `limit` at a time. After the first failure no new item
 * starts; the ones running finish, then that failure is thrown.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
