import {
  CLOCK_WRONG_MS,
  type ClockVerdict,
  clockBack,
  wrongClock,
} from '../state/postgres/clock.js';
import type { StateStore } from '../state/store.js';
import { EngineError } from './errors.js';
import type { EventSink } from './events.js';

/** While `run` holds its batches for a clock that is wrong, it measures the clock this often. */
export const CLOCK_HOLD_RECHECK_MS = 5_000;

/**
 * `apply` on a database store whose runner's clock was wrong as it opened (state/postgres/
 * clock.ts): its calls would go at the wrong hour, so it is refused before anything is
 * planned, remembered or sent, as a condition that passes once the clock is set right (75).
 */
export const wrongClockRefusal = (store: StateStore): EngineError | undefined => {
  const opened = store.clock?.opened;
  if (opened?.kind !== 'wrong') return undefined;
  return new EngineError(
    'clock',
    `${wrongClock(opened)}; nothing was sent. Set its clock right (NTP), then apply again`,
  );
};

/**
 * `run` on a database store measures this runner's clock before each wake plans. While it is
 * wrong, nothing is planned, remembered or placed: a plan by that clock would place slots at
 * the wrong hour, or report them missed before their deadline passed. run goes on, and says
 * so once as it starts, again when the clock moved by more than CLOCK_WRONG_MS since it last
 * said, and once it is right again; placing resumes then by itself, and the slots still within
 * their deadline are placed (older ones reported missed, as after any pause).
 */
export class ClockHold {
  /** The offset last said, while the batches are held. */
  private said: number | undefined;
  /** When the hold began, on the monotonic clock: the wall clock is the one that is wrong. */
  private since = 0;

  constructor(private readonly sink: EventSink) {}

  /** The clock as measured now: resolves with whether this wake must place nothing. */
  async holds(verdict: ClockVerdict): Promise<boolean> {
    if (verdict.kind !== 'wrong') {
      if (this.said === undefined) return false;
      this.said = undefined;
      await this.sink({
        type: 'scheduler:clock-right',
        message: clockBack(verdict),
        forMs: performance.now() - this.since,
      });
      return false;
    }
    if (this.said === undefined) this.since = performance.now();
    else if (Math.abs(verdict.offsetMs - this.said) <= CLOCK_WRONG_MS) return true;
    this.said = verdict.offsetMs;
    await this.sink({
      type: 'scheduler:clock-wrong',
      message: `${wrongClock(verdict)}; run goes on but places no call until it is right (measured again every ${CLOCK_HOLD_RECHECK_MS / 1000} s): set its clock right (NTP)`,
    });
    return true;
  }
}
