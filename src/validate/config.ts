import { posix, win32 } from 'node:path';
import { DEFAULT_CALL_GLOBS } from '../config/defaults.js';
import type { LockfileAway } from '../config/inside.js';
import type { LockfileRead } from '../config/load.js';
import { pathTextProblem } from '../config/path-text.js';
import type { PathSegments, SourceDocument, SourceFile } from '../config/types.js';
import { LITERAL_WHY, noReferenceMessage } from '../options/literal.js';
import { configRowProblems } from './config-rows.js';
import type { Diagnostic } from './diagnostic.js';
import type { Layer } from './merge.js';
import type { ProjectConfig, TargetSpec } from './model.js';
import { optionNumberProblems } from './numbers.js';
import { locateIn, optionProblems, referenceProblems } from './references.js';
import { checkConfigDocument } from './schema-check.js';
import { readLimits, readSuppress } from './screen.js';
import { errorAt, hasReference, isRecord, keySiteOf, siteOf } from './site.js';
import { defaultState, readState } from './state.js';
import {
  checkTargetName,
  checkTargetShape,
  checkTargetValues,
  toTargetSpec,
  unknownTarget,
} from './targets.js';

export const DEFAULT_CALLS: readonly string[] = DEFAULT_CALL_GLOBS;
export const DEFAULT_LOCKFILE = 'callops.lock';

/** callops.yaml read into ProjectConfig, with its problems sorted by kind. */
export interface ConfigFindings {
  readonly config: ProjectConfig;
  /** The project `defaults`, as the lowest layer under every call. */
  readonly defaults?: Layer;
  /** Every name under `targets`, well-formed or not. */
  readonly targetNames: ReadonlySet<string>;
  /** From the JSON Schema check. */
  readonly schema: readonly Diagnostic[];
  /** Shape problems the schema usually reports too (dropped when it does). */
  readonly structural: readonly Diagnostic[];
  readonly semantic: readonly Diagnostic[];
}

const isGlobList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '');

/** Problems with keys of the config map itself (targets are checked one by one elsewhere). */
/** Whether a path, relative to the project root, names the root itself or a file outside it. */
const leavesProject = (path: string): boolean => {
  if (posix.isAbsolute(path) || win32.isAbsolute(path)) return true;
  const normal = posix.normalize(path.replaceAll('\\', '/'));
  return normal === '.' || normal === '..' || normal.startsWith('../') || normal.endsWith('/');
};

/** What the loader found on disk that the config checks need (see LoadedProject). */
export interface ConfigFacts {
  /** The config file of another project whose folder holds the lockfile, e.g. `sub/callops.yaml`. */
  readonly lockfileInProject?: string;
  /** Where a link takes the lockfile, when out of the project or into a hidden folder of it. */
  readonly lockfileLeaves?: LockfileAway;
  /** What callops reads at the lockfile, when it is a file it reads or named like a call file. */
  readonly lockfileRead?: LockfileRead;
}

/**
 * Why a lockfile path inside the project is never committed, when it is not: a `.git`
 * folder (any case: git takes `.GIT` for it too), whose files git never tracks, or a
 * `.callops/` folder (the project's ignores itself; init's .gitignore line ignores any).
 * The lockfile is to be reviewed and shared in git; kept there, a fresh clone or CI runner
 * would not see what was placed.
 */
const uncommitted = (path: string): string | undefined => {
  const parts = posix.normalize(path.replaceAll('\\', '/')).split('/');
  if (parts.some((part) => part.toLowerCase() === '.git'))
    return 'inside .git/, whose files git never commits';
  if (parts.includes('.callops'))
    return "inside .callops/, callops' working state, which git ignores";
  if (parts.at(-1)?.toLowerCase() === '.env')
    return "named .env, which init's .gitignore ignores (an env file holds secrets)";
  return undefined;
};

/** Where to keep the lockfile instead, said by each refusal of a `lockfile:` value. */
const KEEP_BESIDE = 'keep it beside callops.yaml (callops.lock)';

/**
 * Why the lockfile at `path` would be read as another file, when it would (`facts`): apply
 * writes it there, and the next command reads it as what it replaced and fails on it (an
 * env file of JSON, a call file that is a map) or loses what that file held.
 */
const readAsOther = (path: string, read: LockfileRead, calls: readonly string[]): string =>
  'is' in read
    ? `\`lockfile\` must be a file of its own, not one callops reads: ${path} is ${read.is}; apply would write the lockfile over it, and every command after would read the lockfile as that file and fail; ${KEEP_BESIDE}`
    : `\`lockfile\` must not be named like a call file (${calls.join(', ')}): once apply wrote ${path}, every command after would read it as a call file and fail; ${KEEP_BESIDE}`;

const SHARED_LOCKFILE =
  'its run lock and journal are in .callops/ here, so a lockfile elsewhere could be shared by another project that never sees them, and both would place the same calls (to share state, use `state: { backend: postgres }`)';

