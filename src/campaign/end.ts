import { formatSlot } from '../plan/keys.js';
import { type HoursCache, hoursAt } from '../schedule/hours.js';
import type { CallDefinition } from '../validate/model.js';

/**
 * The instant the `end` of a campaign row's calling hours passed, when it has passed at
 * `now` (pure); undefined for a row still within them, without `end`, with cron/at, or for
 * a call that is not a campaign row.
 */
export const rowEndedAt = (
  call: Pick<CallDefinition, 'campaign' | 'schedule'>,
  now: number,
  cache?: HoursCache,
): number | undefined => {
  const spec = call.schedule;
  if (call.campaign === undefined || spec?.end === undefined || spec.cron || spec.at) {
    return undefined;
  }
  const hours = hoursAt(spec, now, cache);
  return hours.state === 'expired' ? hours.end : undefined;
};

/** `campaign NAME ended at <instant> (end <as written>)`, for a row whose `end` passed. */
export const campaignEndedWords = (
  call: Pick<CallDefinition, 'campaign' | 'schedule'>,
  end: number,
): string =>
  `campaign ${call.campaign?.name ?? ''} ended at ${formatSlot(new Date(end))} (end ${call.schedule?.end ?? ''})`;
