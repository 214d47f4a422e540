import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** File names inside the state directory (`.callops/` of a project). */
export const JOURNAL_FILE = 'journal.jsonl';
export const RUN_LOCK_FILE = 'run.lock';

/** The run lock as users read it, relative to the project (the state directory is `.callops`). */
export const RUN_LOCK_NAME = `.callops/${RUN_LOCK_FILE}`;

export const journalPath = (stateDir: string): string => join(stateDir, JOURNAL_FILE);
export const runLockPath = (stateDir: string): string => join(stateDir, RUN_LOCK_FILE);

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;

export const isErrorCode = (error: unknown, ...codes: string[]): boolean => {
  const code = errorCode(error);
  return code !== undefined && codes.includes(code);
};

/**
 * fsync a directory so that the entries created, renamed or removed in it survive a crash.
 * Some platforms (Windows) cannot open or sync a directory; there the rename is as durable
 * as the platform makes it and nothing more can be done.
 */
export const syncDir = async (dir: string): Promise<void> => {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!isErrorCode(error, 'EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP')) throw error;
  } finally {
    await handle?.close();
  }
};

/**
 * Create the state directory (mkdir -p) with a `.gitignore` holding `*`, so that the
 * journal and the run lock are never committed by accident.
 */
export const ensureStateDir = async (stateDir: string): Promise<void> => {
  const created = await mkdir(stateDir, { recursive: true });
  let wroteIgnore = false;
  try {
    await writeFile(join(stateDir, '.gitignore'), '*\n', { flag: 'wx' });
    wroteIgnore = true;
  } catch (error) {
    if (!isErrorCode(error, 'EEXIST')) throw error;
  }
  // A directory just created must itself be durable before files inside it can be.
  if (created !== undefined) {
    await syncDir(dirname(created));
    if (dirname(stateDir) !== dirname(created)) await syncDir(dirname(stateDir));
  }
  if (wroteIgnore) await syncDir(stateDir);
};