const checkTopLevel = (
  doc: SourceDocument,
  data: Readonly<Record<string, unknown>>,
  facts: ConfigFacts,
): Diagnostic[] => {
  const out: Diagnostic[] = [];
  if (data.targets !== undefined && data.targets !== null && !isRecord(data.targets)) {
    out.push(errorAt(siteOf(doc, ['targets']), '`targets` must be a map of named gateways'));
  }
  if (data.default_target !== undefined && typeof data.default_target !== 'string') {
    out.push(
      errorAt(siteOf(doc, ['default_target']), '`default_target` must be the name of a target'),
    );
  }
  if (Array.isArray(data.calls) && data.calls.length === 0) {
    out.push(errorAt(siteOf(doc, ['calls']), '`calls` is empty; list at least one glob pattern'));
  } else if (data.calls !== undefined && !isGlobList(data.calls)) {
    const message = '`calls` must be a list of glob patterns, e.g. ["calls/**/*.yaml"]';
    out.push(errorAt(siteOf(doc, ['calls']), message));
  } else if (isGlobList(data.calls)) {
    data.calls.forEach((glob, index) => {
      const problem = pathTextProblem(glob);
      if (problem !== undefined)
        out.push(
          errorAt(
            siteOf(doc, ['calls', index]),
            `\`calls\` must be glob patterns of visible characters: ${problem}`,
          ),
        );
    });
  }
  if (data.lockfile !== undefined && (typeof data.lockfile !== 'string' || data.lockfile === '')) {
    out.push(errorAt(siteOf(doc, ['lockfile']), '`lockfile` must be a file path'));
  } else if (typeof data.lockfile === 'string' && pathTextProblem(data.lockfile) !== undefined) {
    // Before any other check: a NUL fails every file system call with Node's words.
    const problem = pathTextProblem(data.lockfile);
    out.push(
      errorAt(
        siteOf(doc, ['lockfile']),
        `\`lockfile\` must be a file path of visible characters: ${problem}; ${KEEP_BESIDE}`,
      ),
    );
  } else if (typeof data.lockfile === 'string' && hasReference(data.lockfile)) {
    out.push(
      errorAt(siteOf(doc, ['lockfile']), noReferenceMessage('lockfile', LITERAL_WHY.lockfile)),
    );
  } else if (typeof data.lockfile === 'string' && leavesProject(data.lockfile)) {
    out.push(
      errorAt(
        siteOf(doc, ['lockfile']),
        `\`lockfile\` must be a file inside the project directory: ${SHARED_LOCKFILE}`,
      ),
    );
  } else if (typeof data.lockfile === 'string' && facts.lockfileRead !== undefined) {
    const calls = isGlobList(data.calls) ? data.calls : DEFAULT_CALLS;
    const message = readAsOther(data.lockfile, facts.lockfileRead, calls);
    out.push(errorAt(siteOf(doc, ['lockfile']), message));
  } else if (typeof data.lockfile === 'string' && uncommitted(data.lockfile) !== undefined) {
    out.push(
      errorAt(
        siteOf(doc, ['lockfile']),
        `\`lockfile\` must be a file git commits: ${data.lockfile} is ${uncommitted(data.lockfile)}, so the lockfile would be neither reviewed nor shared, and a fresh clone or CI runner would place its calls again; ${KEEP_BESIDE}`,
      ),
    );
  } else if (typeof data.lockfile === 'string' && facts.lockfileLeaves !== undefined) {
    const { leads, outside } = facts.lockfileLeaves;
    const why = outside
      ? `, outside the project: ${SHARED_LOCKFILE}`
      : ', a hidden file or folder of the project: callops follows no link to a file or folder whose name starts with a dot (.git, .callops)';
    out.push(
      errorAt(
        siteOf(doc, ['lockfile']),
        `\`lockfile\` must be a file inside the project directory: ${data.lockfile} ${leads}${why}`,
      ),
    );
  } else if (typeof data.lockfile === 'string' && facts.lockfileInProject !== undefined) {
    out.push(
      errorAt(
        siteOf(doc, ['lockfile']),
        `\`lockfile\` must not be inside another project (${facts.lockfileInProject}): the two projects would share one lockfile without sharing a run lock (each has its own .callops/), so both could write it at once and one run's records could be lost; keep each project's lockfile in its own folder, outside the other project (to share state, use \`state: { backend: postgres }\`)`,
      ),
    );
  }
  if (data.defaults !== undefined && data.defaults !== null && !isRecord(data.defaults)) {
    out.push(errorAt(siteOf(doc, ['defaults']), '`defaults` must be a map of call options'));
  }
  return out;
};

/** A `name` in defaults would name every call the same; each call names itself. */
export const checkDefaultsName = (doc: SourceDocument, defaults: unknown): Diagnostic[] =>
  isRecord(defaults) && Object.hasOwn(defaults, 'name')
    ? [
        errorAt(
          keySiteOf(doc, ['defaults', 'name']),
          '`name` cannot be set in defaults: each call names itself',
        ),
      ]
    : [];

