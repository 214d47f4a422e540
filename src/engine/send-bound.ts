import { campaignEndedWords, rowEndAt, scheduleEndedWords } from '../campaign/end.js';
import { localTime, slotEndsAt, windowClosesAt } from '../schedule/index.js';
import type { CallDefinition } from '../validate/model.js';

type Bounded = Pick<CallDefinition, 'campaign' | 'schedule'>;

/**
 * Up to when a due placement may still leave, on the plan's clock (epoch ms):
 * - `notAfterMs`: no attempt starts from then on (missed, or failed after a refusal) — a
 *   slot's deadline, or the close of the window it fell due in or its schedule's `end` when
 *   that comes first, or a campaign row's `end`; `closedWhy` says why when it is not the
 *   deadline;
 * - `heldFromMs`: a campaign row's calling hours close then: from then on its request does
 *   not leave but is held back, still due, placed when its hours open again.
 */
export interface SendBound {
  readonly notAfterMs?: number;
  readonly closedWhy?: string;
  readonly heldFromMs?: number;
  readonly heldWhy?: string;
}

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
  const bound: SendBound = {
    ...(end !== undefined && { notAfterMs: end, closedWhy: campaignEndedWords(def, end) }),
    ...(close !== undefined && {
      heldFromMs: close,
      heldWhy: `calling hours ${spec.window} closed at ${localTime(new Date(close), spec.timezone)}; still due, placed when they open`,
    }),
  };
  cache?.set(key, bound);
  return bound;
};
