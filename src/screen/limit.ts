/** `limits.per_number` of callops.yaml: at most `count` claims to one number per `windowMs`. */
export interface PerNumberLimit {
  readonly count: number;
  readonly windowMs: number;
  /** As written, e.g. `3/24h`. */
  readonly text: string;
}

/** How a plan and a run word a placement the limit holds back. */
export const limitedReason = (limit: PerNumberLimit): string =>
  `per-number limit ${limit.text} reached: waits until an earlier call to this number leaves the window`;

/**
 * How a plan words a placement held back because the limit's window reaches back before what
 * the state remembers of the calls `state.keep` let go (`gap`, epoch ms): it may hold calls
 * to this number that the state can no longer count.
 */
export const forgottenReason = (limit: PerNumberLimit, gap: number): string => {
  const at = new Date(gap).toISOString();
  return `per-number limit ${limit.text}: its window reaches back before ${at}, and calls made until then whose entries state.keep let go are no longer remembered: waits until ${at} leaves the window`;
};

/** What counts toward the limit: every entry that may have rung (placed, unknown, in flight). */
export const countsTowardLimit = (status: string): boolean =>
  status === 'placed' || status === 'unknown' || status === 'claimed';
