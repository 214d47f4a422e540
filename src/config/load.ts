import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../validate/diagnostic.js';
import { conflictLines, conflictMessage } from './conflict-markers.js';
import { decodeText } from './decode.js';
import { CONFIG_FILES, DEFAULT_CALL_GLOBS } from './defaults.js';
import { fileProblem, problemAt } from './diagnostics.js';
import { envFilesOf } from './env-files.js';
import { lookUp } from './exists.js';
import { findCallFiles, findFiles, patternExtensions } from './find.js';
import { type LockfileAway, leavesProject, lockfileLeaves, outside } from './inside.js';
import { ioMessage } from './io-message.js';
import { MAX_FILE_BYTES, tooLargeMessage } from './limits.js';
import { parseSource } from './parse.js';
import { pathTextProblem } from './path-text.js';
import {
  inputFiles,
  namedLikeCallFile,
  type ReadInput,
  realPath,
  whichFile,
} from './read-files.js';
import {
  type RecipientsFile,
  readAllRecipients,
  recipientsOf,
  recipientsPath,
} from './recipients.js';
import { readRegularFile, readRegularFileSync } from './regular-file.js';
import { type FileSeen, seeFile } from './watched.js';

/**
 * `recipients: FILE` as written on a line of a call file (enough to notice an edited CSV),
 * `!!str FILE` too: the one tag callops reads on a path (config/tags.ts).
 */
const RECIPIENTS_LINE = /^[\s-]*recipients:\s*(?:!!str\s+)?(\S+)/gm;

import type { SourceFile } from './types.js';

export interface LoadOptions {
  /** Project root (absolute, or relative to the working directory). */
  readonly root: string;
  /**
   * Files or directories to read instead of the `calls` globs, relative to `root` or
   * absolute. A directory means every *.yaml / *.yml file below it.
   */
  readonly paths?: readonly string[];
  /**
   * Characters of call-file text whose parsed data is held (default: all of it). Past them,
   * each file read by the fast parser lets go of its data once read, and reads it again
   * from its text whenever asked for: a large project is held as its text, not as parsed
   * data (about four times the size), and what is parsed again one file at a time dies young.
   */
  readonly keepParsed?: number;
  /** `--env-file FILE` as given (relative to the working directory): the lockfile may not be it. */
  readonly envFile?: string;
}

export interface LoadedProject {
  /** Absolute project root. */
  readonly root: string;
  /** callops.yaml (or callops.yml), when the project has one. */
  readonly configFile?: SourceFile;
  /** Call files, sorted by path. */
  readonly callFiles: readonly SourceFile[];
  /** Problems found while finding, reading and parsing files. */
  readonly diagnostics: readonly Diagnostic[];
  /** The recipients CSVs the calls name, by project-relative path. */
  readonly recipients?: ReadonlyMap<string, RecipientsFile>;
  /**
   * The config file (project-relative, e.g. `sub/callops.yaml`) of another project whose
   * folder holds the `lockfile` of callops.yaml, when there is one (lockfileInProject).
   */
  readonly lockfileInProject?: string;
  /**
   * Where the `lockfile` of callops.yaml, written inside the project, leads when a link takes
   * it out of the project or into a hidden folder of it (lockfileLeaves).
   */
  readonly lockfileLeaves?: LockfileAway;
  /** What callops reads at the `lockfile` of callops.yaml, when it is a file it reads (lockfileRead). */
  readonly lockfileRead?: LockfileRead;
}

/**
 * The `lockfile` of callops.yaml, when callops reads it as something else: a file it reads
 * (`is`: `an env file`, `a do-not-call list`…), or, not there yet, a name the `calls`
 * patterns match (`callPattern`). Written there, the lockfile would be read as that file by
 * the next command, which would fail on it (or lose what it held).
 */
export type LockfileRead = { readonly is: string } | { readonly callPattern: true };

export { CONFIG_FILES, DEFAULT_CALL_GLOBS } from './defaults.js';

const YAML_GLOBS = ['**/*.yaml', '**/*.yml'];

