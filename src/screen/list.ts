/** Where a number is listed, and why. */
export interface Listed {
  /** The list file, relative to the project root. */
  readonly file: string;
  readonly line: number;
  readonly reason?: string;
}

/** One do-not-call list as read: normalised number → where it is listed (first listing wins). */
export interface SuppressList {
  readonly file: string;
  readonly numbers: ReadonlyMap<string, Listed>;
}

/** The first listing of `number` among the lists, in the order callops.yaml names them. */
export const findListed = (lists: readonly SuppressList[], number: string): Listed | undefined => {
  for (const list of lists) {
    const hit = list.numbers.get(number);
    if (hit !== undefined) return hit;
  }
  return undefined;
};

/** How a plan and a run word a suppressed placement. */
export const suppressedReason = (listed: Listed): string =>
  `do-not-call: ${listed.reason ?? 'listed'} (${listed.file}:${listed.line})`;
