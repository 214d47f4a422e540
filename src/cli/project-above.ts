import { dirname, relative } from 'node:path';
import { projectAbove } from '../config/project-above.js';
import { UsageError } from './exit.js';

/** Commands that would start state in the directory they run in: refused there. */
const REFUSING = new Set(['apply', 'run']);
/** Commands that only read: they go on, with the hint. */
const HINTING = new Set(['validate', 'plan', 'status']);

/**
 * A root with neither callops.yaml nor call files, below a directory with callops.yaml
 * (projectAbove): validate, plan and status say where the project is and go on as asked
 * (the root stays what was given); apply and run refuse (exit 64) before anything is sent
 * or written, rather than start a lockfile and `.callops/` in the wrong place.
 */
export const checkProjectAbove = async (
  command: string,
  root: string,
  stderr: NodeJS.WritableStream,
): Promise<void> => {
  const refuses = REFUSING.has(command);
  if (!refuses && !HINTING.has(command)) return;
  const config = await projectAbove(root);
  if (config === undefined) return;
  const cwd = process.cwd();
  const here = root === cwd ? 'here' : `in ${relative(cwd, root)}`;
  const dir = relative(cwd, dirname(config)) || '.';
  const hint = `no callops.yaml ${here}; ${relative(cwd, config)} is a project: run from there or pass -C ${dir}`;
  if (refuses) throw new UsageError(`${hint} (nothing was sent, nothing written)`);
  stderr.write(`callops ${command}: ${hint}\n`);
};
