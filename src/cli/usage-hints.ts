import { distance } from '../options/suggest.js';
import type { OptionsConfig } from './context.js';

/**
 * Usage errors in words that say how to go on: a misspelt command or flag gets the known
 * name it is closest to (at most two edits), a `-C` with no directory the same words before
 * and after the command.
 */

/**
 * The known name closest to `input` (case aside), at most two edits away and fewer edits
 * than `input` has characters, or undefined.
 */
export const closestName = (input: string, known: Iterable<string>): string | undefined => {
  const lower = input.toLowerCase();
  let best: { name: string; edits: number } | undefined;
  for (const name of known) {
    const edits = distance(lower, name.toLowerCase());
    if (edits <= 2 && edits < input.length && (best === undefined || edits < best.edits))
      best = { name, edits };
  }
  return best?.name;
};

/** " — did you mean `x`?" for the closest known name (closestName), or "". */
export const didYouMean = (input: string, known: Iterable<string>, shown = (n: string) => n) => {
  const match = closestName(input, known);
  return match === undefined ? '' : ` — did you mean \`${shown(match)}\`?`;
};

/**
 * The flag an unknown long one (`--name`) likely meant: `-C` for `--C` (a short flag's letter
 * written after two dashes; case aside when no flag has it as written), else the closest long
 * flag (didYouMean). Undefined when none is near.
 */
const meantFlag = (name: string, options: OptionsConfig): string | undefined => {
  const written = name.slice(2);
  if (written.length === 1) {
    const shorts = Object.values(options).flatMap((o) => (o.short === undefined ? [] : [o.short]));
    const short =
      shorts.find((s) => s === written) ??
      shorts.find((s) => s.toLowerCase() === written.toLowerCase());
    if (short !== undefined) return `-${short}`;
  }
  const long = closestName(written, Object.keys(options));
  return long === undefined ? undefined : `--${long}`;
};

/** " — did you mean `--x`?" (or `-C`) for an unknown long flag (meantFlag), or "". */
const flagHint = (meant: string | undefined): string =>
  meant === undefined ? '' : ` — did you mean \`${meant}\`?`;

/** The flags that go before the command as well: -C DIR, --help, --version. */
const BEFORE_COMMAND = new Set(['-C', '--dir', '-h', '--help', '-V', '--version']);

/** What `callops -C` or `callops <command> -C` with nothing after it says. */
export const dirMissing = (command?: string): string =>
  `-C needs a directory: callops ${command === undefined ? '-C DIR <command>' : `${command} -C DIR`}`;

/**
 * A parseArgs error as one line: without its note on positionals, with the closest flag for
 * an unknown one, and `-C needs a directory` for a -C (or --dir) with no value.
 */
export const describeParseError = (
  error: unknown,
  options: OptionsConfig = {},
  command?: string,
): string => {
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /\. To specify a positional argument.*$/s,
    '',
  );
  if (/^Option '-C, --dir <value>' argument missing/.test(message)) return dirMissing(command);
  const unknown = /^Unknown option '(--[^'=]+)/.exec(message)?.[1];
  if (unknown === undefined) return message;
  return `${message}${flagHint(meantFlag(unknown, options))}`;
};

/** The flags after the command that follows a flag put before it. */
export interface FlagsAfter {
  /** The command, when one follows. */
  readonly command?: string;
  /** The flags it takes (those it refuses left out); the common ones when none follows. */
  readonly options: OptionsConfig;
  /** Common flags the command refuses, each with why. */
  readonly refuses?: Readonly<Record<string, string>>;
}

/**
 * What `callops FLAG …` says when its first word is a flag that does not go there (only -C,
 * --help and --version do), judged as the command that follows would judge it: a flag it
 * takes is said to go after it, one it refuses gets its reason, any other the closest known
 * flag, as after the command — never "unknown command".
 */
export const flagBeforeCommand = (
  flag: string,
  { command, options, refuses = {} }: FlagsAfter,
): string => {
  const name = flag.replace(/=.*$/s, '');
  const refused = name.startsWith('--') ? refuses[name.slice(2)] : undefined;
  if (refused !== undefined) return refused;
  const known = Object.entries(options).find(([long, option]) =>
    name.startsWith('--') ? name === `--${long}` : name === `-${option.short ?? ''}`,
  );
  const usage = `callops ${command ?? '<command>'}`;
  if (known !== undefined) {
    const value = known[1].type === 'string' && !flag.includes('=') ? ' …' : '';
    return `${name} goes after the command: ${usage} ${flag}${value}`;
  }
  const unknown = `Unknown option '${name}'`;
  const meant = name.startsWith('--') ? meantFlag(name, options) : undefined;
  const hint = flagHint(meant);
  // `--C` meant -C, which goes before the command as well: no word of going after it.
  if (command !== undefined && !(meant !== undefined && BEFORE_COMMAND.has(meant)))
    return `${unknown}${hint} (flags go after the command: ${usage} …)`;
  return `${unknown}${hint === '' ? ' — run `callops --help` for the list' : hint}`;
};
