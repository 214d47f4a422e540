import { formatSlot } from '../plan/keys.js';
import { type HoursCache, hoursAt } from '../schedule/hours.js';
import { endInstant, zoneOf } from '../schedule/zone.js';
import type { CallDefinition } from '../validate/model.js';

type EndOf = Pick<CallDefinition, 'campaign' | 'schedule'>;

/** Whether `call` is a campaign row whose hours have an `end` (and neither cron nor at). */
const hasEnd = (call: EndOf): boolean => {
  const spec = call.schedule;
  return call.campaign !== undefined && spec?.end !== undefined && !spec.cron && !spec.at;
};

/**
 * The instant the `end` of a campaign row's calling hours passed, when it has passed at
 * `now` (pure); undefined for a row still within them, without `end`, with cron/at, or for
 * a call that is not a campaign row. A plain date ends at the next local midnight.
 */
export const rowEndedAt = (call: EndOf, now: number, cache?: HoursCache): number | undefined => {
  if (!hasEnd(call) || call.schedule === undefined) return undefined;
  const hours = hoursAt(call.schedule, now, cache);
  return hours.state === 'expired' ? hours.end : undefined;
};

/**
 * The instant a campaign row can no longer be called from `now` on (pure): its `end`, when
 * that passed or when its hours do not open again before it; undefined otherwise.
 */
export const rowCutOffAt = (call: EndOf, now: number, cache?: HoursCache): number | undefined => {
  if (!hasEnd(call) || call.schedule === undefined) return undefined;
  const hours = hoursAt(call.schedule, now, cache);
  if (hours.state === 'expired') return hours.end;
  return hours.state === 'waiting' && hours.opens === undefined ? hours.end : undefined;
};

/** The instant a campaign row's `end` is reached (pure); undefined without one. */
export const rowEndAt = (call: EndOf): number | undefined => {
  const spec = call.schedule;
  if (!hasEnd(call) || spec?.end === undefined) return undefined;
  const zone = zoneOf(spec.timezone);
  return zone === undefined ? undefined : endInstant(spec.end, zone);
};

/** `campaign NAME ended at <instant> (end <as written>)`, for a row whose `end` passed. */
export const campaignEndedWords = (call: EndOf, end: number): string =>
  `campaign ${call.campaign?.name ?? ''} ended at ${formatSlot(new Date(end))} (end ${call.schedule?.end ?? ''})`;

/**
 * Why a slot is not placed once its schedule's `end` is reached (a slot due before it is cut
 * short there, whatever its deadline): `campaign NAME ended at …` for a campaign's row, `its
 * schedule ended at <instant> (end <as written>)` for a call.
 */
export const scheduleEndedWords = (call: EndOf, end: number): string =>
  call.campaign === undefined
    ? `its schedule ended at ${formatSlot(new Date(end))} (end ${call.schedule?.end ?? ''})`
    : campaignEndedWords(call, end);

/** `campaign NAME ends at <instant> (end <as written>)`, for a row whose `end` is to come. */
export const campaignEndsWords = (call: EndOf, end: number): string =>
  `campaign ${call.campaign?.name ?? ''} ends at ${formatSlot(new Date(end))} (end ${call.schedule?.end ?? ''})`;

/** The words for `end` seen from `now`: ended at, or ends at. */
export const campaignEndWords = (call: EndOf, end: number, now: number): string =>
  now >= end ? campaignEndedWords(call, end) : campaignEndsWords(call, end);
