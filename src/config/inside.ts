import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

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

/** A part of the path starts with a dot (`.env`, `.git/config`): a file the patterns never match. */
const hidden = (rel: string): boolean =>
  rel.split(sep).some((part) => part.startsWith('.') && part !== '.' && part !== '..');

const outside = (rel: string): boolean =>
  rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/**
 * Why callops does not read the callops.yaml, call file, recipients CSV or do-not-call list at `absolute`
 * of the project at `root`: its real path, links followed, lies outside the project; or a
 * link leads to a hidden file of the project (`.env`, `.git/config`) that the path as named
 * does not show. Its content would be shown back in diagnostics (an `.env` line, a line of
 * /etc/shadow), so it is never read. The message names where the path leads, never what is
 * there. Undefined when it may be read, or cannot be followed (the reader says why). The
 * root's real path is looked up once per project.
 */
export const leavesProject = (root: string): ((absolute: string) => string | undefined) => {
  let realRoot: string | undefined;
  return (absolute) => {
    realRoot ??= realOf(root);
    const real = realOf(absolute);
    if (real === undefined || realRoot === undefined) return undefined;
    const rel = relative(realRoot, real);
    if (!outside(rel) && !hidden(rel)) return undefined;
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
