import type { ParseArgsConfig } from 'node:util';
import type { RunProgress } from './stall.js';

/** `markdown` is only for `plan` (a pull-request comment), `csv` only for `report`. */
export type Format = 'human' | 'json' | 'github' | 'markdown' | 'csv';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What every command receives: parsed flags, the project root, and the process edges. */
export interface CommandContext {
  readonly root: string;
  readonly format: Format;
  readonly color: boolean;
  readonly verbose: boolean;
  /** `--target`, when given. */
  readonly target?: string;
  readonly envFile?: string;
  /** `--now`, when given; otherwise the clock. */
  readonly now: Date;
  readonly nowGiven: boolean;
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly signal: AbortSignal;
  /**
   * Changes what the first SIGINT/SIGTERM/SIGHUP is said to do (the command's `onStop`), once
   * the command moved on to work the first words no longer describe: apply's `--wait`.
   * Present for commands that handle signals.
   */
  readonly sayOnStop?: (words: string) => void;
  /** The calls of a run, as its events tell them: what a stalled run names. */
  readonly progress?: RunProgress;
}

export interface CommandModule {
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionsConfig;
  readonly allowPositionals?: boolean;
  /** The command reacts to SIGINT/SIGTERM through ctx.signal; a second signal exits 130. */
  readonly handlesSignals?: boolean;
  /** What the first signal does, said on stderr (default: "stopping"). */
  readonly onStop?: string;
  /**
   * Common flags the command refuses, each with the message saying why (exit 64). Its help
   * does not list them, and they are refused even beside --help.
   */
  readonly refuses?: Readonly<Record<string, string>>;
  run(ctx: CommandContext): Promise<number>;
}

export const COMMON_OPTIONS: OptionsConfig = {
  dir: { type: 'string', short: 'C' },
  target: { type: 'string' },
  'env-file': { type: 'string' },
  format: { type: 'string' },
  now: { type: 'string' },
  'no-color': { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

export const COMMON_USAGE = `Common flags:
  -C DIR               project root (default: the current directory)
  --target NAME        target to use (default: default_target, the env target, or the simulator)
  --env-file FILE      read variables from FILE, relative to the working directory, over
                       .env (for \${VAR} references only; the real environment wins)
  --format FMT         human | json | github (github is the default when GITHUB_ACTIONS=true);
                       plan also takes markdown (a pull-request comment)
  --now ISO            evaluate schedules as at that instant (plan, status); apply: a
                       rehearsal, only against the simulator or a loopback target
  --no-color           no colours (NO_COLOR is honoured too)
  --verbose            show stack traces of internal errors
  -h, --help           this help
  -V, --version        print the version`;

/**
 * COMMON_USAGE without the lines of the flags a command refuses, nor of `--format` when the
 * command's usage line gives its own formats (report: csv|json): a flag's own line and the
 * lines that continue it (indented past the flags' column).
 */
export const commonUsageFor = (command: Pick<CommandModule, 'refuses' | 'usage'>): string => {
  const ownFormat = /\[--format [^\]]+\]/.test(command.usage.split('\n', 1)[0] ?? '');
  const refused = [...Object.keys(command.refuses ?? {}), ...(ownFormat ? ['format'] : [])];
  let dropping = false;
  return COMMON_USAGE.split('\n')
    .filter((line) => {
      if (!/^ {3}/.test(line)) dropping = refused.some((flag) => line.startsWith(`  --${flag} `));
      return !dropping;
    })
    .join('\n');
};
