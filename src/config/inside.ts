import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Where a path leads, links followed; undefined when it cannot be followed (said elsewhere). */
const realOf = (path: string): string | undefined => {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
};

/** What the link at `path` holds, when `path` is a symbolic link. */
const linkTarget = (path: string): string | undefined => {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
};

/** A name that starts with a dot, but for `.` and `..` themselves. */
const dotName = (part: string): boolean => part.startsWith('.') && part !== '.' && part !== '..';

/** A part of the path starts with a dot (`.env`, `.git/config`): a file the patterns never match. */
const hidden = (rel: string): boolean => rel.split(sep).some(dotName);

/**
 * The folder kubelet's atomic writer keeps a ConfigMap, Secret or projected volume in:
 * `..` then the UTC time it was written (`..2026_12_02_17_50_00.`), then the digits
 * os.MkdirTemp adds. Each file of the volume is a link `NAME -> ..data/NAME`, and `..data`
 * a link to this folder, swapped at once on an update.
 */
const KUBELET_DATA = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/;

/**
 * Whether `name` in the folder `dir` is the folder that kubelet's `..data` beside it leads
 * to now: a volume's own files, which its links are made to reach. Any other hidden name, in
 * it or not (`..data/.env`, `.git`), stays hidden.
 */
const kubeletData = (dir: string, name: string): boolean =>
  KUBELET_DATA.test(name) && linkTarget(join(dir, '..data')) === name;

/**
 * A real path relative to the real root `realRoot` that goes through a hidden file or
 * folder of the project, kubelet's data folder of a mounted volume excepted (kubeletData).
 */
const hiddenReal = (realRoot: string, rel: string): boolean => {
  const parts = rel.split(sep);
  return parts.some(
    (part, at) => dotName(part) && !kubeletData(join(realRoot, ...parts.slice(0, at)), part),
  );
};

/** Whether a path relative to a folder (`relative(folder, path)`) leads out of it. */
export const outside = (rel: string): boolean =>
  rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/** Whether anything is at `path`, a link that cannot be followed too. */
const there = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * Where a file callops writes at `absolute` would land, links followed: its real path, or,
 * while it is not there yet, the real path of its nearest folder that is, with the rest of
 * the path under it (the folders callops would create). Undefined when something on the
 * way is there but cannot be followed (a link to a missing file: said where it is written).
 */
const realOfNew = (absolute: string): string | undefined => {
  const rest: string[] = [];
  let path = absolute;
  for (;;) {
    const real = realOf(path);
    if (real !== undefined) return join(real, ...rest);
    const parent = dirname(path);
    if (there(path) || parent === path) return undefined;
    rest.unshift(basename(path));
    path = parent;
  }
};

/** The first symbolic link on the way from `root` to `absolute` (below the root), and what it holds. */
const firstLink = (
  root: string,
  absolute: string,
): { readonly name: string; readonly target: string } | undefined => {
  const parts = relative(root, absolute).split(sep);
  for (let depth = 1; depth <= parts.length; depth++) {
    const name = join(...parts.slice(0, depth));
    const target = linkTarget(join(root, name));
    if (target !== undefined) return { name: name.split(sep).join('/'), target };
  }
  return undefined;
};

/**
 * Why callops does not read the callops.yaml, call file, recipients CSV or do-not-call list at `absolute`
 * of the project at `root`: its real path, links followed, lies outside the project; or a
 * link leads to a hidden file of the project (`.env`, `.git/config`) that the path as named
 * does not show. Its content would be shown back in diagnostics (an `.env` line, a line of
 * /etc/shadow), so it is never read. The links of a volume kubelet mounts (a ConfigMap)
 * lead into its data folder, which is no hidden file (kubeletData). The message names where
 * the path leads, never what is there. Undefined when it may be read, or cannot be followed
 * (the reader says why). The root's real path is looked up once per project.
 */
export const leavesProject = (root: string): ((absolute: string) => string | undefined) => {
  let realRoot: string | undefined;
  return (absolute) => {
    realRoot ??= realOf(root);
    const real = realOf(absolute);
    if (real === undefined || realRoot === undefined) return undefined;
    const rel = relative(realRoot, real);
    if (!outside(rel) && !hiddenReal(realRoot, rel)) return undefined;
    const target = linkTarget(absolute);
    const leads =
      target === undefined
        ? `leads to ${real}`
        : `is a symbolic link to ${target}${target === real ? '' : ` (${real})`}`;
    if (outside(rel))
      return `${leads}, outside the project: callops reads no callops.yaml, call file, recipients CSV or do-not-call list from outside the project`;
    if (!hidden(relative(root, absolute)))
      return `${leads}, a hidden file of the project: callops follows no link to a file or folder whose name starts with a dot (.env, .git)`;
    return undefined;
  };
};

/** Where a lockfile leads that is not a file of the project (lockfileLeaves). */
export interface LockfileAway {
  /** `leads to /shared/calls.lock (st is a symbolic link to /shared)`. */
  readonly leads: string;
  /** Out of the project; else into a hidden file or folder of it. */
  readonly outside: boolean;
}

/**
 * Why the `lockfile` at `absolute` (inside the project at `root` as written) is not a file
 * of the project: where it leads, links followed (for a lockfile not written yet, where its
 * nearest folder that is there leads), lies outside the project, or in a hidden file or
 * folder of it (`.git/`) through a link. Callops writes the lockfile there: two projects
 * linked to one folder would each take their own run lock and overwrite each other's
 * lockfile. Says where it leads, and through which link. Undefined when the lockfile stays
 * in the project, or when the way cannot be followed (said where it is read).
 */
export const lockfileLeaves = (root: string, absolute: string): LockfileAway | undefined => {
  const realRoot = realOf(root);
  const real = realOfNew(absolute);
  if (real === undefined || realRoot === undefined) return undefined;
  const rel = relative(realRoot, real);
  const away = outside(rel);
  if (!away && (!hidden(rel) || hidden(relative(root, absolute)))) return undefined;
  const link = firstLink(root, absolute);
  const through = link === undefined ? '' : ` (${link.name} is a symbolic link to ${link.target})`;
  return { leads: `leads to ${real}${through}`, outside: away };
};
