import { loadProject } from '../config/index.js';
import type { SourceFile } from '../config/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { ValidatedProject } from '../validate/model.js';
import { validateProject } from '../validate/project.js';

export interface LoadedAndValidated {
  readonly project: ValidatedProject;
  readonly diagnostics: readonly Diagnostic[];
  readonly sourceText: (file: string) => string | undefined;
  readonly fileCount: number;
}

/** load → validate: every problem of every file, never an exception for bad input. */
export const loadAndValidate = async (
  root: string,
  paths?: readonly string[],
  options: { readonly target?: string } = {},
): Promise<LoadedAndValidated> => {
  const loaded = await loadProject({ root, ...(paths && paths.length > 0 ? { paths } : {}) });
  const project = validateProject(loaded, options);
  const files = new Map<string, SourceFile>();
  for (const f of [loaded.configFile, ...loaded.callFiles]) if (f) files.set(f.file, f);
  return {
    project,
    // validateProject already carries the loader's diagnostics (sorted, without repeats).
    diagnostics: project.diagnostics,
    sourceText: (file) => files.get(file)?.text,
    fileCount: files.size,
  };
};