interface Read {
  readonly source?: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
}

const posix = (path: string): string => path.split(sep).join('/');

const START = { line: 1, column: 1 };

/**
 * Reads one file: its bytes, or the problem that stops it being read. Synchronously: a call
 * file is small and, having just been written or checked out, in the page cache, where one
 * read on this thread costs less than the round trips of an asynchronous read through the
 * thread pool. Its kind is checked before a byte is read (readRegularFileSync), so that a
 * FIFO or a device never holds the command.
 */
const readBytes = (absolute: string, file: string): Buffer | Read => {
  try {
    const read = readRegularFileSync(absolute, (info) =>
      info.size > MAX_FILE_BYTES ? tooLargeMessage(info.size) : undefined,
    );
    if ('problem' in read) return { diagnostics: [fileProblem(file, read.problem)] };
    if ('refused' in read) return { diagnostics: [problemAt(file, START, read.refused)] };
    return read.bytes;
  } catch (error) {
    return { diagnostics: [fileProblem(file, ioMessage(error))] };
  }
};

/** Decodes and parses what readBytes gave. */
const parseBytes = (bytes: Buffer | Read, file: string): Read => {
  if (!Buffer.isBuffer(bytes)) return bytes;
  const decoded = decodeText(file, bytes);
  if (decoded.text === undefined) return { diagnostics: decoded.diagnostics };
  // A merge left unresolved is one error, at its first marker: not what YAML makes of it,
  // nor a file of no calls.
  const conflict = conflictLines(decoded.text);
  if (conflict !== undefined) {
    const at = { line: conflict.from, column: 1 };
    return { diagnostics: [problemAt(file, at, conflictMessage(file, conflict))] };
  }
  return parseSource(file, decoded.text);
};

/** Reads and parses one file; `file` is the name used in diagnostics. */
const readSource = (absolute: string, file: string): Read =>
  parseBytes(readBytes(absolute, file), file);

const noSettings =
  'holds no settings (empty or only comments): write its settings, or remove the file to use the CALLOPS_* environment target';

/** Empty, only blank lines and comments, or null documents (`---`, `~`); read without errors. */
const holdsNoSettings = (source: SourceFile): boolean =>
  source.documents.every((doc) => doc.data === null || doc.data === undefined);

/**
 * callops.yaml, else callops.yml, when there. One that is there but cannot be looked at (a
 * link to a missing file) is an error, never "no callops.yaml": without it, calls would go to
 * the env target or the simulator, unscreened by its do-not-call lists. So is one that holds
 * no settings (a truncated checkout): read as none, it would do the same.
 */
const readConfig = async (root: string): Promise<Read> => {
  for (const name of CONFIG_FILES) {
    const found = await lookUp(join(root, name));
    if (found === 'absent') continue;
    if (typeof found === 'object') return { diagnostics: [fileProblem(name, found.problem)] };
    // A link out of the project (or to its .env) is never read: its lines would be shown.
    const away = leavesProject(root)(join(root, name));
    if (away !== undefined) return { diagnostics: [fileProblem(name, away)] };
    const read = readSource(join(root, name), name);
    // A file with syntax errors gets only those: its settings are there, written wrong.
    const broken = read.diagnostics.some((d) => d.severity === 'error');
    if (read.source === undefined || broken || !holdsNoSettings(read.source)) return read;
    return { ...read, diagnostics: [...read.diagnostics, problemAt(name, START, noSettings)] };
  }
  return { diagnostics: [] };
};

/** The `calls` globs of callops.yaml when they are a list of strings, else the default. */
const callGlobs = (config?: SourceFile): { globs: string[]; fromConfig: boolean } => {
  const data = config?.documents[0]?.data as { calls?: unknown } | null | undefined;
  const calls = data?.calls;
  if (Array.isArray(calls) && calls.length > 0 && calls.every((c) => typeof c === 'string')) {
    return { globs: calls, fromConfig: true };
  }
  return { globs: [...DEFAULT_CALL_GLOBS], fromConfig: false };
};

