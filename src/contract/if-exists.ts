/**
 * Runs an fs call whose target may be missing: undefined when it is (ENOENT, or ENOTDIR: a path
 * part is a file, so nothing is there), the error itself for anything else. A disk that fails
 * (EIO), a permission refused (EACCES), a directory read as a file (EISDIR) are not "missing":
 * taking them for it would hide a broken server behind a wrong answer.
 */
export async function ifExists<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