const checkDefaultTarget = (
  doc: SourceDocument,
  value: unknown,
  names: ReadonlySet<string>,
): Diagnostic[] => {
  if (typeof value !== 'string') return [];
  const site = siteOf(doc, ['default_target']);
  if (hasReference(value)) {
    return [errorAt(site, noReferenceMessage('default_target', LITERAL_WHY.default_target))];
  }
  const unknown = unknownTarget(value, names, doc.file);
  return unknown ? [errorAt(site, `default_${unknown}`)] : [];
};

const emptyConfig = (root: string, file?: string): ProjectConfig => ({
  root,
  ...(file === undefined ? {} : { file }),
  targets: [],
  calls: DEFAULT_CALLS,
  lockfile: DEFAULT_LOCKFILE,
  defaults: {},
  state: defaultState(file),
});

/** Reads callops.yaml (when present) into ProjectConfig; pure: `facts` are what the loader found. */
export const readConfig = (
  root: string,
  file?: SourceFile,
  facts: ConfigFacts = {},
): ConfigFindings => {
  const none = { targetNames: new Set<string>(), schema: [], structural: [], semantic: [] };
  if (!file) return { config: emptyConfig(root), ...none };
  const [doc, ...extra] = file.documents;
  const semantic: Diagnostic[] = extra
    .filter((d) => d.data !== null)
    .map((d) =>
      errorAt(
        siteOf(d, []),
        `${file.file} holds one YAML document; remove this one (document ${d.index + 1})`,
      ),
    );
  if (!doc || doc.data === undefined || doc.data === null) {
    return { config: emptyConfig(root, file.file), ...none, semantic };
  }
  const schema = checkConfigDocument(doc, file.text);
  if (!isRecord(doc.data)) {
    const message = `${file.file} must be a map of settings (targets, default_target, calls, lockfile, defaults, state, suppress, limits)`;
    return {
      config: emptyConfig(root, file.file),
      ...none,
      schema,
      structural: [errorAt(siteOf(doc, []), message)],
      semantic,
    };
  }
  const data = doc.data;
  const structural = checkTopLevel(doc, data, facts);
  const rawTargets = isRecord(data.targets) ? data.targets : {};
  const targetNames = new Set(Object.keys(rawTargets));
  const targets: TargetSpec[] = [];
  for (const [name, spec] of Object.entries(rawTargets)) {
    for (const item of checkTargetShape(doc, name, spec)) structural.push(item);
    for (const item of [...checkTargetName(doc, name), ...checkTargetValues(doc, name, spec)])
      semantic.push(item);
    if (isRecord(spec)) {
      for (const [key, value] of Object.entries(spec)) {
        if (typeof value === 'string')
          for (const item of referenceProblems(value, ['targets', name, key], locateIn(doc)))
            semantic.push(item);
      }
    }
    const target = toTargetSpec(doc, name, spec);
    if (target) targets.push(target);
  }
  // `${row.X}` is a campaign's: a target, `state.url` or a `calls` pattern is read once.
  for (const item of configRowProblems(doc, data)) semantic.push(item);
  for (const item of checkDefaultTarget(doc, data.default_target, targetNames)) semantic.push(item);
  for (const item of checkDefaultsName(doc, data.defaults)) structural.push(item);
  const defaults = isRecord(data.defaults) ? data.defaults : {};
  for (const item of optionProblems(defaults, ['defaults'], locateIn(doc))) semantic.push(item);
  const written =
    doc.writtenNumber === undefined
      ? undefined
      : (path: PathSegments) => doc.writtenNumber?.(['defaults', ...path]);
  for (const item of optionNumberProblems(defaults, ['defaults'], locateIn(doc), written))
    structural.push(item);
  const state = readState(doc, data.state);
  for (const item of state.structural) structural.push(item);
  for (const item of state.semantic) semantic.push(item);
  const suppress = readSuppress(doc, data.suppress);
  const limits = readLimits(doc, data.limits);
  for (const item of [...suppress.diagnostics, ...limits.diagnostics]) semantic.push(item);
  const config: ProjectConfig = {
    root,
    file: file.file,
    targets,
    ...(typeof data.default_target === 'string' ? { defaultTarget: data.default_target } : {}),
    calls: isGlobList(data.calls) ? data.calls : DEFAULT_CALLS,
    lockfile:
      typeof data.lockfile === 'string' && data.lockfile !== '' ? data.lockfile : DEFAULT_LOCKFILE,
    defaults,
    state: state.state,
    ...(suppress.specs.length > 0 ? { suppress: suppress.specs } : {}),
    ...(limits.perNumber === undefined ? {} : { perNumber: limits.perNumber }),
  };
  const layer: Layer = { data: defaults, doc, base: ['defaults'] };
  return { config, defaults: layer, targetNames, schema, structural, semantic };
};