/** A file the `calls` patterns would read but for the case of its extension, and those patterns. */
interface Miscased {
  /** Relative to the project root, with `/` (or as typed, for a folder named outside it). */
  readonly file: string;
  readonly globs: readonly string[];
}

/**
 * A file the `calls` patterns would read but for the case of its extension (`calls/X.YAML`):
 * left unread, its calls would never be placed, and nothing would say so.
 */
const miscasedWarning = ({ file, globs }: Miscased): Diagnostic => {
  const exts = [...new Set(globs.flatMap((g) => (g.startsWith('!') ? [] : patternExtensions(g))))];
  const ext = exts.find((e) => file.slice(-e.length).toLowerCase() === e.toLowerCase());
  const named = exts.length > 1 ? `${exts.slice(0, -1).join(', ')} or ${exts.at(-1)}` : exts[0];
  const lower = exts.every((e) => e === e.toLowerCase()) ? 'lower case' : 'that case';
  const rename = ext === undefined ? '' : `; rename it ${file.slice(0, -ext.length)}${ext}`;
  return fileProblem(
    file,
    `is not read: call files end in ${named} (${lower})${rename}`,
    'warning',
  );
};

/**
 * The miscased files that are no file callops reads as something else — the lockfile (a
 * `lockfile: calls/state.YAML`), an env file, a recipients CSV, a do-not-call list: those
 * are read, under the name written, and renaming one as the warning says would break it.
 */
const miscasedCallFiles = (
  root: string,
  miscased: readonly Miscased[],
  input: ReadInput & { readonly lockfile?: string },
): Miscased[] => {
  if (miscased.length === 0) return [];
  const read = [
    ...inputFiles(root, input),
    ...(input.lockfile === undefined ? [] : [{ path: input.lockfile, what: 'the lockfile' }]),
  ];
  return miscased.filter(({ file }) => whichFile(resolve(root, file), read) === undefined);
};

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The `lockfile` of callops.yaml as a path inside the project, when it is written as one
 * (one that leaves the project as written is an error of its own, in validate).
 */
const lockfileIn = (root: string, config?: SourceFile): string | undefined => {
  const data = config?.documents[0]?.data as { lockfile?: unknown } | null | undefined;
  const lockfile = data?.lockfile;
  if (typeof lockfile !== 'string' || lockfile === '' || isAbsolute(lockfile)) return undefined;
  // One that names no file to use is validate's error, never looked up.
  if (pathTextProblem(lockfile) !== undefined) return undefined;
  const rel = relative(root, resolve(root, lockfile));
  if (rel === '' || outside(rel)) return undefined;
  return rel;
};

/** The do-not-call lists `suppress:` of callops.yaml names, as written (others are its errors). */
const suppressIn = (config?: SourceFile): string[] => {
  const data = config?.documents[0]?.data as { suppress?: unknown } | null | undefined;
  const lists = data?.suppress;
  return Array.isArray(lists)
    ? lists.filter(
        (path): path is string =>
          typeof path === 'string' && path.trim() !== '' && pathTextProblem(path) === undefined,
      )
    : [];
};

/**
 * The config file of another project the `lockfile` of callops.yaml lies in: a callops.yaml
 * (or .yml) in a folder between the root (not the root itself) and the lockfile's folder
 * (that folder too). That project keeps its own run lock and journal in its own .callops/,
 * so both could write the one lockfile at once. Anything there counts, as for the root's
 * own config file (readConfig): a link to a missing file is still that project's config.
 */
const lockfileInProject = async (root: string, lockfile: string): Promise<string | undefined> => {
  const folder = dirname(lockfile);
  if (folder === '.') return undefined;
  const parts = folder.split(sep);
  for (let depth = 1; depth <= parts.length; depth++) {
    const dir = join(...parts.slice(0, depth));
    for (const name of CONFIG_FILES) {
      if ((await lookUp(join(root, dir, name))) !== 'absent') return posix(join(dir, name));
    }
  }
  return undefined;
};

