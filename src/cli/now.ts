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
