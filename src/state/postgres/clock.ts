/**
 * This runner's clock against the state database's. Per-number limits are judged on the
 * database's clock, which every runner shares; schedules, windows and deadlines on this
 * runner's, and the entries it writes carry its time: a slow clock places slots late, a fast
 * one early. A few seconds off is said; more than CLOCK_WRONG_MS off, no call is placed from
 * this runner (apply refuses, run holds its batches): calling hours are minute-grained, and a
 * call at the wrong hour is the one mistake a person on the other end cannot be spared.
 */

/** How far this runner's clock may be from the database's before it is told. */
export const CLOCK_SKEW_MS = 5_000;

/** How far it may be before no call is placed from it. */
export const CLOCK_WRONG_MS = 60_000;

/** How this runner's clock stands, beyond what the round trip that read the database's leaves unknown. */
export type ClockVerdict =
  /** Within CLOCK_SKEW_MS: nothing to say. */
  | { readonly kind: 'right' }
  /** Within CLOCK_WRONG_MS: said; its calls go seconds early or late. */
  | ClockOff<'off'>
  /** Beyond: its calls would go at the wrong hour; none is placed while it lasts. */
  | ClockOff<'wrong'>;

export interface ClockOff<K extends 'off' | 'wrong'> {
  readonly kind: K;
  /** How far the database's clock is ahead of this runner's (negative: behind it). */
  readonly offsetMs: number;
}

/**
 * The verdict on this runner's clock, from the database's (`db`, read by a query sent at
 * `sent` and answered at `back`, both on this runner's clock): the database read it somewhere
 * in between, so half the round trip is unknown and never counts against the runner.
 */
export const judgeClock = (db: Date, sent: number, back: number): ClockVerdict => {
  const offsetMs = db.getTime() - (sent + back) / 2;
  const sure = Math.abs(offsetMs) - (back - sent) / 2;
  if (sure <= CLOCK_SKEW_MS) return { kind: 'right' };
  return { kind: sure <= CLOCK_WRONG_MS ? 'off' : 'wrong', offsetMs };
};

/**
 * "9 s", "61 min", "3 h", "2 days": seconds under 2 min, minutes under 2 h, hours under 2
 * days, days beyond. Each unit is judged once rounded, so that none reads "120 min" or "48 h".
 */
const amountOf = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.round(s / 3600);
  if (h < 48) return `${h} h`;
  return `${Math.round(s / 86_400)} days`;
};

/** "61 min behind the state database's", "2 days ahead of the state database's". */
const far = (offsetMs: number): string =>
  `${amountOf(Math.abs(offsetMs))} ${offsetMs > 0 ? 'behind' : 'ahead of'} the state database's`;

const placed = (offsetMs: number): string => (offsetMs > 0 ? 'late' : 'early');

/** What a command that opens the state says of a clock that is off: a warning. */
export const clockWarning = (verdict: ClockOff<'off'> | ClockOff<'wrong'>): string => {
  const { offsetMs } = verdict;
  if (verdict.kind === 'off')
    return `this runner's clock is ${far(offsetMs)}: per-number limits are judged on the database's clock, but schedules, windows and deadlines on this runner's (its calls would be placed ${placed(offsetMs)}), and the entries it writes carry its time; set its clock right (NTP)`;
  return `${wrongClock(verdict)}: \`apply\` and \`run\` place no call from it until it is right (a rehearsal, \`apply --now\`, goes by its own instant); per-number limits are judged on the database's clock, and the entries it writes carry its time; set its clock right (NTP)`;
};

/** Why no call is placed from this runner: "this runner's clock is 61 min behind …, so its calls would be placed late". */
export const wrongClock = (verdict: ClockOff<'wrong'>): string =>
  `this runner's clock is ${far(verdict.offsetMs)}, more than ${CLOCK_WRONG_MS / 1000} s: schedules, windows and deadlines go by this runner's clock, so its calls would be placed ${placed(verdict.offsetMs)}`;

/** Said as placing resumes: the clock right again, or within CLOCK_WRONG_MS. */
export const clockBack = (verdict: ClockVerdict): string =>
  verdict.kind === 'right'
    ? "this runner's clock agrees with the state database's again"
    : `this runner's clock is ${far(verdict.offsetMs)} now, within ${CLOCK_WRONG_MS / 1000} s (its calls would be placed up to that much ${placed(verdict.offsetMs)}: set it right, NTP)`;
