/**
 * The calls the gateway answered whose outcome the state does not hold yet, and that no line
 * has named with what settles them: an outcome being written (a state database that hangs
 * holds it up to its time limit), or one kept to be written again. A process that exits at
 * once (a second Ctrl-C) says each of them as it goes, key and sid: their claims are left
 * without an outcome, `unknown` to every command, and `callops resolve` needs the sid.
 *
 * One list for the process, as the exit it serves is. Each entry is its line, made only if
 * it is said (its words are an unrecorded call's: unsettled-words.ts).
 */
const waiting = new Map<string, () => string>();

/** The outcome of `key` is being written, or kept: `line` says it should the process exit now. */
export const awaitRecord = (key: string, line: () => string): void => {
  waiting.set(key, line);
};

/** The state holds the outcome of `key` now, or a line said what settles it. */
export const recordSettled = (key: string): void => {
  waiting.delete(key);
};

/** The lines of the outcomes still waiting, in the order they were answered; '' for none. */
export const unrecordedLines = (): string =>
  [...waiting.values()].map((line) => `${line()}\n`).join('');
