import { dirname, join, relative } from 'node:path';
import { lookUp } from '../config/exists.js';
import { JOURNAL_FILE } from './dir.js';
import { INDEX_FILE } from './lock-index.js';
import { WRITTEN_FILE } from './written.js';

/**
 * Why a path of the state cannot be used, in the words a person acts on: which path, what
 * is wrong with it, and what to do. Thrown before the state is read or written, so that a
 * file where the state folder should be (or a folder where one of its files should be) is
 * one line, never the system's error of whichever call met it first (`ENOTDIR: not a
 * directory, lstat '…/.callops/run.lock'`, `EEXIST: file already exists, mkdir …`).
 */
export class UnusableStatePath extends Error {
  override readonly name = 'UnusableStatePath';
}

/** What a thing callops needs to be a folder is, when it is not one. */
const notAFolder = (found: Awaited<ReturnType<typeof lookUp>>): string | undefined => {
  if (found === 'dir' || found === 'absent') return undefined;
  if (found === 'file') return 'is a file, not a folder';
  if (found === 'other') return 'is not a folder (a FIFO, a socket or a device)';
  return found.problem;
};

/**
 * Files of the state folder that callops reads or replaces whole: a directory (or a FIFO,
 * which a read would wait on) in their place stops every command that uses the state.
 * `run.lock` is not one: anything in its place is a run lock that cannot be read, refused
 * as held, and `callops unlock --force` removes it.
 */
const STATE_FILES: readonly { readonly file: string; readonly is: string }[] = [
  {
    file: JOURNAL_FILE,
    is: 'callops keeps its journal there, where a run records each call before it is sent',
  },
  {
    file: '.gitignore',
    is: 'callops writes `*` in it so that git never commits the run lock or the journal',
  },
];

/**
 * Files of the state folder only the file store keeps: its copy of the lockfile, read by
 * every command and replaced by each write, and the index of a large lockfile, removed
 * before each write (a directory there failed apply with the system's EISDIR, after plan
 * had passed).
 */
const LOCKFILE_FILES: readonly { readonly file: string; readonly is: string }[] = [
  {
    file: WRITTEN_FILE,
    is: 'callops keeps its copy of the lockfile there, to notice a lockfile that moves backwards',
  },
  {
    file: INDEX_FILE,
    is: 'callops keeps there where each entry of a large lockfile sits, to read it without reading it whole',
  },
];

export interface StatePaths {
  /** The project's `.callops/`. */
  readonly stateDir: string;
  /** What callops keeps there, e.g. `its journal and run lock`. */
  readonly keeps: string;
  /** The lockfile's path and its name as users read it (the file store); none for unlock. */
  readonly lock?: { readonly path: string; readonly name: string };
  /** What the command did not do, e.g. `nothing was sent`. */
  readonly undone?: string;
}

/**
 * Refuses (UnusableStatePath) a state folder that is not a folder (a file, a link to
 * nothing), a file of it that is a directory, and a lockfile whose folder is a file. Nothing
 * there is fine: callops makes what it needs. A few stats; nothing is read or written.
 */
export const refuseUnusableState = async (paths: StatePaths): Promise<void> => {
  const { stateDir, keeps } = paths;
  const refuse = (why: string): never => {
    throw new UnusableStatePath(paths.undone === undefined ? why : `${why}; ${paths.undone}`);
  };
  const root = dirname(stateDir);
  const name = relative(root, stateDir);
  const folder = await lookUp(stateDir);
  const wrong = notAFolder(folder);
  if (wrong !== undefined) {
    const move =
      folder === 'file' ? 'move the file away' : 'move it away, or make it lead to a folder';
    refuse(`${name} ${wrong}: callops keeps ${keeps} there; ${move}, and callops makes the folder`);
  }
  if (folder === 'dir') {
    const files = paths.lock === undefined ? STATE_FILES : [...STATE_FILES, ...LOCKFILE_FILES];
    for (const { file, is } of files) {
      const found = await lookUp(join(stateDir, file));
      const shown = `${name}/${file}`;
      if (found === 'dir')
        refuse(`${shown} is a directory, not a file: ${is}; move the directory away`);
      if (found === 'other') refuse(`${shown} is not a regular file: ${is}; move it away`);
    }
  }
  if (paths.lock !== undefined) await refuseLockFolder(paths.lock, root, refuse);
};

/**
 * The folder `lockfile:` names (`state/callops.lock`) may not exist yet: callops makes it.
 * But the nearest part of it that exists must be a folder, or the lockfile can be neither
 * read nor written.
 */
const refuseLockFolder = async (
  lock: { readonly path: string; readonly name: string },
  root: string,
  refuse: (why: string) => never,
): Promise<void> => {
  for (let dir = dirname(lock.path); dir !== root && dirname(dir) !== dir; dir = dirname(dir)) {
    const found = await lookUp(dir);
    if (found === 'absent') continue;
    const wrong = notAFolder(found);
    if (wrong === undefined) return;
    const shown = relative(root, dir) || dir;
    refuse(
      `the lockfile ${lock.name} cannot be kept there: ${shown} ${wrong}; move the file away, or set \`lockfile:\` in callops.yaml to another path`,
    );
  }
};
