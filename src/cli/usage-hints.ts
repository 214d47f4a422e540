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
  return `${message}${didYouMean(unknown.slice(2), Object.keys(options), (name) => `--${name}`)}`;
};
