import { setMaxListeners } from 'node:events';
import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lookUp } from '../config/exists.js';
import { unrecordedLines } from '../engine/answered.js';
import { EngineError } from '../engine/errors.js';
import { printable } from '../report/printable.js';
import { COMMAND_NAMES, type CommandName, isCommandName } from './command-names.js';
import {
  COMMON_OPTIONS,
  COMMON_USAGE,
  type CommandContext,
  type CommandModule,
  commonUsageFor,
  type Format,
  type OptionsConfig,
} from './context.js';
import { errorText } from './error-text.js';
import { CliError, EXIT, exitCodeOf, UsageError } from './exit.js';
import { shiftClock } from './failpoint-clock.js';
import { pickNow } from './now.js';
import { runProgress, StalledError, settleOrStall } from './stall.js';
import { describeParseError, didYouMean, dirMissing, flagBeforeCommand } from './usage-hints.js';
import { VERSION } from './version.js';

const COMMANDS: Record<CommandName, () => Promise<CommandModule>> = {
  validate: async () => (await import('./commands/validate.js')).command,
  plan: async () => (await import('./commands/plan.js')).command,
  apply: async () => (await import('./commands/apply.js')).command,
  run: async () => (await import('./commands/run.js')).command,
  status: async () => (await import('./commands/status.js')).command,
  resolve: async () => (await import('./commands/resolve.js')).command,
  report: async () => (await import('./commands/report.js')).command,
  receive: async () => (await import('./commands/receive.js')).command,
  unlock: async () => (await import('./commands/unlock.js')).command,
  state: async () => (await import('./commands/state.js')).command,
  simulator: async () => (await import('./commands/simulator.js')).command,
  schema: async () => (await import('./commands/schema.js')).command,
  init: async () => (await import('./commands/init.js')).command,
  demo: async () => (await import('./commands/demo.js')).command,
};

/** The commands that read a project from the root: told when it is a folder of one. */
const PROJECT_COMMANDS: ReadonlySet<string> = new Set([
  'validate',
  'plan',
  'status',
  'apply',
  'run',
]);

const USAGE = `callops ${VERSION} — reviewed YAML in, outbound calls on a jambonz-compatible Voice Gateway out

Usage: callops <command> [flags]

Commands:
  validate [PATH…]   parse, schema and semantic checks; no network, no environment needed
  plan               what apply would do now, and what comes next; no network
  apply              place every call that is due now and not yet placed
  run                long-running scheduler: place calls as their slots fall due
  status             the lockfile, readable: placed / failed / unknown, next slots
  resolve KEY…       settle an unknown entry by hand (--placed SID | --not-placed), or
                     from the gateway's records on unambiguous evidence (--check)
  report NAME        one line per recipient of a campaign with its final state (CSV)
  receive            record outcomes from signed call_status_hook requests
  unlock             clear a stale run lock (never one whose run is alive)
  state pull         write the placements .callops/ recorded back into the lockfile
                     (postgres: write callops.lock from the database)
  state push         postgres: import callops.lock into the database once; conflicting
                     keys are refused, or settled with --keep-database
  simulator          run the built-in Voice Gateway simulator
  schema             print the JSON Schema of call files (--config: of callops.yaml)
  init [DIR]         scaffold callops.yaml, calls/example.yaml and .gitignore lines
  demo               apply the examples in calls/ against the built-in simulator

Run \`callops <command> --help\` for the flags of a command.

${COMMON_USAGE}`;

/**
 * The formats a command takes: report writes a CSV or JSON file's text, never a human or
 * GitHub rendering of it (its default, `github` in a runner included, is CSV); plan also
 * writes a pull-request comment.
 */
const formatsOf = (command: string): readonly Format[] =>
  command === 'report'
    ? ['csv', 'json']
    : command === 'plan'
      ? ['human', 'json', 'github', 'markdown']
      : ['human', 'json', 'github'];

/** `a, b or c`. */
const choices = (words: readonly string[]): string =>
  words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;