/**
 * Files named on the command line: files as they are, directories expanded to their YAML
 * files. Those named outside the project (`/tmp/x.yaml`, `../other/`) are `typedOutside`:
 * the user chose them, so they are read where they lead.
 */
const expandPaths = async (root: string, paths: readonly string[]) => {
  const files: string[] = [];
  const typedOutside = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const miscased: Miscased[] = [];
  for (const path of paths) {
    const absolute = resolve(root, path);
    const rel = relative(root, absolute);
    const away = rel.startsWith('..') || isAbsolute(rel);
    const shown = rel === '' ? '.' : away ? posix(path) : posix(rel);
    const found = await lookUp(absolute);
    const named: string[] = [];
    // What was typed, not a file found: redacted as a typed argument is (Diagnostic.typed).
    if (found === 'absent') {
      diagnostics.push({ ...fileProblem(posix(path), 'no such file or directory'), typed: true });
    } else if (typeof found === 'object') {
      diagnostics.push({ ...fileProblem(posix(path), found.problem), typed: true });
    } else if (found !== 'dir') {
      named.push(shown);
    } else {
      const found = await findCallFiles(YAML_GLOBS, absolute);
      const under = (f: string) => (shown === '.' ? f : `${shown}/${f}`);
      if (found.files.length === 0)
        diagnostics.push({
          ...fileProblem(shown, 'no .yaml or .yml files here', 'warning'),
          typed: true,
        });
      for (const item of found.files.map(under)) named.push(item);
      for (const file of found.miscased) miscased.push({ file: under(file), globs: YAML_GLOBS });
    }
    for (const item of named) files.push(item);
    if (away) for (const name of named) typedOutside.add(name);
  }
  return { files, typedOutside, diagnostics, miscased };
};

/**
 * callops.yaml (or .yml) of the project alone, as loadProject reads it, with its problems:
 * for what it says of secrets when a command ends before it loaded the project.
 */
export const readConfigSource = (
  root: string,
): Promise<{ readonly source?: SourceFile; readonly diagnostics: readonly Diagnostic[] }> =>
  readConfig(resolve(root));

/**
 * Finds and reads callops.yaml and the call files of a project. The only module of the
 * pipeline that touches the file system on the way in. Bad files become diagnostics.
 */
