import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
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

/** What `.callops/.gitignore` holds: everything in the state directory, itself included. */
export const STATE_GITIGNORE = '*\n';

const GITIGNORE_FILE = '.gitignore';

/** `text` to `path`, whole or not at all: a temp file written, fsynced, renamed into place. */
export const replaceWhole = async (path: string, text: string): Promise<void> => {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    // A full disk leaves the temp file empty: it must not stay behind.
    await unlink(temp).catch(() => undefined);
    throw error;
  }
};

/**
 * Whether the state directory's `.gitignore` holds what callops writes. Only a regular file
 * of that size is read (a FIFO there would hold the command): any other is written again.
 */
const gitignoreKept = async (path: string): Promise<boolean> => {
  try {
    const kind = await stat(path);
    if (!kind.isFile() || kind.size !== Buffer.byteLength(STATE_GITIGNORE)) return false;
    return (await readFile(path, 'utf8')) === STATE_GITIGNORE;
  } catch (error) {
    // Missing, or a link to nothing or in a loop: written, the link replaced by the file.
    if (isErrorCode(error, 'ENOENT', 'ELOOP', 'ENOTDIR')) return false;
    throw error;
  }
};

/**
 * Create the state directory (mkdir -p) with a `.gitignore` holding `*`, so that the
 * journal and the run lock are never committed by accident. The file is written whole
 * (temp file and rename), and written again whenever it holds anything else: one that a
 * full disk left empty (created, its content refused), cut short, or edited, ignores
 * nothing, and `git add -A` would commit the run lock and the journal.
 */
export const ensureStateDir = async (stateDir: string): Promise<void> => {
  const created = await mkdir(stateDir, { recursive: true });
  let wroteIgnore = false;
  const ignore = join(stateDir, GITIGNORE_FILE);
  if (!(await gitignoreKept(ignore))) {
    await replaceWhole(ignore, STATE_GITIGNORE);
    wroteIgnore = true;
  }
  // A directory just created must itself be durable before files inside it can be.
  if (created !== undefined) {
    await syncDir(dirname(created));
    if (dirname(stateDir) !== dirname(created)) await syncDir(dirname(stateDir));
  }
  if (wroteIgnore) await syncDir(stateDir);
};