const pickFormat = (value: unknown, env: NodeJS.ProcessEnv, command: string): Format => {
  if (value === undefined) return env.GITHUB_ACTIONS === 'true' ? 'github' : 'human';
  const formats = formatsOf(command);
  const format = formats.find((f) => f === value);
  if (format !== undefined) return format;
  if (command === 'report' && (value === 'human' || value === 'github')) {
    throw new UsageError(
      `--format ${value} is not for report: it writes CSV (the default) or JSON (--format json)`,
    );
  }
  if (value === 'csv') throw new UsageError('--format csv is only for report');
  if (value === 'markdown') throw new UsageError('--format markdown is only for plan');
  throw new UsageError(`--format must be ${choices(formats)} (got "${String(value)}")`);
};

/** `-C DIR` as an absolute path, else the working directory; a DIR that is not a directory is a usage error. */
const projectRoot = async (value: unknown): Promise<string> => {
  if (typeof value !== 'string') return process.cwd();
  const root = resolve(value);
  const found = await lookUp(root);
  if (found === 'dir') return root;
  const why =
    found === 'absent'
      ? 'no such directory'
      : typeof found === 'object'
        ? found.problem
        : 'not a directory';
  throw new UsageError(`-C ${value}: ${why}`);
};

/**
 * A flag that takes one value, given more than once: the last one would silently win (a
 * second --target would dial elsewhere), so it is a usage error. Flags declared `multiple`
 * (--only, --replace) are repeatable; a boolean given twice says the same thing twice.
 */
const repeatedFlag = (
  tokens: readonly { kind: string; name?: string; rawName?: string }[],
  options: OptionsConfig,
): string | undefined => {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const option = options[token.name];
    if (option?.type !== 'string' || option.multiple === true) continue;
    if (seen.has(token.name)) {
      const short = option.short === undefined ? '' : ` (-${option.short})`;
      return `--${token.name}${short} was given more than once; give it once (it takes one value)`;
    }
    seen.add(token.name);
  }
  return undefined;
};

/**
 * callops owns the signals: the first SIGINT/SIGTERM/SIGHUP asks the command to stop (no new
 * calls; in-flight ones are settled and recorded); a second one exits at once with 130,
 * saying each call the gateway answered whose outcome the state does not hold yet (its key,
 * its sid and the command that settles it: its claim is left `unknown`).
 * SIGHUP is a terminal or SSH session closing under a run: by default it kills the process,
 * calls in flight then end unknown and the run lock stays behind. What the first one is said
 * to do is `onStop`, until the command says otherwise (the setter returned).
 */
const installSignals = (
  controller: AbortController,
  err: NodeJS.WriteStream,
  onStop: string,
): ((words: string) => void) => {
  let words = onStop;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // Straight to the descriptor: progress on a terminal holds back stream writes, and
      // hides the cursor until it is done.
      writeSync(
        2,
        `${err.isTTY ? '\x1b[?25h\n' : ''}callops: ${signal} again — exiting now\n${unrecordedLines()}`,
      );
      process.exit(EXIT.interrupted);
    }
    err.write(`callops: ${signal} — ${words}\n`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return (next) => {
    words = next;
  };
};

/**
 * `callops -C DIR <command> …` works as `callops <command> -C DIR …`, as in git. The leading
 * pairs are those bin/callops.js passes over to find `--version`. Undefined when the last
 * `-C` has no DIR after it; no command after the pairs is none at all (the usage).
 */
const hoistDir = (argv: readonly string[]): string[] | undefined => {
  const args = [...argv];
  const before: string[] = [];
  while (args[0] === '-C' && args.length >= 2) before.push(...args.splice(0, 2));
  if (args[0] === '-C') return undefined;
  const [name, ...rest] = args;
  return name === undefined ? [] : [name, ...before, ...rest];
};

