import { printable } from './printable.js';

/**
 * Text on one line of a markdown table or list (a plan comment, the step summary): line
 * breaks (and the blanks around them) become one space, every other character a terminal
 * acts on is escaped as `plan` shows it (`\u001b`), pipes too. A gateway's message or a
 * file name in GitHub's page can then no more hide or reorder text than in the terminal.
 */
export const oneLine = (text: string): string =>
  printable(text.replace(/\s*[\r\n]+\s*/g, ' ')).replaceAll('|', '\\|');

/** Text as an inline code span that survives a table cell (pipes, backticks, newlines). */
export const code = (text: string): string => {
  const flat = oneLine(text);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
};
