import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookUp } from '../../config/exists.js';
import { findProjectFiles } from '../../config/load.js';
import { printable } from '../../report/printable.js';
import type { CommandModule } from '../context.js';
import { CliError, EXIT, UsageError } from '../exit.js';

/** The schemas of this callops (repo root is three levels above dist/cli/commands/). */
const SCHEMAS = fileURLToPath(new URL('../../../schemas/', import.meta.url));
const SCHEMA_FILES = {
  config: 'callops-config.schema.json',
  calls: 'callops-calls.schema.json',
} as const;

/**
 * The `$schema` path for a file of the project: callops in the project's node_modules when
 * it is installed there (a path that works for everyone who clones the project), else the
 * schema of the callops that runs (`npm link`, a global install): right on this machine.
 */
const schemaPath = async (projectDir: string, file: string, schema: string): Promise<string> => {
  const installed = join(projectDir, 'node_modules', 'callops', 'schemas', schema);
  const target = (await exists(installed)) ? installed : join(SCHEMAS, schema);
  const rel = relative(dirname(join(projectDir, file)), target)
    .split(sep)
    .join('/');
  return rel.startsWith('.') || rel.startsWith('/') ? rel : `./${rel}`;
};

const config = (schema: string) => `# yaml-language-server: $schema=${schema}
# callops project configuration — \`callops schema --config\` prints every key.
#
# Without targets, commands use the built-in simulator: nothing real is dialled.
# targets:
#   production:
#     base_url: https://vg.example.com        # no trailing /v1
#     account_sid: \${VG_ACCOUNT_SID}
#     api_key: \${VG_API_KEY}                  # always a secret: keep it in the environment
#     concurrency: 4
#     rate: 5/s
#     request_timeout: 15s
# default_target: production
calls: ["calls/**/*.yaml", "calls/**/*.yml"]
lockfile: callops.lock
# defaults:                                   # merged under every call
#   timeout: 45
`;

const example = (schema: string) => `# yaml-language-server: $schema=${schema}
# An example: pinned to the built-in simulator, so it dials nobody whatever target you add.
# Copy it into a call of your own (without \`target: simulator\`) to place real calls.
defaults:
  application_sid: \${APP_SID:-00000000-0000-4000-8000-000000000000}
  from: "+15550001111"
calls:
  - name: example-call
    target: simulator
    to:
      type: phone
      number: "+15550002222"
    tag:
      purpose: example
`;

/**
 * `.callops/` (working state), `.env` (secrets), and the temp file the lockfile is written
 * through: beside callops.lock (in any folder `lockfile:` names) while a command writes it,
 * or left by one that was killed until the next command removes it; never to be committed.
 */
const IGNORE_LINES = ['.callops/', '.env', '.callops.lock.*.tmp'];

const exists = async (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** DIR as the user gave it, where it is, and how a path in or above it is named. */
interface Target {
  readonly given: string;
  readonly dir: string;
  readonly show: (path: string) => string;
}

/** A place the user may not write, or where nothing can be made: theirs to change (64). */
const USAGE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EEXIST']);

/**
 * What init could not make, as one line naming DIR and the path: a place the user may not
 * write, or where nothing can be made (a folder under /proc), is a usage error (64);
 * anything else (a full disk) a failure (1).
 */
const cannotMake = (target: Target, what: string, path: string, error: unknown): Error => {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  const message = `${target.given}: cannot ${what}${path === target.dir ? '' : ` ${target.show(path)}`} (${code})`;
  return USAGE_CODES.has(code) ? new UsageError(message) : new CliError(message);
};

/**
 * Makes `dir` and the folders missing above it, one at a time. Not mkdir's `recursive`:
 * where the system answers ENOENT for a folder whose parent is there (/proc), it tries
 * again for ever. Something in the way that is not a folder (a file) is a usage error.
 */
const makeDirs = async (target: Target, dir: string): Promise<void> => {
  const missing: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    const found = await lookUp(at);
    if (found === 'dir') break;
    if (found !== 'absent') {
      const why = typeof found === 'object' ? found.problem : 'is not a directory';
      const where = at === target.dir ? '' : ` ${target.show(at)}`;
      throw new UsageError(`${target.given}:${where} ${why}`);
    }
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const path of missing) {
    await mkdir(path).catch(async (error: unknown) => {
      // Made meanwhile (another init): as good as made here.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await lookUp(path)) === 'dir')
        return;
      throw cannotMake(target, 'create the directory', path, error);
    });
  }
};