/**
 * What an error a command ends with is printed through: every secret the command knows
 * (projectSecrets) replaced by its reference, since the error may quote what was typed — a
 * KEY, a campaign name, a flag's value, an unknown flag. Read only once there is an error to
 * print, from the project and env file the flags name (read leniently: the flags may be
 * what is wrong); with no project to read, the environment's secrets alone.
 */
const errorRedactor = async (args: readonly string[]): Promise<(text: string) => string> => {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: COMMON_OPTIONS,
      strict: false,
      allowPositionals: true,
    });
    const root = typeof values.dir === 'string' ? resolve(values.dir) : process.cwd();
    const envFile = typeof values['env-file'] === 'string' ? values['env-file'] : undefined;
    const [{ projectSecrets }, { makeRedactor }] = await Promise.all([
      import('../engine/known-secrets.js'),
      import('../report/redact.js'),
    ]);
    return makeRedactor(await projectSecrets(root, process.env, envFile));
  } catch {
    return (text) => text;
  }
};

/** A reader that went away: EPIPE, EIO (the terminal's session closed, SIGHUP), or a write after that. */
const READER_GONE = new Set(['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED']);

/**
 * A failed write to stdout or stderr must not crash a run half-way: that would leave calls
 * in flight unrecorded. A reader that goes away (`callops apply | head -1`) is no failure:
 * its writes are dropped. Any other failure (a full device) is dropped the same way and
 * kept, the first one, for the command's end. Returns what failed, if anything.
 */
const watchWrites = (stream: NodeJS.WriteStream): (() => NodeJS.ErrnoException | undefined) => {
  let failure: NodeJS.ErrnoException | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (failure === undefined && !READER_GONE.has(error.code ?? '')) failure = error;
  });
  return () => failure;
};

/**
 * Once the command is done: a failed stdout is one line on stderr (the stack with
 * --verbose), a failed stderr says nothing; either makes the exit code 1, unless the
 * command's own is already worse.
 */
const afterWrites = async (
  code: number,
  out: () => NodeJS.ErrnoException | undefined,
  err: () => NodeJS.ErrnoException | undefined,
): Promise<number> => {
  // A failed write says so on a later tick: the last writes have their say.
  await new Promise((resolveTick) => setImmediate(resolveTick));
  const failure = out();
  if (failure !== undefined && err() === undefined) {
    process.stderr.write(
      `callops: cannot write to standard output: ${failure.code ?? failure.message}\n`,
    );
    if (process.argv.includes('--verbose') && failure.stack)
      process.stderr.write(`${failure.stack}\n`);
  }
  if (failure === undefined && err() === undefined) return code;
  return code === EXIT.ok ? EXIT.failed : code;
};

/** The flags a command takes: the common ones but those it refuses, and its own. */
const offeredFlags = (command: CommandModule): OptionsConfig =>
  Object.fromEntries(
    Object.entries({ ...COMMON_OPTIONS, ...command.options }).filter(
      ([flag]) => command.refuses?.[flag] === undefined,
    ),
  );

