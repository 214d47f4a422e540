import { whyNotAnInstant } from '../schedule/written.js';
import { UsageError } from './exit.js';

/**
 * `--now`: a date and time with an offset (`Z`, `+05:30`, `+0530` or `+05`), read as a call
 * file's `at:` is (a day not on the calendar is refused, never rolled over). The schedule module is loaded only when it is given.
 */
export const pickNow = async (value: unknown): Promise<{ now: Date; given: boolean }> => {
  if (value === undefined) return { now: new Date(), given: false };
  const text = String(value);
  const shaped = /^\d{4}-\d{2}-\d{2}T/.test(text) && /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text);
  const ms = shaped ? (await import('../schedule/zone.js')).isoDateTime(text) : undefined;
  if (ms !== undefined) return { now: new Date(ms), given: true };
  const why = shaped ? whyNotAnInstant(text) : undefined;
  throw new UsageError(
    why === undefined
      ? `--now must be an ISO-8601 instant with an offset, e.g. 2026-12-01T09:00:00Z (got "${text}")`
      : `--now ${text}: ${why}`,
  );
};

/**
 * When a command at `--now` first sees a scheduled call the lockfile's memory does not know:
 * the clock, read now (PlanInput.firstSeen; the plan keeps the earlier of it and `--now`).
 * A rehearsal ahead of the clock remembers such a call since the clock, never later (so a real
 * run after it still reports the slots it misses: plan/memory.ts memoryAt); it plans with that
 * `since` too, so its first run reports the missed slots the next one does, and `plan --now`
 * lists them. At or before the clock nothing changes: the call is first seen at `--now`.
 */
export const firstSeenAt = (
  nowGiven: boolean,
  clock: Date = new Date(),
): { readonly firstSeen?: Date } => (nowGiven ? { firstSeen: clock } : {});
