/** Where a hidden value starts (the first character hidden) and ends (the first one shown again). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Characters of a URL scheme (`postgres`, `git+ssh`), letters of either case. */
const SCHEME = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
/** The user of `scheme://user:`, up to its colon. */
const USER = /[^\s/?#@:'"]*:/y;

/**
 * The first character at or after an index that ends what a password may run over: white
 * space, a flow map's `,` `{` `}` `[` `]`, the end of the line. The answer is kept while the
 * indexes asked about do not pass it (they only grow), so the line is read once.
 */
const stopFinder = (text: string, stop: RegExp) => {
  const pattern = new RegExp(stop.source, 'g');
  let found = -1;
  return (from: number): number => {
    if (found >= from) return found;
    pattern.lastIndex = from;
    found = pattern.exec(text)?.index ?? text.length;
    return found;
  };
};

/** Index of the last element of sorted `values` below `limit` (−1 when none). */
const lastBelow = (values: readonly number[], limit: number): number => {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
};

/** Counts of the steps urlPasswordSpans took, for a bound on its work. */
export interface Tally {
  steps: number;
}

/**
 * The password of each URL written in a line, as the pattern
 * `([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*:)(?:\S+|[^,{}[\]]+|.+)(?=@)` (global, any case) finds
 * it — what follows `scheme://user:` up to the last `@` before white space, failing that
 * before the next `,` `{` `}` `[` `]`, failing that of the line — in time linear in the line
 * (times log of its `@`s): the pattern itself, run over a line of megabytes, backtracks over
 * every letter of a long word from each of its letters, and over the rest of the line from
 * each `scheme://user:` with no `@` after it.
 */
export const urlPasswordSpans = (text: string, tally: Tally = { steps: 0 }): Span[] => {
  const spans: Span[] = [];
  const ats: number[] = [];
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) ats.push(at);
  if (ats.length === 0) return spans;
  const stops = [/\s/, /[,{}[\]]/, /[\n\r\u2028\u2029]/].map((stop) => stopFinder(text, stop));
  // The pattern resumes its search where its last match ended.
  let cursor = 0;
  for (let c = text.indexOf('://'); c >= 0; c = text.indexOf('://', c + 1)) {
    // The scheme before `://`: the run of scheme characters (never a `:`, so never reaching
    // back past the previous `://`), from its first letter the search may start at.
    let start = c;
    while (start > cursor && SCHEME.test(text.charAt(start - 1))) {
      start -= 1;
      tally.steps += 1;
    }
    while (start < c && !LETTER.test(text.charAt(start))) {
      start += 1;
      tally.steps += 1;
    }
    if (start === c) continue;
    USER.lastIndex = c + 3;
    const user = USER.exec(text);
    tally.steps += 1;
    if (user === null) continue;
    const from = USER.lastIndex;
    for (const stopAt of stops) {
      tally.steps += 1;
      const at = ats[lastBelow(ats, stopAt(from))];
      if (at !== undefined && at > from) {
        spans.push({ start: from, end: at });
        cursor = at;
        break;
      }
    }
  }
  return spans;
};