/** Writes a new file of init's, or says in one line why it cannot. */
const writeNew = (target: Target, path: string, text: string, flag = 'wx'): Promise<void> =>
  writeFile(path, text, { flag }).catch((error: unknown) => {
    throw cannotMake(target, 'write', path, error);
  });

const shortList = (names: readonly string[]): string =>
  names.length <= 3
    ? names.join(', ')
    : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;

export const command: CommandModule = {
  summary: 'scaffold a project',
  usage: `Usage: callops init [DIR]

Writes what a new project lacks: callops.yaml, calls/example.yaml and .gitignore lines.
Never overwrites a file, and adds no call to a project that has callops.yaml or call
files already. The example call is pinned to the built-in simulator: it dials nobody.`,
  options: {},
  refuses: {
    target: 'init dials nobody: it takes no --target (add targets to callops.yaml)',
    'env-file': 'init reads no variables: it takes no --env-file',
    format: 'init says what it wrote in plain lines: it takes no --format',
    now: 'init evaluates no schedule: it takes no --now',
  },
  allowPositionals: true,
  run: async (ctx) => {
    const [first, extra] = ctx.positionals;
    // One DIR: a second is refused before anything is made, in parseArgs's words.
    if (extra !== undefined)
      throw new UsageError(`Unexpected argument '${extra}'. This command takes one DIR at most`);
    const given = first ?? '.';
    const dir = resolve(ctx.root, given);
    const target: Target = {
      given,
      dir,
      // As the user wrote DIR: absolute, or relative to the project root (-C).
      show: (path) => (isAbsolute(given) ? path : relative(ctx.root, path) || '.'),
    };
    await makeDirs(target, dir);
    const found = await findProjectFiles(dir);
    const say = (verb: string, text: string) => ctx.stdout.write(`${verb.padEnd(8)} ${text}\n`);
    if (found.configFile !== undefined) {
      say('kept', `${found.configFile} (already there)`);
    } else {
      const schema = await schemaPath(dir, 'callops.yaml', SCHEMA_FILES.config);
      await writeNew(target, join(dir, 'callops.yaml'), config(schema));
      say('created', 'callops.yaml');
    }
    const existing = found.configFile !== undefined || found.callFiles.length > 0;
    if (existing) {
      const why =
        found.callFiles.length > 0
          ? `this project has call files: ${shortList(found.callFiles)}`
          : `this project has ${found.configFile}`;
      say('skipped', `calls/example.yaml (${why}; init adds no call to an existing project)`);
    } else {
      const file = 'calls/example.yaml';
      await makeDirs(target, join(dir, 'calls'));
      const schema = await schemaPath(dir, file, SCHEMA_FILES.calls);
      await writeNew(target, join(dir, file), example(schema));
      say('created', `${file} (pinned to the built-in simulator: it dials nobody)`);
    }
    const ignorePath = join(dir, '.gitignore');
    const current = (await exists(ignorePath)) ? await readFile(ignorePath, 'utf8') : '';
    const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
    const add = IGNORE_LINES.filter((l) => !have.has(l));
    if (add.length > 0) {
      const prefix = current === '' || current.endsWith('\n') ? '' : '\n';
      await writeNew(target, ignorePath, `${current}${prefix}${add.join('\n')}\n`, 'w');
      say('updated', `.gitignore (${add.join(', ')})`);
    }
    ctx.stdout.write(`Next: ${nextCommands(given, dir)}\n`);
    return EXIT.ok;
  },
};

/** A word a POSIX shell reads back as `text`: as it is when it holds nothing special. */
const shellWord = (text: string): string => {
  if (/^[A-Za-z0-9_./+@%:,=-]+$/.test(text)) return text.startsWith('-') ? `./${text}` : text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
};

/**
 * What to type next, from the folder the user is in: in DIR (another folder than this one),
 * its `cd` first — a plain validate there would read the folder above and find no call.
 */
const nextCommands = (given: string, dir: string): string => {
  const fromHere = relative(process.cwd(), dir);
  const commands = 'callops validate && callops plan';
  if (fromHere === '') return commands;
  const path = isAbsolute(given) ? dir : fromHere;
  return `cd ${printable(shellWord(path))} && ${commands}`;
};
