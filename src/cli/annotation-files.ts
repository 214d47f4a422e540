import { relative, resolve, sep } from 'node:path';
import { outside } from '../config/inside.js';
import { ENV_TARGET_FILE } from '../resolve/env-target.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { CommandContext } from './context.js';

/**
 * A file as a GitHub annotation names it (`::error file=…`). callops names files from the
 * project root (`-C DIR`); GitHub reads `file=` from the root of the repository, which is the
 * working directory of a workflow step. So each is named from the working directory:
 * `ops/calls/x.yaml` for `calls/x.yaml` under `-C ops`, and unchanged without `-C`. A file
 * outside the working directory (`-C ../ops`, a file named as `/tmp/draft.yaml`) is named by
 * its absolute path, which the runner makes a repository path itself when it lies inside
 * the workspace (a step run in a subfolder), and leaves alone otherwise; a `../` path would
 * be matched to no file of the repository. What is no file stays as it is: `''`, the
 * `environment` of the env target, a flag (`--rate`).
 */
export const annotationFile = (root: string, file: string, cwd: string): string => {
  if (file === '' || file === ENV_TARGET_FILE || file.startsWith('-')) return file;
  const absolute = resolve(root, file);
  const rel = relative(cwd, absolute);
  if (rel === '' || outside(rel)) return absolute;
  return rel.split(sep).join('/');
};

/** The diagnostics with their files as GitHub annotations name them (annotationFile). */
export const annotated = (
  ctx: Pick<CommandContext, 'root'>,
  diagnostics: readonly Diagnostic[],
): Diagnostic[] => {
  const cwd = process.cwd();
  return diagnostics.map((d) => ({ ...d, file: annotationFile(ctx.root, d.file, cwd) }));
};