export const loadProject = async (options: LoadOptions): Promise<LoadedProject> => {
  const root = resolve(options.root);
  if ((await lookUp(root)) !== 'dir') {
    const problem = fileProblem(posix(options.root), 'project directory does not exist');
    return { root, callFiles: [], diagnostics: [problem] };
  }
  const config = await readConfig(root);
  const diagnostics: Diagnostic[] = [...config.diagnostics];
  let names: string[];
  let typedOutside: ReadonlySet<string> = new Set();
  let miscased: readonly Miscased[] = [];
  if (options.paths && options.paths.length > 0) {
    const expanded = await expandPaths(root, options.paths);
    for (const item of expanded.diagnostics) diagnostics.push(item);
    names = expanded.files;
    typedOutside = expanded.typedOutside;
    miscased = expanded.miscased;
  } else {
    const { globs, fromConfig } = callGlobs(config.source);
    const found = await findCallFiles(globs, root);
    names = found.files;
    miscased = found.miscased.map((file) => ({ file, globs }));
    if (names.length === 0) {
      // A pattern is read as written: the environment never reaches it.
      const literal = globs.some((glob) => glob.includes('${'))
        ? // biome-ignore lint/suspicious/noTemplateCurlyInString: the message names the text ${…}
          ' (a `calls` pattern is read as written: `${…}` in it is not expanded)'
        : '';
      const message = `no call files match ${globs.join(', ')}${literal}`;
      const where = fromConfig ? config.source?.documents[0]?.locate(['calls']) : undefined;
      const configName = config.source?.file ?? 'callops.yaml';
      diagnostics.push(
        where
          ? problemAt(configName, where, message, 'warning', '/calls')
          : fileProblem('calls', message, 'warning'),
      );
    }
  }
  const lockfile = lockfileIn(root, config.source);
  const lockPath = lockfile === undefined ? undefined : join(root, lockfile);
  const found = [...new Set(names)].filter((n) => n !== config.source?.file);
  // A call file that is the lockfile is not read as one: its error is at the `lockfile:` value.
  const asCallFile =
    lockPath === undefined
      ? undefined
      : whichFile(
          lockPath,
          found.map((name) => ({ path: resolve(root, name), what: 'a file callops reads' })),
        );
  const unique = found.filter((n) => resolve(root, n) !== asCallFile?.path).sort(byPath);
  const callFiles: SourceFile[] = [];
  // Noted while a file's data is at hand: a file that lets go of it would be read again.
  const named = new Set<string>();
  const keep = options.keepParsed ?? Number.POSITIVE_INFINITY;
  let held = 0;
  const leaves = leavesProject(root);
  for (const name of unique) {
    const absolute = resolve(root, name);
    // A link out of the project (or to its .env) is never read: its lines would be shown.
    const away = typedOutside.has(name) ? undefined : leaves(absolute);
    if (away !== undefined) {
      diagnostics.push(fileProblem(name, away));
      continue;
    }
    const read = readSource(absolute, name);
    if (read.diagnostics.length > 0) for (const item of read.diagnostics) diagnostics.push(item);
    const { source } = read;
    if (source === undefined) continue;
    callFiles.push(source);
    for (const path of recipientsOf(source)) named.add(path);
    held += source.text.length;
    if (held > keep) for (const doc of source.documents) doc.release?.();
  }
  const recipients = await readAllRecipients(root, named);
  for (const item of miscasedCallFiles(root, miscased, {
    ...(config.source === undefined ? {} : { configFile: config.source.file }),
    ...(options.envFile === undefined ? {} : { envFile: resolve(options.envFile) }),
    callFiles: [],
    recipients: named,
    suppress: suppressIn(config.source),
    ...(lockPath === undefined ? {} : { lockfile: lockPath }),
  }))
    diagnostics.push(miscasedWarning(item));
  const nested = lockfile === undefined ? undefined : await lockfileInProject(root, lockfile);
  const away = lockPath === undefined ? undefined : lockfileLeaves(root, lockPath);
  const read =
    lockPath === undefined
      ? undefined
      : asCallFile !== undefined
        ? asCallFile.path === lockPath
          ? { callPattern: true as const }
          : { is: asCallFile.what }
        : await lockfileReadAs(root, lockPath, {
            ...(config.source === undefined ? {} : { configFile: config.source.file }),
            ...(options.envFile === undefined ? {} : { envFile: resolve(options.envFile) }),
            callFiles: [],
            recipients: named,
            suppress: suppressIn(config.source),
            globs: callGlobs(config.source).globs,
          });
  return {
    root,
    ...(config.source ? { configFile: config.source } : {}),
    callFiles,
    diagnostics,
    recipients,
    ...(nested === undefined ? {} : { lockfileInProject: nested }),
    ...(away === undefined ? {} : { lockfileLeaves: away }),
    ...(read === undefined ? {} : { lockfileRead: read }),
  };
};

/**
 * What callops reads at the lockfile `path` (absolute), the call files apart (see
 * loadProject): a file it reads, or, while nothing is there, a name the `calls` patterns
 * match, which the next command would read as a call file once apply wrote it.
 */
const lockfileReadAs = async (
  root: string,
  path: string,
  input: ReadInput & { readonly globs: readonly string[] },
): Promise<LockfileRead | undefined> => {
  const read = whichFile(path, inputFiles(root, input));
  if (read !== undefined) return { is: read.what };
  if ((await lookUp(path)) !== 'absent') return undefined;
  return (await namedLikeCallFile(input.globs, root, path, realPath(path)))
    ? { callPattern: true }
    : undefined;
};

