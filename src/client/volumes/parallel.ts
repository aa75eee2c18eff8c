/** How many files move at once: enough to overlap one file's hashing and writing with another's transfer. */
export const TRANSFER_LANES = 4;

/**
 * Runs `work` on every item, at most `limit` at a time. After the first failure no new item
 * starts; the ones running finish, then that failure is thrown.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
