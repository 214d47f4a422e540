import { dirname, join } from 'node:path';
import { CONFIG_FILES, DEFAULT_CALL_GLOBS } from './defaults.js';
import { lookUp } from './exists.js';
import { findFiles } from './find.js';

/**
 * The project root is the working directory or `-C DIR`, never searched for. But a root that
 * holds neither callops.yaml nor a call file, inside a directory that holds callops.yaml, is
 * almost always a command run from a folder of a project (`cd calls && callops apply`): read
 * as a project of its own it is an empty one, and apply would start its state there.
 */

/** Something at `path`, or something there that cannot be looked at, counts as there. */
const there = async (path: string): Promise<boolean> => (await lookUp(path)) !== 'absent';

const holdsConfig = async (dir: string): Promise<string | undefined> => {
  for (const name of CONFIG_FILES) if (await there(join(dir, name))) return join(dir, name);
  return undefined;
};

/**
 * The callops.yaml of the nearest directory above `root` that holds one, when `root` itself
 * holds neither callops.yaml nor a file the default `calls` patterns match. The search stops
 * at the top of a git checkout (a directory holding `.git`): a project lives inside its
 * repository. Undefined otherwise.
 */
export const projectAbove = async (root: string): Promise<string | undefined> => {
  if ((await holdsConfig(root)) !== undefined) return undefined;
  let dir = root;
  let config: string | undefined;
  while (config === undefined) {
    if (await there(join(dir, '.git'))) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
    config = await holdsConfig(dir);
  }
  const callFiles = await findFiles(DEFAULT_CALL_GLOBS, root).catch(() => []);
  return callFiles.length === 0 ? config : undefined;
};
