import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * Why `path`, there as a symbolic link, cannot be followed: it leads to a file that does not
 * exist, or round a loop of links. Undefined for anything else (nothing there, a link that
 * leads somewhere, not a link at all). Such a link is never "no file": what it stands for is
 * missing, and going on without it (no callops.yaml, one call file fewer) would be wrong.
 */
export const brokenLink = (path: string): string | undefined => {
  let target: string;
  try {
    if (!lstatSync(path).isSymbolicLink()) return undefined;
    target = readlinkSync(path);
  } catch {
    return undefined;
  }
  try {
    statSync(path);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return `is a symbolic link in a loop of links (${target})`;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return `is a symbolic link to a missing file (${target})`;
    return undefined;
  }
};

/**
 * What is at `path`, links followed: a regular file, a directory, something else (a FIFO, a
 * device), `absent` when nothing is there — or a `problem` when something is there that
 * cannot be looked at: a link that cannot be followed (brokenLink), a directory on the way
 * that cannot be searched. Every place callops looks for a file it may do without (callops.yaml,
 * `.env`) asks this, so that only a file that is truly not there is taken as absent.
 */
export type Found = 'file' | 'dir' | 'other' | 'absent' | { readonly problem: string };

export const lookUp = async (path: string): Promise<Found> => {
  try {
    const info = await stat(path);
    return info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other';
  } catch (error) {
    const broken = brokenLink(path);
    if (broken !== undefined) return { problem: broken };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    if (code === 'EACCES' || code === 'EPERM')
      return { problem: 'cannot be read: permission denied' };
    return { problem: `cannot be read (${code ?? String(error)})` };
  }
};
