import { dirname, relative, resolve } from 'node:path';
import { lookUp } from '../config/exists.js';
import { findFiles } from '../config/find.js';
import { outside } from '../config/inside.js';
import { pathTextProblem } from '../config/path-text.js';
import {
  fileAt,
  inputFiles,
  namedLikeCallFile,
  type ReadFile,
  realPath,
  whichFile,
} from '../config/read-files.js';
import type { Prepared } from '../engine/prepare.js';
import { stateDirOf } from '../engine/state.js';
import { printable } from '../report/printable.js';
import { replaceAtomic, writeAll } from '../state/lockfile.js';
import { CliError, UsageError } from './exit.js';

/** What callops reads of the project, each with the words that name it in a refusal. */
const readFiles = async (prepared: Prepared, envFile: string | undefined): Promise<ReadFile[]> => {
  const { config, campaigns, calls } = prepared.project;
  const root = config.root;
  // Every file the `calls` globs find: a campaign's rows name its CSV, not the file that
  // defines the campaign, and a file of defaults alone defines no call at all.
  const callFiles = new Set(await findFiles(config.calls, root));
  for (const c of calls) if (c.campaign === undefined) callFiles.add(c.file);
  return [
    { path: resolve(root, config.lockfile), what: 'the lockfile' },
    ...inputFiles(root, {
      ...(config.file === undefined ? {} : { configFile: config.file }),
      ...(envFile === undefined ? {} : { envFile: resolve(envFile) }),
      callFiles,
      recipients: (campaigns ?? []).map((c) => c.recipients),
      suppress: (config.suppress ?? []).map((s) => s.path),
    }),
  ];
};

/** A flag that names a file callops writes: `plan --out`, `report --output`. */
export interface OutFlag {
  /** The flag as the user types it, e.g. `--out`. */
  readonly flag: string;
  /** What is written there, e.g. `the plan file`. */
  readonly writes: string;
  /** A file name to suggest instead, e.g. `plan.json`. */
  readonly example: string;
}

export const PLAN_OUT: OutFlag = { flag: '--out', writes: 'the plan file', example: 'plan.json' };
export const REPORT_OUTPUT: OutFlag = {
  flag: '--output',
  writes: 'the report',
  example: 'report.csv',
};

/**
 * The FILE of an OutFlag, checked before anything is made: never a file callops reads (the
 * config, the lockfile, an env file, a call, recipients or do-not-call file) nor anything in
 * the state directory — writing there would break the next run — and a place a file can be
 * written. A file callops reads is found by where its links lead and, when FILE is there, by
 * its device and inode: a hard link to the lockfile is the lockfile. Each refusal is a usage
 * error naming the flag. Returns the absolute path to write, links followed.
 */
export const checkOutFile = async (
  out: OutFlag,
  text: string,
  prepared: Prepared,
  envFile: string | undefined,
): Promise<string> => {
  const refuse = (why: string): never => {
    throw new UsageError(`${out.flag} ${text}: ${why}`);
  };
  if (text === '') throw new UsageError(`${out.flag} needs a file name`);
  // Written under such a name, the file would not be found by the name it shows.
  const unfit = pathTextProblem(text);
  if (unfit !== undefined)
    throw new UsageError(
      `${out.flag} ${printable(text)}: ${out.writes} needs a file name of visible characters: ${unfit}`,
    );
  const path = resolve(text);
  const real = realPath(path);
  const stateDir = realPath(stateDirOf(prepared.project.config.root));
  const inState = relative(stateDir, real);
  if (!outside(inState))
    refuse(`is in the state directory .callops/; write ${out.writes} elsewhere`);
  const there = fileAt(path);
  const read = whichFile(path, await readFiles(prepared, envFile));
  if (read !== undefined)
    refuse(`is ${read.what}; write ${out.writes} elsewhere, e.g. ${out.example}`);
  // A new file the `calls` patterns match would be read as a call file by the next command.
  const { calls, root } = prepared.project.config;
  if (there === undefined && (await namedLikeCallFile(calls, root, path, real)))
    refuse(
      `is named like a call file (${calls.join(', ')}): the next command would read it as one; write ${out.writes} elsewhere, e.g. ${out.example}`,
    );
  const found = await lookUp(path);
  if (found === 'dir') refuse('is a directory, not a file');
  if (found === 'other') refuse('is not a regular file');
  if (typeof found === 'object') refuse(found.problem);
  const folder = await lookUp(dirname(path));
  if (folder === 'absent') refuse(`no such directory ${dirname(text) || '.'}`);
  if (folder !== 'dir') refuse(`${dirname(text)} is not a directory`);
  return real;
};

/**
 * Writes the file checkOutFile allowed, as a new file renamed over the one there: a file of
 * the same inode under another name (a hard link, made after the check or to a file it does
 * not know) keeps what it held, and a full disk leaves the previous file whole. A failure is
 * one line naming the flag: a place the user may not write is a usage error (64), anything
 * else (a full disk) a failure (1).
 */
export const writeOutFile = async (
  out: OutFlag,
  text: string,
  path: string,
  bytes: string | Iterable<Buffer>,
): Promise<void> => {
  const chunks = typeof bytes === 'string' ? [Buffer.from(bytes, 'utf8')] : bytes;
  await replaceAtomic(path, async (handle) => {
    for (const chunk of chunks) await writeAll(handle, chunk);
  }).catch((error: NodeJS.ErrnoException) => {
    const code = error.code ?? error.message;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new UsageError(`${out.flag} ${text}: cannot write there (${code})`);
    throw new CliError(`${out.flag} ${text}: cannot write (${code})`);
  });
};
