import { join, resolve } from 'node:path';
import { realPath } from './read-files.js';

/** An env file a command reads: where it is, and whether `--env-file` named it. */
export interface EnvFileAt {
  /** Absolute. */
  readonly path: string;
  readonly flag: boolean;
}

/**
 * The env files a command reads, in the order their variables are taken: `.env` in the
 * project root, then `--env-file FILE` (relative to the working directory) over it, so a CI
 * job's file adds to or overrides what the project keeps. A FILE that is the project's
 * `.env` is read once, as the flag's: its errors name the flag that was typed.
 */
export const envFilesOf = (root: string, envFile?: string): EnvFileAt[] => {
  const dotEnv = { path: join(resolve(root), '.env'), flag: false };
  if (envFile === undefined) return [dotEnv];
  const named = { path: resolve(envFile), flag: true };
  return realPath(named.path) === realPath(dotEnv.path) ? [named] : [dotEnv, named];
};
