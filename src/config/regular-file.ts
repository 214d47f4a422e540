import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** What callops says of a path it reads that is a FIFO, a device, a socket or a directory. */
export const NOT_REGULAR_FILE = 'is not a regular file';

/** NOT_REGULAR_FILE for anything but a regular file; undefined for one. */
export const notRegularFile = (info: Stats): string | undefined =>
  info.isFile() ? undefined : NOT_REGULAR_FILE;

/**
 * Opened without waiting: opening a FIFO for reading otherwise waits for a writer, in a
 * thread of the pool that nothing can cancel (not even SIGTERM's exit). A regular file reads
 * as it always does.
 */
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** A file read, or why it was not: what it is (notRegularFile), or what `refuse` said of it. */
export type RegularRead<T> =
  | { readonly bytes: Buffer; readonly info: Stats }
  | { readonly problem: string }
  | ([T] extends [never] ? never : { readonly refused: T });

/**
 * The bytes of the regular file at `path` (links followed). Its kind is checked on the open
 * file, before a byte is read, so the file looked at is the file read. `refuse` may turn it
 * down by what it is (its size) before it is read. Errors opening it (ENOENT, EACCES…) are
 * thrown as readFile throws them; a directory the system refuses to open (EISDIR) is not a
 * regular file.
 */
export const readRegularFile = async <T = never>(
  path: string,
  refuse?: (info: Stats) => T | undefined,
): Promise<RegularRead<T>> => {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { problem: NOT_REGULAR_FILE };
    throw error;
  }
  try {
    const info = await handle.stat();
    const problem = notRegularFile(info);
    if (problem !== undefined) return { problem };
    const refused = refuse?.(info);
    if (refused !== undefined) return { refused } as RegularRead<T>;
    return { bytes: await handle.readFile(), info };
  } finally {
    await handle.close();
  }
};

/** readRegularFile on this thread (a small file just written is in the page cache). */
export const readRegularFileSync = <T = never>(
  path: string,
  refuse?: (info: Stats) => T | undefined,
): RegularRead<T> => {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return { problem: NOT_REGULAR_FILE };
    throw error;
  }
  try {
    const info = fstatSync(fd);
    const problem = notRegularFile(info);
    if (problem !== undefined) return { problem };
    const refused = refuse?.(info);
    if (refused !== undefined) return { refused } as RegularRead<T>;
    return { bytes: readFileSync(fd), info };
  } finally {
    closeSync(fd);
  }
};
