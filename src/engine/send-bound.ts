import { campaignEndedWords, rowEndAt, scheduleEndedWords } from '../campaign/end.js';
import { formatSlot } from '../plan/keys.js';
import { hoursAt } from '../schedule/hours.js';
import { localTime, slotEndsAt, windowClosesAt } from '../schedule/index.js';
import type { CallDefinition, ScheduleSpec } from '../validate/model.js';

type Bounded = Pick<CallDefinition, 'campaign' | 'schedule'>;

/**
 * Up to when a due placement may still leave, on the plan's clock (epoch ms):
 * - `notAfterMs`: no attempt starts from then on (missed, or failed after a refusal) — a
 *   slot's deadline, or the close of the window it fell due in or its schedule's `end` when
 *   that comes first, or a campaign row's `end`; `closedWhy` says why when it is not the
 *   deadline;
 * - `heldFromMs`: a campaign row's calling hours close then: from then on its request does
 *   not leave but is held back, still due, placed when its hours open again. Hours that do
 *   not open again before the row's `end` hold nothing: their close is its `notAfterMs`.
 */
export interface SendBound {
  readonly notAfterMs?: number;
  readonly closedWhy?: string;
  readonly heldFromMs?: number;
  readonly heldWhy?: string;
}

/**
 * The bound of rows whose hours close at `close` and do not open again before their `end`
 * (the plan's `expired: no opening before end`), or undefined when they open again.
 */
const lastClose = (spec: ScheduleSpec, close: number): SendBound | undefined => {
  const after = hoursAt(spec, close);
  if (after.state === 'open' || after.end === undefined) return undefined;
  if (after.state === 'waiting' && after.opens !== undefined) return undefined;
  return {
    notAfterMs: close,
    closedWhy: `calling hours ${spec.window} closed at ${localTime(new Date(close), spec.timezone)}, with no opening before end ${spec.end ?? ''} (${formatSlot(new Date(after.end))}): expired`,
  };
};

/** What rows of one zone share, for one run: their hours' close and `end` (by text). */
export type BoundCache = Map<string, SendBound>;

const NONE: SendBound = {};

/**
 * The bound of a due item: `slot` (epoch ms) for a scheduled slot, else `foundAt`, the
 * instant a campaign row was found due (its hours were open then). Windows are read in the
 * schedule's zone (a row's own), as the plan reads them.
 */
export const sendBound = (
  def: Bounded,
  slot: number | undefined,
  foundAt: number,
  cache?: BoundCache,
): SendBound => {
  const spec = def.schedule;
  if (spec === undefined) return NONE;
  if (slot !== undefined) {
    const end = slotEndsAt(spec, slot);
    if (end.by === 'deadline') return { notAfterMs: end.at };
    return {
      notAfterMs: end.at,
      closedWhy:
        end.by === 'end'
          ? scheduleEndedWords(def, end.at)
          : `its window ${spec.window} closed at ${localTime(new Date(end.at), spec.timezone)}`,
    };
  }
  if (def.campaign === undefined || spec.cron !== undefined || spec.at !== undefined) return NONE;
  const key = `${def.campaign.name}\0${spec.timezone}\0${spec.window ?? ''}\0${spec.end ?? ''}`;
  const known = cache?.get(key);
  if (known !== undefined) return known;
  const end = rowEndAt(def);
  const close = windowClosesAt(spec, foundAt);
  // Hours that close for the last time before the end: from their close the rows are
  // expired, as the plan says, not held as if they would open again.
  const last =
    close !== undefined && end !== undefined && close < end ? lastClose(spec, close) : undefined;
  const bound: SendBound =
    last !== undefined
      ? last
      : {
          ...(end !== undefined && { notAfterMs: end, closedWhy: campaignEndedWords(def, end) }),
          ...(close !== undefined && {
            heldFromMs: close,
            heldWhy: `calling hours ${spec.window} closed at ${localTime(new Date(close), spec.timezone)}; still due, placed when they open`,
          }),
        };
  cache?.set(key, bound);
  return bound;
};