const runCommand = async (argv: readonly string[]): Promise<number> => {
  const out = process.stdout;
  const err = process.stderr;
  const hoisted = hoistDir(argv);
  if (hoisted === undefined) {
    err.write(`callops: ${dirMissing()}\n`);
    return EXIT.usage;
  }
  // `callops help plan` is `callops plan --help`.
  const [name, ...rest] =
    hoisted[0] === 'help' && hoisted[1] !== undefined
      ? [hoisted[1], '--help', ...hoisted.slice(2)]
      : hoisted;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out).write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    out.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (!isCommandName(name) && name.startsWith('-')) {
    // A flag before the command (only -C, --help and --version go there): judged against
    // the flags of the command that follows, if one does, as they would be after it.
    const following = rest.find(isCommandName);
    const module = following === undefined ? undefined : await COMMANDS[following]();
    const redact = await errorRedactor(hoisted);
    const message = flagBeforeCommand(
      name,
      module === undefined
        ? { options: COMMON_OPTIONS }
        : {
            command: following,
            options: offeredFlags(module),
            ...(module.refuses !== undefined && { refuses: module.refuses }),
          },
    );
    err.write(
      `callops${following === undefined ? '' : ` ${following}`}: ${errorText(message, hoisted, redact)}\n`,
    );
    return EXIT.usage;
  }
  if (!isCommandName(name)) {
    const redact = await errorRedactor(rest);
    const hint = didYouMean(name, [...COMMAND_NAMES, 'help', 'version']);
    const list =
      hint === '' ? ' — run `callops --help` for the list' : ' (`callops --help` lists them all)';
    err.write(`callops: unknown command "${printable(redact(name))}"${hint}${list}\n`);
    return EXIT.usage;
  }
  const command = await COMMANDS[name]();
  const progress = runProgress();
  const options = { ...COMMON_OPTIONS, ...command.options };
  const controller = new AbortController();
  // Every in-flight request and backoff listens on it: as many as the concurrency allows.
  setMaxListeners(0, controller.signal);
  const sayOnStop =
    command.handlesSignals === true
      ? installSignals(controller, err, command.onStop ?? 'stopping')
      : undefined;
  try {
    const parsed = parseArgs({
      args: [...rest],
      options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
      tokens: true,
    });
    const repeated = repeatedFlag(parsed.tokens, options);
    if (repeated !== undefined) throw new UsageError(repeated);
    const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
    for (const [flag, why] of Object.entries(command.refuses ?? {})) {
      if (values[flag] !== undefined) throw new UsageError(why);
    }
    if (values.help === true) {
      out.write(`${command.usage}\n\n${commonUsageFor(command)}\n`);
      return EXIT.ok;
    }
    if (values.version === true) {
      out.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const root = await projectRoot(values.dir);
    if (PROJECT_COMMANDS.has(name))
      await (await import('./project-above.js')).checkProjectAbove(name, root, err);
    const format = pickFormat(values.format, process.env, name);
    const { now, given } = await pickNow(values.now);
    const noColor =
      values['no-color'] === true ||
      (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');
    const ctx: CommandContext = {
      root,
      format,
      color: !noColor && out.isTTY === true && format === 'human',
      verbose: values.verbose === true,
      target: typeof values.target === 'string' ? values.target : undefined,
      envFile: typeof values['env-file'] === 'string' ? values['env-file'] : undefined,
      now,
      nowGiven: given,
      values,
      positionals: parsed.positionals,
      env: process.env,
      stdout: out,
      stderr: err,
      stdinIsTTY: process.stdin.isTTY === true,
      stdoutIsTTY: out.isTTY === true,
      signal: controller.signal,
      ...(sayOnStop === undefined ? {} : { sayOnStop }),
      progress,
    };
    return await settleOrStall(command.run(ctx), progress.pending);
  } catch (error) {
    const redact = await errorRedactor(rest);
    const say = (message: string) =>
      err.write(`callops ${name}: ${errorText(message, rest, redact)}\n`);
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      say(describeParseError(error, offeredFlags(command), name));
      return EXIT.usage;
    }
    if (error instanceof StalledError) {
      say(error.message);
      return EXIT.internal;
    }
    if (error instanceof CliError) {
      say(error.message);
      return error.exitCode;
    }
    if (error instanceof EngineError) {
      say(error.kind === 'usage' ? describeParseError(error) : error.message);
      return exitCodeOf(error);
    }
    say(error instanceof Error ? error.message : String(error));
    if (process.argv.includes('--verbose') && error instanceof Error && error.stack)
      err.write(`${redact(error.stack)}\n`);
    return EXIT.failed;
  }
};

export const main = async (argv: readonly string[]): Promise<number> => {
  shiftClock(process.env);
  const outFailure = watchWrites(process.stdout);
  const errFailure = watchWrites(process.stderr);
  const code = await runCommand(argv);
  return afterWrites(code, outFailure, errFailure);
};
