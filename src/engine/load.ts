import { loadProject } from '../config/index.js';
import type { SourceFile } from '../config/types.js';
import { loadSuppression, type Suppression } from '../screen/load.js';
import { type Diagnostic, sortDiagnostics } from '../validate/diagnostic.js';
import type { ValidatedProject } from '../validate/model.js';
import { validateProject } from '../validate/project.js';

export interface LoadedAndValidated {
  readonly project: ValidatedProject;
  readonly diagnostics: readonly Diagnostic[];
  readonly sourceText: (file: string) => string | undefined;
  readonly fileCount: number;
  /** The do-not-call lists of `suppress:`, when there are some and every one reads well. */
  readonly suppression?: Suppression;
}

/**
 * Characters of call-file text (about 18,000 calls of a few options) whose parsed data a
 * command holds; the calls of the files past them hold only their file's text and their
 * name from validation on, and are read again from the text, one file at a time, when
 * their digests and requests are made: memory then stops growing with the parsed calls.
 */
export const KEEP_PARSED_CHARS = 2 * 1024 * 1024;

/** load → validate: every problem of every file, never an exception for bad input. */
export const loadAndValidate = async (
  root: string,
  paths?: readonly string[],
  options: {
    readonly target?: string;
    readonly keepParsed?: number;
    /** `--env-file FILE` as given: the lockfile may not be it. */
    readonly envFile?: string;
  } = {},
): Promise<LoadedAndValidated> => {
  const loaded = await loadProject({
    root,
    ...(paths && paths.length > 0 ? { paths } : {}),
    keepParsed: options.keepParsed ?? KEEP_PARSED_CHARS,
    ...(options.envFile === undefined ? {} : { envFile: options.envFile }),
  });
  const validated = validateProject(
    loaded,
    options.target === undefined ? {} : { target: options.target },
  );
  const files = new Map<string, SourceFile>();
  for (const f of [loaded.configFile, ...loaded.callFiles]) if (f) files.set(f.file, f);
  // The do-not-call lists are read with the definitions: a bad one is an error like theirs.
  const lists = validated.config.suppress ?? [];
  const read = lists.length === 0 ? undefined : await loadSuppression(validated.config.root, lists);
  const said = read === undefined ? [] : 'diagnostics' in read ? read.diagnostics : read.warnings;
  const project =
    said.length > 0
      ? { ...validated, diagnostics: sortDiagnostics([...validated.diagnostics, ...said]) }
      : validated;
  return {
    project,
    ...(read !== undefined && 'suppression' in read ? { suppression: read.suppression } : {}),
    // validateProject already carries the loader's diagnostics (sorted, without repeats).
    diagnostics: project.diagnostics,
    sourceText: (file) => files.get(file)?.text,
    fileCount: files.size,
  };
};
