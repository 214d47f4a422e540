import { type BigIntStats, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILES } from './defaults.js';
import { findFilesWith, matchedPlainly } from './find.js';
import { outside } from './inside.js';

/**
 * The files callops reads as input, and how a file it writes (the lockfile, `plan --out`,
 * `report --output`) is told apart from them: a file written over one of them would be read
 * as what it replaced by the next command, which then fails on it (an `.env` holding JSON),
 * or loses what it held (a do-not-call list). A file is one of them when its links lead to
 * the same place or, when it is there, it has the same device and inode (a hard link).
 */

/** A file callops reads, with the words that name it in a refusal (`is an env file`). */
export interface ReadFile {
  readonly path: string;
  readonly what: string;
}

/** What callops reads of a project, each path project-relative or absolute. */
export interface ReadInput {
  /** callops.yaml or callops.yml, when the project has one. */
  readonly configFile?: string;
  /** `--env-file FILE`, absolute. */
  readonly envFile?: string;
  /** Every file the `calls` patterns find, and those defining calls. */
  readonly callFiles: Iterable<string>;
  /** The recipients CSVs the calls name. */
  readonly recipients: Iterable<string>;
  /** The do-not-call lists of `suppress:`. */
  readonly suppress: Iterable<string>;
}

/** The files callops reads of the project at `root` (absolute paths), as a refusal names them. */
export const inputFiles = (root: string, input: ReadInput): ReadFile[] => {
  const at = (path: string, what: string): ReadFile => ({ path: resolve(root, path), what });
  const out = [
    ...CONFIG_FILES.map((f) => at(f, 'the project config')),
    at('.env', 'an env file'),
    ...(input.envFile === undefined ? [] : [at(input.envFile, 'an env file')]),
    ...[...input.recipients].map((path) => at(path, 'a recipients file')),
    ...[...input.callFiles].map((path) => at(path, 'a file callops reads')),
    ...[...input.suppress].map((path) => at(path, 'a do-not-call list')),
  ];
  if (input.configFile !== undefined) out.push(at(input.configFile, 'the project config'));
  return out;
};

/** `path` with its links followed as far as they lead (a file not there yet: its folder's). */
export const realPath = (path: string): string => {
  try {
    return realpathSync.native(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
};

/** The file at `path`, links followed, when there is one. */
export const fileAt = (path: string): BigIntStats | undefined => {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
};

/** Whether two files are one: another name of it (a hard link) has its device and inode. */
const sameInode = (a: BigIntStats | undefined, b: BigIntStats | undefined): boolean =>
  a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;

/**
 * The one of `files` that `path` (absolute) is: where its links lead, or, when a file is
 * there, by its device and inode. While nothing is at `path`, only a file not there either
 * can be it: the others are not looked up.
 */
export const whichFile = (path: string, files: readonly ReadFile[]): ReadFile | undefined => {
  const there = fileAt(path);
  const real = there === undefined ? realPath(path) : undefined;
  return files.find((file) => {
    const other = fileAt(file.path);
    return there !== undefined
      ? sameInode(there, other)
      : other === undefined && realPath(file.path) === real;
  });
};

/**
 * Whether a file written at `path` (`real`: where its links lead) would be found by the
 * `calls` patterns: found under any name, through a linked folder too.
 */
export const namedLikeCallFile = async (
  globs: readonly string[],
  root: string,
  path: string,
  real: string,
): Promise<boolean> => {
  // The default patterns are matched by name: no glob library loaded for them.
  const plainly = [relative(root, path), relative(realPath(root), real)].map((rel) =>
    outside(rel) ? false : matchedPlainly(globs, rel.split(sep).join('/')),
  );
  if (plainly.every((m) => m !== undefined)) return plainly.includes(true);
  const names = new Set([basename(path), basename(real)]);
  for (const found of await findFilesWith(globs, root, [path, real])) {
    if (names.has(basename(found)) && realPath(found) === real) return true;
  }
  return false;
};