/** callops.yaml (or .yml) when present, and the call files its `calls` patterns match. */
export const findProjectFiles = async (
  root: string,
): Promise<{ readonly configFile?: string; readonly callFiles: readonly string[] }> => {
  const absolute = resolve(root);
  const config = await readConfig(absolute);
  const names = await findFiles(callGlobs(config.source).globs, absolute);
  const configFile =
    config.source?.file ??
    (await Promise.all(CONFIG_FILES.map((n) => lookUp(join(absolute, n))))).reduce<
      string | undefined
    >((found, kind, i) => found ?? (kind !== 'absent' ? CONFIG_FILES[i] : undefined), undefined);
  return {
    ...(configFile ? { configFile } : {}),
    callFiles: names.filter((n) => n !== configFile).sort(byPath),
  };
};

/** What `run` looks at before it plans: whether the definitions changed, and their files. */
export interface ProjectLook {
  /**
   * A cheap fingerprint of what loadProject would read: callops.yaml's text, the name, size,
   * modification time and inode of every call file its globs match and of the env files, and
   * of each recipients CSV. It changes when a file is edited, added or removed; `run`
   * compares it at each wake to pick up changes.
   */
  readonly stamp: string;
  /**
   * callops.yaml, the call files and the env files as they were seen for the stamp (before
   * the definitions are read): a batch looks at them again before its requests
   * (watchDefinitions).
   */
  readonly files: readonly FileSeen[];
}

/**
 * Looks at the project at `root`. `envFile`: `--env-file FILE` (absolute), read with the
 * definitions over the project's `.env` (envFilesOf); without it, `.env` alone.
 */
export const projectLook = async (root: string, envFile?: string): Promise<ProjectLook> => {
  const absolute = resolve(root);
  const config = await readConfig(absolute);
  const parts = [config.source?.file ?? '', config.source?.text ?? ''];
  const files = await seeDefinitions(absolute, config.source, envFile);
  const stamped = (f: FileSeen) =>
    parts.push(
      `${f.file}\0${f.seen?.size ?? '-'}\0${f.seen?.mtimeMs ?? '-'}\0${f.seen?.ino ?? '-'}`,
    );
  for (const f of files) {
    // callops.yaml is in the stamp by its text.
    if (f.file === config.source?.file) continue;
    stamped(f);
    if (f.everyCall === true) continue;
    // A campaign's recipients CSV is part of its definition.
    // Never waited on: a FIFO named like a call file is reported when the project is read.
    const text = await readRegularFile(f.absolute)
      .then((read) => ('bytes' in read ? read.bytes.toString('utf8') : ''))
      .catch(() => '');
    for (const match of text.matchAll(RECIPIENTS_LINE)) {
      const value = (match[1] ?? '').replace(/^["']|["']$/g, '');
      const path = recipientsPath(f.file, value);
      if (value !== '') stamped(await seeFile(path, join(absolute, path)));
    }
  }
  return { stamp: parts.join('\n'), files };
};

/**
 * callops.yaml (as `config` found it), the env files (envFilesOf) and the call files its
 * globs match, as they are now (one `stat` each), in that order.
 */
const seeDefinitions = async (
  absolute: string,
  config: SourceFile | undefined,
  envFile: string | undefined,
): Promise<FileSeen[]> => {
  const names = (await findFiles(callGlobs(config).globs, absolute))
    .filter((n) => n !== config?.file)
    .sort(byPath);
  const files: FileSeen[] = [];
  if (config !== undefined)
    files.push(await seeFile(config.file, join(absolute, config.file), true));
  // Their values are part of the definitions (`${VAR}`), read again with them: `.env` under
  // --env-file too, so an edit of either is seen.
  for (const at of envFilesOf(absolute, envFile))
    files.push(await seeFile(at.flag ? at.path : '.env', at.path, true));
  for (const name of names) files.push(await seeFile(name, join(absolute, name)));
  return files;
};

/** The files of the definitions of the project at `root`, as they are now (see projectLook). */
export const definitionFiles = async (root: string, envFile?: string): Promise<FileSeen[]> => {
  const absolute = resolve(root);
  return seeDefinitions(absolute, (await readConfig(absolute)).source, envFile);
};

/** The stamp of projectLook. */
export const projectStamp = async (root: string, envFile?: string): Promise<string> =>
  (await projectLook(root, envFile)).stamp;
