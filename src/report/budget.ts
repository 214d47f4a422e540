/**
 * GitHub refuses a comment longer than 65,536 characters, and a step summary over 1 MiB
 * is not shown at all: a plan comment, and each step summary callops appends, stays under
 * the first.
 */
export const MARKDOWN_LIMIT = 65_536;

/**
 * What list lines leave for the lines that must follow them (headings, counts, the line
 * counting what a list left out): far more than a report's fixed lines take.
 */
const RESERVE = 8_192;

/** A line of a list, and how many of its entries it stands for (a "… and N more" line: N). */
export type ListLine = readonly [line: string, entries: number];

/**
 * The characters a markdown text may still take. Every line written is spent from it; a
 * list's lines are written only while they fit with RESERVE to spare, so that the text
 * stays under its limit however long its lists are.
 */
export class TextBudget {
  #left: number;

  constructor(limit = MARKDOWN_LIMIT) {
    this.#left = limit;
  }

  /** Counts a line written (its newline too). */
  spend(line: string): void {
    this.#left -= line.length + 1;
  }

  /** Whether a list line still fits. */
  fits(line: string): boolean {
    return this.#left - (line.length + 1) >= RESERVE;
  }
}

/**
 * A list's lines while `budget` lets them fit, then one line (`more(n, listed)`) counting
 * the entries left out (`listed`: whether any of the list was written). Made one at a time as they are written: what is written is spent by
 * `spending`, which the whole text goes through.
 */
export function* linesWithin(
  lines: Iterable<ListLine>,
  budget: TextBudget,
  more: (entries: number, listed: boolean) => string,
): Generator<string> {
  let left = 0;
  let listed = false;
  for (const [line, entries] of lines) {
    if (left === 0 && budget.fits(line)) {
      listed = true;
      yield line;
    } else left += entries;
  }
  if (left > 0) yield more(left, listed);
}

/** The lines of a text, each spent from `budget` as it is written. */
export function* spending(lines: Iterable<string>, budget: TextBudget): Generator<string> {
  for (const line of lines) {
    budget.spend(line);
    yield line;
  }
}
